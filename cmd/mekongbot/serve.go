package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"mekongbot/bot"
	"mekongbot/bot/broadcast"
	"mekongbot/bot/redisstore"
	"mekongbot/bot/reminders"
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
		Admins: cfg.AdminList(), StaffChat: cfg.StaffChatID, StaffLang: cfg.StaffLang, Now: env.clock(),
		Sessions: sessionOptions(cfg.WebhookURL != ""),
	}, log, env.Stderr)
	if err != nil {
		return err
	}
	defer a.close()

	m := bot.NewMetrics()
	instrument(a, m)
	redisstore.CountErrors(a.redis, m.RedisError)
	redisstore.CountRoundTrips(a.redis, m.RedisRoundTrip)
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
		Reminders:     a.reminders,
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
		// Polling is leased, so that several processes can run on one
		// Redis: one polls, the others stand by (webhook mode ignores it).
		Lease: redisstore.NewPollLease(a.redis, cfg.KeyPrefix),
	})
	runner, err := broadcast.NewRunner(broadcast.Config{
		Redis: a.redis, Prefix: cfg.KeyPrefix, Sender: b.Sender(), Texts: broadcastTexts{a.engine},
		Gone: bot.IsGone, Subscribers: a.subs, Budget: budget, Now: env.clock(), Log: log,
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
	reminder, err := reminders.NewRunner(reminders.Config{
		Store: a.reminders, Sender: b.Sender(), Message: a.engine.ReminderMessage,
		Gone: bot.IsGone, Budget: budget, Now: env.clock(), Log: log,
	})
	if err != nil {
		return err
	}
	stopHTTP, err := serveHTTP(ctx, cfg, a, b, m, log)
	if err != nil {
		return err
	}
	defer stopHTTP()
	log.Info("mekongbot starting", "listen", cfg.ListenAddr, "webhook", cfg.WebhookURL != "",
		"languages", len(a.text.Languages()), "pages", len(a.catalog.IDs()))
	return runAll(ctx, b.Run, runner.Run, reminder.Run)
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

// runAll runs the bot and the broadcast and reminder runners until ctx
// ends or one of them returns; that stops the others. It returns their
// errors joined.
func runAll(ctx context.Context, runs ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(runs))
	for _, run := range runs {
		go func() {
			err := run(ctx)
			cancel()
			errs <- err
		}()
	}
	var all []error
	for range runs {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
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
