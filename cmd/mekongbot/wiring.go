package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/broadcast"
	"mekongbot/bot/redisstore"
	"mekongbot/content"
	"mekongbot/flows"
	"mekongbot/locales"
)

// app is what both serve and chat are built on: content, strings, the Redis
// client, the stores and the flows engine.
type app struct {
	catalog   *content.Catalog
	text      *locales.Bundle
	redis     redis.UniversalClient
	subs      *redisstore.Subscribers
	insights  *redisstore.Insights
	reminders *redisstore.Reminders
	engine    *flows.Engine
	close     func()
}

// appConfig is what openApp needs from the command's configuration.
type appConfig struct {
	RedisURL   string // "": embedded server
	Prefix     string
	SessionTTL time.Duration
	Admins     []int64 // fixed staff (BOT_ADMIN_IDS)
	StaffChat  int64
	StaffLang  string
	Now        func() time.Time // the service clock; nil: time.Now
	// Sessions says how the session store guards against other processes:
	// polling caches, webhook mode locks chats, nothing for the chat mode.
	Sessions []redisstore.Option
}

// sessionCacheSize is how many chats' sessions a polling process keeps in
// memory: about 100 bytes each, so 10 MB.
const sessionCacheSize = 100_000

// sessionOptions: in webhook mode several processes may take one chat's
// updates, so claims lock the chat; polling has one handler (the process
// that polls), so it caches the sessions it wrote and skips their reads.
func sessionOptions(webhook bool) []redisstore.Option {
	if webhook {
		return []redisstore.Option{redisstore.ChatLocks()}
	}
	return []redisstore.Option{redisstore.CacheSessions(sessionCacheSize)}
}

// openApp loads content and strings and connects to Redis; with no
// RedisURL it starts the embedded server and says so on notice.
func openApp(ctx context.Context, c appConfig, log *slog.Logger, notice io.Writer) (*app, error) {
	catalog, err := content.Load()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	text, err := locales.Load()
	if err != nil {
		return nil, fmt.Errorf("load locales: %w", err)
	}
	client, closeRedis, err := connectRedis(ctx, c.RedisURL, notice)
	if err != nil {
		return nil, err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	a := &app{catalog: catalog, text: text, redis: client, close: closeRedis,
		subs: redisstore.NewSubscribers(client, c.Prefix), insights: redisstore.NewInsights(client, c.Prefix),
		reminders: redisstore.NewReminders(client, c.Prefix, c.Now)}
	a.engine = flows.NewEngine(flows.Config{
		Store:       redisstore.New(client, c.Prefix, c.SessionTTL, c.Sessions...),
		Catalog:     catalog,
		Text:        text,
		Search:      content.NewIndex(catalog),
		MoU:         catalog,
		Tools:       catalog,
		Insights:    a.insights,
		Feedback:    redisstore.NewFeedback(client, c.Prefix),
		Subscribers: a.subs,
		Broadcasts:  broadcast.NewStore(client, c.Prefix, c.Now),
		Drafts:      redisstore.NewDrafts(client, c.Prefix),
		Roster:      redisstore.NewRoster(client, c.Prefix, c.Admins, log),
		Cases:       redisstore.NewCases(client, c.Prefix, 0),
		StaffChat:   c.StaffChat,
		StaffLang:   c.StaffLang,
		Reminders:   a.reminders,
		Outbox:      redisstore.NewOutbox(client, c.Prefix),
		Now:         c.Now,
		Log:         log,
	})
	a.close = a.runInBackground(ctx, log, closeRedis)
	return a, nil
}

// runInBackground flushes buffered page counts until the app closes; close
// then waits for the last flush before it disconnects from Redis.
func (a *app) runInBackground(ctx context.Context, log *slog.Logger, closeRedis func()) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.insights.Run(ctx); err != nil {
			log.Warn("flush page counts", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		closeRedis()
	}
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
