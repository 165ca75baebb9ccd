package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/content"
	"mekongbot/flows"
	"mekongbot/locales"
)

// app is what both serve and chat are built on: content, strings, the Redis
// client and the flows engine.
type app struct {
	catalog *content.Catalog
	text    *locales.Bundle
	redis   redis.UniversalClient
	engine  *flows.Engine
	close   func()
}

// openApp loads content and strings and connects to Redis; with no
// redisURL it starts the embedded server and says so on notice.
func openApp(ctx context.Context, redisURL, prefix string, ttl time.Duration, log *slog.Logger, notice io.Writer) (*app, error) {
	catalog, err := content.Load()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	text, err := locales.Load()
	if err != nil {
		return nil, fmt.Errorf("load locales: %w", err)
	}
	client, closeRedis, err := connectRedis(ctx, redisURL, notice)
	if err != nil {
		return nil, err
	}
	engine := flows.NewEngine(flows.Config{
		Store:    redisstore.New(client, prefix, ttl),
		Catalog:  catalog,
		Text:     text,
		Search:   content.NewIndex(catalog),
		MoU:      catalog,
		Insights: redisstore.NewInsights(client, prefix),
		Log:      log,
	})
	return &app{catalog: catalog, text: text, redis: client, engine: engine, close: closeRedis}, nil
}

func connectRedis(ctx context.Context, url string, notice io.Writer) (redis.UniversalClient, func(), error) {
	if url == "" {
		client, stop, err := redisstore.Embedded()
		if err != nil {
			return nil, nil, fmt.Errorf("start embedded Redis: %w", err)
		}
		fmt.Fprintln(notice, "*** REDIS_URL is not set: using an embedded in-process Redis. Nothing survives a restart. ***")
		return client, stop, nil
	}
	client, err := redisstore.Open(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to Redis: %w", err)
	}
	return client, func() { _ = client.Close() }, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
