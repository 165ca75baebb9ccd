package bot

import (
	"context"
	"time"

	"mekongbot/bot/wait"
)

// Lease is the right to poll, held by one process at a time
// (bot/redisstore.PollLease keeps it in Redis). Each Acquire gives a new,
// larger fencing token; journal writes carry it, and the journal refuses
// them once the token no longer holds the lease.
type Lease interface {
	// Acquire takes the lease for ttl if nobody holds it; 0: another does.
	Acquire(ctx context.Context, ttl time.Duration) (token int64, err error)
	// Renew extends it to ttl from now; false: token no longer holds it.
	Renew(ctx context.Context, token int64, ttl time.Duration) (held bool, err error)
	// Release gives it up at once if token still holds it.
	Release(ctx context.Context, token int64) error
}

const defaultLeaseTTL = 5 * time.Second

// leased says whether polling is shared with other processes through a
// lease (not in webhook mode, where every process takes webhooks).
func (b *Bot) leased() bool { return b.cfg.Lease != nil && b.cfg.Webhook == nil }

// poll receives updates by long polling. Without a lease this process polls
// alone. With one, it stands by until it takes the lease, then leads: it
// replays the journal and polls until it stops (and releases the lease) or
// loses the lease (and stands by again). A leader that dies is replaced
// within LeaseTTL plus one try interval (LeaseTTL/5).
func (b *Bot) poll(ctx context.Context, in *intake) error {
	if b.cfg.DeleteWebhook {
		if err := b.deleteWebhook(); err != nil {
			return err
		}
	}
	if !b.leased() {
		b.cfg.Metrics.setLeader(true)
		return b.pollTerm(ctx, in)
	}
	for {
		token, ok := b.awaitLease(ctx, in)
		if !ok {
			return nil
		}
		if err := b.lead(ctx, in, token); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// awaitLease tries to take the lease every LeaseTTL/5 until it does (ok) or
// ctx ends.
func (b *Bot) awaitLease(ctx context.Context, in *intake) (token int64, ok bool) {
	for announced := false; ; {
		token, err := b.cfg.Lease.Acquire(ctx, b.cfg.LeaseTTL)
		switch {
		case err == nil && token > 0:
			in.health.recovered()
			return token, true
		case err == nil:
			in.health.recovered()
			if !announced {
				b.log.Info("standing by: another process holds the polling lease")
				announced = true
			}
		case ctx.Err() == nil:
			in.health.failed(err)
		}
		if wait.Sleep(ctx, b.cfg.LeaseTTL/5) != nil {
			return 0, false
		}
	}
}

// lead is one term as the polling process: replay the journal, poll. A stop
// (or a fatal error) ends it after the intake has written its last handled
// marks, still under the lease; then the lease is released at once.
func (b *Bot) lead(ctx context.Context, in *intake, token int64) error {
	term, lose := context.WithCancel(ctx)
	defer lose()
	in.beginTerm(token, lose)
	b.cfg.Metrics.leaseChanged("acquired")
	b.log.Info("polling lease acquired: this process polls", "token", token)
	keepCtx, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	kept := make(chan struct{})
	go func() { defer close(kept); b.keepLease(keepCtx, token, lose) }()

	var err error
	if in.replay(term) == nil {
		err = b.pollTerm(term, in)
	}
	stopping := ctx.Err() != nil || err != nil
	if stopping {
		in.stop()
	}
	stopKeeping()
	<-kept
	releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.LeaseTTL/5)
	defer cancel()
	if rerr := b.cfg.Lease.Release(releaseCtx, token); rerr != nil {
		b.log.Warn("release the polling lease; it expires by itself", "err", rerr)
	}
	if stopping {
		b.cfg.Metrics.leaseChanged("released")
		b.log.Info("polling lease released", "token", token)
	} else {
		b.cfg.Metrics.leaseChanged("lost")
		b.log.Warn("polling lease lost: another process polls now; standing by", "token", token)
	}
	return err
}

// keepLease renews the lease every LeaseTTL/5 until ctx ends. It calls lose
// when Redis says the token no longer holds it, or when no renewal has
// succeeded for 4/5 of LeaseTTL (Redis unreachable): the lease may be about
// to expire, and this process must stop polling before another can start.
func (b *Bot) keepLease(ctx context.Context, token int64, lose context.CancelFunc) {
	ttl, every := b.cfg.LeaseTTL, b.cfg.LeaseTTL/5
	renewed := time.Now()
	for wait.Sleep(ctx, every) == nil {
		start := time.Now()
		rctx, cancel := context.WithTimeout(ctx, every)
		held, err := b.cfg.Lease.Renew(rctx, token, ttl)
		cancel()
		switch {
		case err == nil && held:
			renewed = start // the new expiry is at least start + ttl
		case err == nil:
			lose()
			return
		case ctx.Err() != nil:
			return
		case time.Since(renewed) >= ttl-every:
			b.log.Warn("cannot renew the polling lease; stepping down", "err", err)
			lose()
			return
		}
	}
}
