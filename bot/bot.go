package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/flows"
)

// Config is what a Bot needs; cmd/mekongbot fills it from the environment.
type Config struct {
	Token    string
	Endpoint string // Bot API endpoint format, e.g. DefaultEndpoint
	Engine   *flows.Engine
	Limits   SendLimits
	Workers  int
	// Subscribers is told when a chat blocks the bot, so it gets no more
	// broadcasts; nil: not told.
	Subscribers flows.Subscribers
	// Reminders is told too, so that the chat's reminders are dropped; nil:
	// not told.
	Reminders flows.Reminders
	// Surface is the command menu and profile texts set at start-up; nil: left as they are.
	Surface *Surface
	// Spent counts interactive messages against a send budget shared with
	// broadcasts; nil: not counted.
	Spent func(n int)
	Log   *slog.Logger
	// LogKey keys the hash that stands for user ids in logs.
	LogKey []byte
	// PollTimeout is the long-poll duration (default 30s).
	PollTimeout time.Duration
	// DrainTimeout bounds how long a stop waits for in-flight updates.
	DrainTimeout time.Duration
	// Journal records updates so that none is lost or handled twice
	// (redisstore.Updates); nil: in memory, lost with the process.
	Journal Journal
	// Metrics counts what happens; nil counts nothing.
	Metrics *Metrics
	// Flood slows down one chat sending too fast; zero: no limit.
	Flood FloodLimits
	// Webhook, when set, receives updates through WebhookHandler instead of
	// polling.
	Webhook *Webhook
	// DeleteWebhook makes polling delete a webhook left set; otherwise
	// polling fails with 409 Conflict while one is set.
	DeleteWebhook bool
	// Lease, when set, lets several processes share one journal in polling
	// mode: only the holder polls, the others stand by and take over when
	// it is gone (redisstore.PollLease). nil: this process polls alone.
	// Webhook mode ignores it: every process takes webhooks.
	Lease Lease
	// LeaseTTL is how long the lease outlives its holder's last renewal
	// (default 5s); it is renewed, and tried by standbys, every LeaseTTL/5.
	LeaseTTL time.Duration
}

// Bot receives updates, runs them through the flows engine and sends replies.
type Bot struct {
	cfg  Config
	send *Sender
	log  *slog.Logger
	hook webhookIntake
	Self tgbotapi.User
}

// New builds a Bot; nothing is contacted until Run.
func New(cfg Config) *Bot {
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Journal == nil {
		cfg.Journal = NewMemJournal()
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = defaultLeaseTTL
	}
	send := NewSender(newAPI(cfg.Token, cfg.Endpoint, 15*time.Second), cfg.Limits, cfg.Log)
	send.metrics = cfg.Metrics
	b := &Bot{cfg: cfg, send: send, log: cfg.Log}
	b.send.gone, b.send.spent = b.chatGone, cfg.Spent
	return b
}

// Sender is the bot's rate-limited sender, shared with the broadcast runner.
func (b *Bot) Sender() *Sender { return b.send }

// chatGone stops updates and reminders to a chat that blocked the bot or
// was deleted.
func (b *Bot) chatGone(chatID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if b.cfg.Subscribers != nil {
		if err := b.cfg.Subscribers.Unsubscribe(ctx, chatID); err != nil {
			b.log.Warn("unsubscribe a chat that blocked the bot", "err", err)
		}
	}
	if b.cfg.Reminders != nil {
		if err := b.cfg.Reminders.Forget(ctx, chatID); err != nil {
			b.log.Warn("drop the reminders of a chat that blocked the bot", "err", err)
		}
	}
}

// pollAPI is a Bot API client for long polls, bound to ctx so that a stop
// interrupts a poll at once; its timeout leaves room for the long poll.
func (b *Bot) pollAPI(ctx context.Context) *tgbotapi.BotAPI {
	api := newAPI(b.cfg.Token, b.cfg.Endpoint, b.cfg.PollTimeout+10*time.Second)
	api.Client = ctxClient{ctx: ctx, c: api.Client.(*http.Client)}
	return api
}

// Run checks the token, then receives updates (by polling, or from
// WebhookHandler in webhook mode) and handles them until ctx ends. On stop it
// finishes the updates in flight (within DrainTimeout) and returns; what it
// could not finish stays journalled for the next start.
func (b *Bot) Run(ctx context.Context) error {
	me, err := b.send.api.GetMe()
	if err != nil {
		if apiErr := asAPIError("getMe", err); apiErr != nil && apiErr.Code == 401 {
			return ErrUnauthorized
		}
		return fmt.Errorf("connect to the Bot API: %w", Redact(err, b.cfg.Token))
	}
	b.Self = me
	b.cfg.Engine.SetBotUsername(me.UserName)
	b.log.Info("bot connected", "username", me.UserName)
	go b.publish(ctx, b.cfg.Surface)

	// Work continues for DrainTimeout after ctx ends, so in-flight updates finish.
	work, stopWork := drainContext(ctx, b.cfg.DrainTimeout)
	defer stopWork()
	in, err := b.startIntake(ctx, work)
	if err != nil {
		return nil // stopped while Redis was away
	}
	defer in.stop()
	if b.cfg.Webhook != nil {
		err = b.runWebhook(ctx, in)
	} else {
		err = b.poll(ctx, in)
	}
	if err != nil {
		return err
	}
	b.log.Info("stopping: finishing updates in flight")
	return nil
}

// jobFor says what handling an update means and which chat (or user) it
// belongs to, for ordering; ok is false for updates the bot ignores.
func (b *Bot) jobFor(ctx context.Context, u tgbotapi.Update) (key int64, job func(), ok bool) {
	if q := u.InlineQuery; q != nil && q.From != nil {
		return q.From.ID, func() { b.answerInline(ctx, q) }, true
	}
	if m := u.MyChatMember; m != nil {
		return m.Chat.ID, func() { b.memberChanged(m) }, true
	}
	if m := u.Message; m != nil && m.Chat != nil && m.MigrateToChatID != 0 {
		return m.Chat.ID, func() { b.migrate(ctx, m.Chat.ID, m.MigrateToChatID) }, true
	}
	in, ok := toEvent(u)
	if !ok {
		b.ignored(ctx, in, u)
		return 0, nil, false
	}
	return in.event.ChatID, func() { b.handle(ctx, in) }, true
}

func (b *Bot) ignored(ctx context.Context, in incoming, u tgbotapi.Update) {
	if in.callbackID != "" {
		_ = b.send.AnswerButton(ctx, in.callbackID)
	}
	b.log.Debug("update ignored", "update_id", u.UpdateID)
}

// handle runs one update: answer a button at once, process, deliver. A
// panic is logged and answered with an apology; it never stops the bot.
func (b *Bot) handle(ctx context.Context, in incoming) {
	start := time.Now()
	ev := in.event
	if in.replyToUser != b.Self.ID {
		ev.ReplyToText = "" // only answers to the bot's own messages count
	}
	defer func() {
		if v := recover(); v != nil {
			b.log.Error("panic while handling update", "user", b.userHash(ev.UserID), "panic", v)
		}
	}()
	if in.callbackID != "" && firstAttempt(ctx) {
		if err := b.send.AnswerButton(ctx, in.callbackID); err != nil {
			b.log.Warn("answer button", "err", Redact(err, b.cfg.Token))
		}
	}
	replies, err := b.cfg.Engine.Process(ctx, ev)
	if errors.Is(err, flows.ErrHandled) {
		b.cfg.Metrics.duplicate() // a redelivery: answered already
		return
	}
	if err != nil && retryLater(ctx, err) {
		return // the session store failed: handled again when Redis answers, not apologised for
	}
	if err != nil {
		b.log.Error("handle update", "user", b.userHash(ev.UserID), "kind", ev.Kind, "err", err)
	}
	err = b.send.Deliver(ctx, ev.ChatID, ev.MessageID, replies)
	if errors.Is(err, ErrRelayFailed) {
		// Not "sent to the team": say it failed, so the person can try again.
		err = errors.Join(err, b.send.Deliver(ctx, ev.ChatID, 0, b.cfg.Engine.Apology(ev)))
	}
	if err != nil {
		b.log.Error("send reply", "user", b.userHash(ev.UserID), "err", Redact(err, b.cfg.Token))
	}
	b.log.Debug("update handled", "user", b.userHash(ev.UserID), "kind", ev.Kind, "took", time.Since(start))
}

// memberChanged unsubscribes a person who blocked the bot (or a group that
// removed it) and drops their reminders: Telegram says so with a
// my_chat_member update.
func (b *Bot) memberChanged(m *tgbotapi.ChatMemberUpdated) {
	if st := m.NewChatMember.Status; st == "kicked" || st == "left" {
		b.chatGone(m.Chat.ID)
	}
}

// migrate follows a group that became a supergroup, which changes its chat id.
func (b *Bot) migrate(ctx context.Context, from, to int64) {
	if err := b.cfg.Engine.Migrate(ctx, from, to); err != nil {
		b.log.Error("move the session of a group that became a supergroup", "err", err)
	}
}

// userHash stands for a user id in logs: stable within a deployment, not
// reversible without the key.
func (b *Bot) userHash(id int64) string {
	m := hmac.New(sha256.New, b.cfg.LogKey)
	_ = binary.Write(m, binary.BigEndian, id)
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// drainContext returns a context that ends DrainTimeout after parent ends.
func drainContext(parent context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() { time.AfterFunc(grace, cancel) })
	return ctx, func() { stop(); cancel() }
}

// ctxClient binds the library's context-free requests to a context.
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (c ctxClient) Do(req *http.Request) (*http.Response, error) {
	return c.c.Do(req.WithContext(c.ctx))
}
