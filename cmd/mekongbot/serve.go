package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"mekongbot/bot"
	"mekongbot/bot/redisstore"
)

func serve(ctx context.Context, args []string, env Env) error {
	if len(args) > 0 {
		fmt.Fprintf(env.Stderr, "serve takes no arguments; it is configured from the environment\n%s", usage)
		return errUsage
	}
	cfg, err := ParseServeConfig(env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogLevel)
	a, err := openApp(ctx, cfg.RedisURL, cfg.KeyPrefix, cfg.SessionTTL, log, env.Stderr)
	if err != nil {
		return err
	}
	defer a.close()

	m := bot.NewMetrics()
	instrument(a, m)
	redisstore.CountErrors(a.redis, m.RedisError)
	b := bot.New(bot.Config{
		Token:         cfg.Token,
		Endpoint:      cfg.Endpoint,
		Engine:        a.engine,
		Limits:        bot.SendLimits{PerSecond: cfg.SendRate, PerChat: 1, ChatBurst: 3},
		Admins:        cfg.Admins,
		Log:           log,
		LogKey:        logKey(cfg.LogHashKey),
		PollTimeout:   cfg.PollTimeout,
		Journal:       redisstore.NewUpdates(a.redis, cfg.KeyPrefix),
		Metrics:       m,
		Flood:         floodLimits(cfg.FloodRate),
		Webhook:       webhook(cfg),
		DeleteWebhook: cfg.DeleteWebhook,
	})
	stopHTTP, err := serveHTTP(ctx, cfg.ListenAddr, a, b, m, cfg.WebhookURL, log)
	if err != nil {
		return err
	}
	defer stopHTTP()
	log.Info("mekongbot starting", "listen", cfg.ListenAddr, "webhook", cfg.WebhookURL != "",
		"languages", len(a.text.Languages()), "pages", len(a.catalog.IDs()))
	return b.Run(ctx)
}

func floodLimits(rate float64) bot.FloodLimits {
	l := bot.DefaultFloodLimits
	l.Rate = rate
	return l
}

func webhook(cfg ServeConfig) *bot.Webhook {
	if cfg.WebhookURL == "" {
		return nil
	}
	return &bot.Webhook{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret}
}

// logKey keys the hash that stands for user ids in logs. Without a
// configured key each process picks its own, so hashes match only within it.
func logKey(configured string) []byte {
	if configured != "" {
		return []byte(configured)
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}
