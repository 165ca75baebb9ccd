// Package reminders delivers the reminders people set about their papers
// (flows.Reminder) when they come due. Any number of bot processes run a
// Runner each on one Redis; each message goes out once.
//
// A Runner polls the schedule (redisstore.Reminders) and claims the due
// messages under a lease, in one script, so no two processes get the same
// one. For each it reads the reminder again (it may have been deleted,
// forgotten or changed since it was scheduled), takes a slot from the send
// budget shared with broadcasts and interactive replies (SEND_RATE), sends
// through the bot's Sender (per-chat limit, 429 and 5xx retries), and then
// ends the claim, scheduling the reminder's next message in the same step.
// A reminder whose last message went out is deleted.
//
// Exactly once, as for broadcasts (see bot/broadcast): nothing is lost,
// since a claim whose process died expires and is taken over by the next
// Claim of any process; a message goes out twice only if a process dies
// after Telegram accepted it and before the claim was ended (one Telegram
// and one Redis round trip), or stalls beyond its lease mid-send (it checks
// the lease before sending, so only a send already in flight).
//
// A send refused as gone (403: the person blocked the bot; chat not found)
// deletes the chat's reminders. Any other failure left after the Sender's
// own retries hands the message back to be tried again after RetryAfter,
// until its date has passed: a message due on a day is not sent after it.
package reminders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/wait"
	"mekongbot/flows"
)

// Sender sends one message outside a conversation: bot.Sender.SendBulk,
// which keeps the per-chat limit and retries; the overall rate is the
// Budget's.
type Sender interface {
	SendBulk(ctx context.Context, chatID int64, r flows.Reply) error
}

// Budget is the send rate shared by every process (broadcast.Budget).
type Budget interface {
	Take(ctx context.Context) error
}

// Defaults of Config.
const (
	DefaultWorkers     = 8
	DefaultLease       = 2 * time.Minute
	DefaultPoll        = 5 * time.Second
	DefaultSendTimeout = 30 * time.Second
	DefaultRetryAfter  = 5 * time.Minute
)

// redisTimeout bounds the Redis calls made for one message, also after the
// Runner was told to stop (the claim must be ended or handed back).
const redisTimeout = 5 * time.Second

// Config is what a Runner needs. Store, Sender, Message and Gone are
// required.
type Config struct {
	Store  *redisstore.Reminders
	Sender Sender
	// Message words a reminder in lang at now (flows.Engine.ReminderMessage).
	Message func(lang string, r flows.Reminder, now time.Time) flows.Reply
	// Gone reports whether a send error means the chat can never receive
	// (blocked the bot, chat not found): its reminders are deleted.
	Gone func(error) bool
	// Budget is the send rate shared with broadcasts and replies; nil sends
	// at the Sender's pace (tests only).
	Budget Budget
	// Workers is how many messages a process claims and sends at once.
	// Default 8.
	Workers int
	// Lease is how long a claim outlives a process that died holding it.
	// It must cover a wait for the budget and a send with its retries.
	// Default 2 min.
	Lease time.Duration
	// Poll is how often the schedule is looked at: one round trip per
	// process when nothing is due. Messages go out at 09:00, so a few
	// seconds late is nothing. Default 5 s.
	Poll time.Duration
	// SendTimeout bounds one send, its retries included. Default 30 s.
	SendTimeout time.Duration
	// RetryAfter is the pause before a failed send is tried again.
	// Default 5 min.
	RetryAfter time.Duration
	// Now is the service clock schedules are read against. Default time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Runner delivers due reminders; run one per bot process.
type Runner struct {
	cfg   Config
	token string // this process, in its claims
}

// NewRunner checks cfg and returns a Runner.
func NewRunner(cfg Config) (*Runner, error) {
	if cfg.Store == nil || cfg.Sender == nil || cfg.Message == nil || cfg.Gone == nil {
		return nil, errors.New("reminders: Config needs Store, Sender, Message and Gone")
	}
	cfg.Workers = orDefault(cfg.Workers, DefaultWorkers)
	cfg.Lease = orDefault(cfg.Lease, DefaultLease)
	cfg.Poll = orDefault(cfg.Poll, DefaultPoll)
	cfg.SendTimeout = orDefault(cfg.SendTimeout, DefaultSendTimeout)
	cfg.RetryAfter = orDefault(cfg.RetryAfter, DefaultRetryAfter)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, token: randomToken()}, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Run delivers due reminders until ctx ends; messages claimed and not yet
// sent then are handed back to the other processes. It returns nil.
func (r *Runner) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if r.round(ctx) < r.cfg.Workers && wait.Sleep(ctx, r.cfg.Poll) != nil {
			break
		}
	}
	return nil
}

// round claims up to Workers messages and delivers them side by side; it
// returns how many it claimed (all of them: look again at once).
func (r *Runner) round(ctx context.Context) int {
	due, err := r.cfg.Store.Claim(ctx, r.token, r.cfg.Workers, r.cfg.Lease)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Log.Warn("reminders: claim due messages", "err", err)
		}
		return 0
	}
	var wg sync.WaitGroup
	for _, d := range due {
		wg.Go(func() { r.deliver(ctx, d) })
	}
	wg.Wait()
	return len(due)
}

// deliver sends one claimed message if it is still wanted, and ends the
// claim.
func (r *Runner) deliver(ctx context.Context, d redisstore.DueReminder) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	rem, lang, ok, err := r.cfg.Store.Reminder(rctx, d.Chat, d.Kind)
	if err != nil {
		r.cfg.Log.Warn("reminders: read a due reminder", "err", rootCause(err))
		r.release(rctx, d, r.cfg.Poll)
		return
	}
	now := r.cfg.Now()
	if now.Before(d.At) {
		now = d.At // another process's clock ran ahead
	}
	switch {
	case !ok: // deleted or forgotten since it was scheduled
		r.done(rctx, d, time.Time{})
	case !rem.OnSchedule(d.At) || flows.DayOf(now) > rem.DueOn(flows.DayOf(d.At)):
		// Made for a date changed since, or so late that its date has
		// passed: schedule by the reminder as it is now, send nothing.
		r.finish(rctx, d, rem, now)
	default:
		r.send(ctx, d, rem, lang, now)
	}
}

// send takes a budget slot and sends; the claim is then ended, or handed
// back for a later try.
func (r *Runner) send(ctx context.Context, d redisstore.DueReminder, rem flows.Reminder, lang string, now time.Time) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	if r.cfg.Budget != nil {
		if err := r.cfg.Budget.Take(ctx); err != nil {
			if ctx.Err() == nil {
				r.cfg.Log.Warn("reminders: take from the send budget", "err", err)
			}
			r.release(rctx, d, 0)
			return
		}
	}
	if ctx.Err() != nil {
		r.release(rctx, d, 0) // stopping: another process sends it now
		return
	}
	if !time.Now().Before(d.Until) {
		return // the lease ran out while waiting: whoever took it over sends it
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.SendTimeout)
	err := r.cfg.Sender.SendBulk(sctx, d.Chat, r.cfg.Message(lang, rem, now))
	scancel()
	switch {
	case err == nil:
		r.finish(rctx, d, rem, now)
	case r.cfg.Gone(err):
		if err := r.cfg.Store.Forget(rctx, d.Chat); err != nil {
			r.cfg.Log.Warn("reminders: drop the reminders of a chat that blocked the bot", "err", rootCause(err))
		}
		r.done(rctx, d, time.Time{})
	default:
		r.cfg.Log.Warn("reminders: send failed; trying again later", "err", rootCause(err))
		r.release(rctx, d, r.cfg.RetryAfter)
	}
}

// finish ends the claim with the reminder's next message, or, when none is
// left, deletes the reminder.
func (r *Runner) finish(ctx context.Context, d redisstore.DueReminder, rem flows.Reminder, now time.Time) {
	next, more := rem.Next(now)
	if held := r.done(ctx, d, next); !held || more {
		return
	}
	if err := r.cfg.Store.Finished(ctx, d.Chat, rem); err != nil {
		r.cfg.Log.Warn("reminders: delete a finished reminder", "err", rootCause(err))
	}
}

func (r *Runner) done(ctx context.Context, d redisstore.DueReminder, next time.Time) (held bool) {
	held, err := r.cfg.Store.Done(ctx, d, next)
	if err != nil {
		// The claim expires and is taken over: the message may go out twice.
		r.cfg.Log.Error("reminders: end a claim after sending", "err", rootCause(err))
	}
	return held
}

func (r *Runner) release(ctx context.Context, d redisstore.DueReminder, after time.Duration) {
	if err := r.cfg.Store.Release(ctx, d, after); err != nil {
		r.cfg.Log.Warn("reminders: hand a message back", "err", rootCause(err)) // its lease runs out instead
	}
}

// rootCause is the innermost error: what went wrong, without the wrapping
// that names a chat (logs carry no chat ids).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
