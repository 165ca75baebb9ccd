package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"mekongbot/bot"
	"mekongbot/bot/broadcast"
	"mekongbot/bot/redisstore"
	"mekongbot/flows"
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
	a, err := openApp(ctx, appConfig{
		RedisURL: cfg.RedisURL, Prefix: cfg.KeyPrefix, SessionTTL: cfg.SessionTTL,
		Admins: cfg.AdminList(), StaffChat: cfg.StaffChatID, StaffLang: cfg.StaffLang,
		Sessions: sessionOptions(cfg.WebhookURL != ""),
	}, log, env.Stderr)
	if err != nil {
		return err
	}
	defer a.close()

	m := bot.NewMetrics()
	instrument(a, m)
	redisstore.CountErrors(a.redis, m.RedisError)
	budget, err := broadcast.NewBudget(a.redis, cfg.KeyPrefix, cfg.SendRate, log)
	if err != nil {
		return err
	}
	b := bot.New(bot.Config{
		Token:         cfg.Token,
		Endpoint:      cfg.Endpoint,
		Engine:        a.engine,
		Limits:        bot.SendLimits{PerSecond: cfg.SendRate, PerChat: 1, ChatBurst: 3},
		Subscribers:   a.subs,
		Spent:         budget.Consume,
		Log:           log,
		LogKey:        logKey(cfg.LogHashKey),
		PollTimeout:   cfg.PollTimeout,
		Journal:       redisstore.NewUpdates(a.redis, cfg.KeyPrefix),
		Metrics:       m,
		Flood:         floodLimits(cfg.FloodRate),
		Webhook:       webhook(cfg),
		DeleteWebhook: cfg.DeleteWebhook,
		Surface:       surface(a.text, cfg),
	})
	runner, err := broadcast.NewRunner(broadcast.Config{
		Redis: a.redis, Prefix: cfg.KeyPrefix, Sender: b.Sender(), Texts: broadcastTexts{a.engine},
		Gone: bot.IsGone, Subscribers: a.subs, Budget: budget, Log: log,
		Delivered: func(sent bool) {
			if sent {
				m.BroadcastSent()
			} else {
				m.BroadcastFailed()
			}
		},
	})
	if err != nil {
		return err
	}
	stopHTTP, err := serveHTTP(ctx, cfg.ListenAddr, a, b, m, cfg.WebhookURL, log)
	if err != nil {
		return err
	}
	defer stopHTTP()
	log.Info("mekongbot starting", "listen", cfg.ListenAddr, "webhook", cfg.WebhookURL != "",
		"languages", len(a.text.Languages()), "pages", len(a.catalog.IDs()))
	return runBoth(ctx, b.Run, runner.Run)
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

// runBoth runs the bot and the broadcast runner until ctx ends or one of
// them fails; a failure stops the other. It returns the first error.
func runBoth(ctx context.Context, first, second func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	for _, run := range []func(context.Context) error{first, second} {
		go func() {
			err := run(ctx)
			cancel()
			errs <- err
		}()
	}
	return errors.Join(<-errs, <-errs)
}

// broadcastTexts words broadcasts with the flows engine, so that recipients
// get exactly what the staff preview showed.
type broadcastTexts struct{ e *flows.Engine }

func (t broadcastTexts) Message(lang, text string) flows.Reply {
	return t.e.BroadcastMessage(lang, text)
}

func (t broadcastTexts) Progress(lang string, st flows.BroadcastStatus) flows.Reply {
	return t.e.BroadcastProgress(lang, st)
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
