package broadcast

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mekongbot/bot/wait"
)

// releaseTimeout bounds the Redis calls made after ctx ended: marking the
// send in hand and releasing the claim.
const releaseTimeout = 5 * time.Second

// feed claims ranges and queues their recipients for the senders, keeping
// about one recipient waiting per sender: enough that no sender idles, few
// enough that a killed process strands only a few ranges until their lease
// runs out. It closes tasks when ctx ends.
func (r *Runner) feed(ctx context.Context, tasks chan<- task, queued *atomic.Int64) {
	defer close(tasks)
	for ctx.Err() == nil {
		if queued.Load() >= int64(r.cfg.Workers) {
			_ = wait.Sleep(ctx, feedPause)
			continue
		}
		rw := r.claimNext(ctx)
		if rw == nil {
			r.idle(ctx)
			continue
		}
		queued.Add(int64(len(rw.todo)))
		for _, rc := range rw.todo {
			tasks <- task{rw: rw, rc: rc}
		}
	}
}

// idle waits for a poll, or less when the open jobs change.
func (r *Runner) idle(ctx context.Context) {
	t := time.NewTimer(r.cfg.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.wake:
	case <-t.C:
	}
}

// feedPause is how long the feeder waits for the senders to take from a
// full queue.
const feedPause = 5 * time.Millisecond

// claimNext claims a range of the oldest open job that has one with
// recipients not yet tried; nil when there is none.
func (r *Runner) claimNext(ctx context.Context) *rangeWork {
	for _, j := range r.openJobs() {
		if rw := r.claimFrom(ctx, j); rw != nil {
			return rw
		}
	}
	return nil
}

// claimFrom claims ranges of j until one has recipients left: a range taken
// over from a dead process may turn out all marked, and is then released
// at once.
func (r *Runner) claimFrom(ctx context.Context, j *job) *rangeWork {
	for ctx.Err() == nil {
		c, err := r.claim(ctx, j)
		if err != nil || c == nil {
			r.warn(ctx, "broadcast: claim", j.id, err)
			return nil
		}
		rw, err := r.startRange(ctx, c)
		if err != nil {
			r.warn(ctx, "broadcast: read range", j.id, err)
			return nil
		}
		if rw != nil {
			return rw
		}
	}
	return nil
}

// warn logs err unless it is nil or the Runner is stopping.
func (r *Runner) warn(ctx context.Context, msg string, id int64, err error) {
	if err != nil && ctx.Err() == nil {
		r.log.Warn(msg, "broadcast", id, "err", err)
	}
}

// rangeWork is a claimed range while its recipients are being sent to.
type rangeWork struct {
	c         *claim
	todo      []recipient
	pending   atomic.Int64 // recipients not yet done
	stopped   atomic.Bool  // a send said stop: the range is handed back unfinished
	stopLease func()
}

// task is one recipient of a claimed range.
type task struct {
	rw *rangeWork
	rc recipient
}

// startRange reads the claim's unmarked recipients and starts renewing its
// lease; a range with none left is released at once (nil, nil).
func (r *Runner) startRange(ctx context.Context, c *claim) (*rangeWork, error) {
	todo, err := r.unmarked(ctx, c)
	if err != nil {
		r.release(ctx, c, false)
		return nil, err
	}
	if len(todo) == 0 {
		r.release(ctx, c, true)
		return nil, nil
	}
	rw := &rangeWork{c: c, todo: todo}
	rw.pending.Store(int64(len(todo)))
	rw.stopLease = r.keepLease(ctx, c)
	return rw, nil
}

// sendAll is one sender: it works tasks until the feeder closes the queue.
// Once ctx ended, queued tasks are only counted off, so that their ranges
// are handed back to another process.
func (r *Runner) sendAll(ctx context.Context, tasks <-chan task, queued *atomic.Int64) {
	for t := range tasks {
		queued.Add(-1)
		if t.rw.stopped.Load() || !r.sendOne(ctx, t.rw.c, t.rc) {
			t.rw.stopped.Store(true)
		}
		r.done(ctx, t.rw)
	}
}

// done counts one recipient of the range off; the last one releases it.
func (r *Runner) done(ctx context.Context, rw *rangeWork) {
	if rw.pending.Add(-1) > 0 {
		return
	}
	rw.stopLease()
	r.release(ctx, rw.c, !rw.stopped.Load())
}

// claim is a range of one job's recipient list held by this process.
type claim struct {
	j          *job
	start, end int64
	member     string // in the claims zset: "<start>|<token>"
	lease      *lease
}

// usable reports whether sending for the claim may go on: the lease holds
// and the job was not seen stopped.
func (c *claim) usable() bool { return c.lease.valid() && !c.j.halted.Load() }

// claim claims the next range of j for a new token (see claimScript); nil
// when the job has nothing to claim or is not running.
func (r *Runner) claim(ctx context.Context, j *job) (*claim, error) {
	token := r.newClaimToken()
	sent := time.Now()
	res, err := claimScript.Run(ctx, r.rdb, []string{r.keys.job(j.id), r.keys.claims(j.id)},
		token, r.cfg.Lease.Milliseconds(), r.cfg.RangeSize, ms(r.cfg.Now())).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("claim range of broadcast %d: %w", j.id, err)
	}
	if len(res) != 2 || res[0] < 0 {
		return nil, nil
	}
	start := res[0]
	if res[1] == 1 {
		r.log.Info("broadcast: took over an expired claim", "broadcast", j.id, "start", start)
	}
	c := &claim{j: j, start: start, end: start + int64(r.cfg.RangeSize),
		member: strconv.FormatInt(start, 10) + "|" + token}
	c.lease = newLease(sent.Add(r.cfg.Lease))
	return c, nil
}

// recipient is one entry of the recipient list.
type recipient struct {
	chat int64
	lang string
}

// unmarked reads the range and returns, in one round trip, the recipients
// not yet tried: after a takeover, those the previous owner finished are
// skipped.
func (r *Runner) unmarked(ctx context.Context, c *claim) ([]recipient, error) {
	id := c.j.id
	entries, err := rangeScript.Run(ctx, r.rdb, []string{r.keys.recipients(id), r.keys.marks(id)},
		c.start, c.end-1).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("read range %d of broadcast %d: %w", c.start, id, err)
	}
	todo := make([]recipient, 0, len(entries))
	for _, e := range entries {
		chat, lang, _ := strings.Cut(e, ":")
		if n, err := strconv.ParseInt(chat, 10, 64); err == nil {
			todo = append(todo, recipient{n, lang})
		}
	}
	return todo, nil
}

// sendOne sends to one recipient within the budget and marks the outcome;
// false means the range must stop (lease lost, job cancelled or finished,
// process stopping, Redis failing).
func (r *Runner) sendOne(ctx context.Context, c *claim, rc recipient) bool {
	if !c.usable() || ctx.Err() != nil {
		return false
	}
	if r.cfg.Budget != nil {
		if err := r.cfg.Budget.Take(ctx); err != nil {
			r.warn(ctx, "broadcast: take from budget", c.j.id, err)
			return false
		}
		if !c.usable() { // the wait may have outlasted the lease or the job
			return false
		}
	}
	return r.mark(ctx, c, rc.chat, r.send(ctx, c.j, rc))
}

// send makes one delivery attempt and returns its mark. It is not cut short
// when ctx ends: a send Telegram may already have accepted is finished and
// marked, or it would be sent again.
func (r *Runner) send(ctx context.Context, j *job, rc recipient) string {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.SendTimeout)
	defer cancel()
	msg, ok := j.msgs[rc.lang]
	if !ok {
		return markFailed
	}
	err := r.cfg.Sender.SendBulk(sctx, rc.chat, msg)
	switch {
	case err == nil:
		return markSent
	case r.cfg.Gone(err):
		if err := r.cfg.Subscribers.Unsubscribe(sctx, rc.chat); err != nil {
			r.log.Warn("broadcast: unsubscribe a gone recipient", "broadcast", j.id, "err", rootCause(err))
		}
	}
	return markFailed
}

// Marks of the recipients, in the marks hash.
const (
	markSent   = "s"
	markFailed = "f"
)

// mark records the outcome with the counters and reports whether the range
// may go on.
func (r *Runner) mark(ctx context.Context, c *claim, chat int64, outcome string) bool {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	id := c.j.id
	res, err := markScript.Run(mctx, r.rdb, []string{r.keys.job(id), r.keys.marks(id), r.keys.claims(id)},
		chat, outcome, c.member).Int64Slice()
	if err != nil {
		r.log.Error("broadcast: mark a recipient; they may get the message twice", "broadcast", id, "err", rootCause(err))
		return false
	}
	if len(res) == 2 && res[1] != 1 {
		c.j.halted.Store(true)
	}
	if r.cfg.Delivered != nil {
		r.cfg.Delivered(outcome == markSent)
	}
	return len(res) == 2 && res[0] == 1 && res[1] == 1 && ctx.Err() == nil
}

// release ends the claim, even when ctx ended: a finished range is dropped
// (completing the job if it was the last; done is true for the one call
// that did), an unfinished one handed back so that another worker or
// process takes it over at once rather than after the lease.
func (r *Runner) release(ctx context.Context, c *claim, finished bool) (done bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	id := c.j.id
	n, err := releaseScript.Run(rctx, r.rdb, []string{r.keys.job(id), r.keys.claims(id)},
		c.member, ms(r.cfg.Now()), flag(finished)).Int()
	if err != nil {
		r.log.Warn("broadcast: release claim", "broadcast", id, "err", err)
		return false
	}
	if n == 1 {
		r.log.Info("broadcast delivered", "broadcast", id)
	}
	return n == 1
}

// lease is a claim's validity as this process sees it: until a deadline no
// later than the one Redis holds (it is computed from the time the request
// was sent), and not after a renewal found the claim taken over or the job
// stopped.
type lease struct {
	until atomic.Int64 // Unix ns
	lost  atomic.Bool
}

func newLease(until time.Time) *lease {
	l := &lease{}
	l.until.Store(until.UnixNano())
	return l
}

func (l *lease) valid() bool {
	return !l.lost.Load() && time.Now().UnixNano() < l.until.Load()
}

// keepLease renews the claim every third of the lease until stopped; the
// returned function stops it and waits.
func (r *Runner) keepLease(ctx context.Context, c *claim) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.renew(ctx, c)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *Runner) renew(ctx context.Context, c *claim) {
	sent := time.Now()
	id := c.j.id
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	res, err := renewScript.Run(rctx, r.rdb, []string{r.keys.job(id), r.keys.claims(id)},
		c.member, r.cfg.Lease.Milliseconds()).Int64Slice()
	switch {
	case err != nil:
		r.log.Warn("broadcast: renew claim", "broadcast", id, "err", err) // the lease runs out unless a later renewal works
	case len(res) != 2 || res[0] != 1 || res[1] != 1:
		c.lease.lost.Store(true)
		if len(res) == 2 && res[1] != 1 {
			c.j.halted.Store(true)
		}
	default:
		c.lease.until.Store(sent.Add(r.cfg.Lease).UnixNano())
	}
}

// rootCause is the innermost error: what went wrong, without the wrapping
// a Sender or store may add that names a chat (logs carry no chat ids).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
