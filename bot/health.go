package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"mekongbot/bot/wait"
)

const (
	// pingEvery spaces the pings that tell whether Redis is back; callers
	// asking more often share the last answer.
	pingEvery = 500 * time.Millisecond
	// pingTimeout bounds one ping.
	pingTimeout = time.Second
	// outageLogEvery spaces the "still unavailable" lines during an outage,
	// so that the log gets one line per interval, not one per update.
	outageLogEvery = 30 * time.Second
)

// health tracks whether the journal's store (Redis) answers. Everything that
// meets a Redis failure reports it here and waits here: the poller pauses,
// updates are retried later, the webhook answers 503. It logs the start of
// an outage, a reminder per outageLogEvery, and the recovery.
type health struct {
	ping    func(ctx context.Context) error
	log     *slog.Logger
	metrics *Metrics

	mu       sync.Mutex
	up       bool
	checked  time.Time // last ping
	since    time.Time // start of the outage
	logged   time.Time // last outage line
	failures int       // failures since the last outage line
}

func newHealth(ping func(context.Context) error, log *slog.Logger, m *Metrics) *health {
	return &health{ping: ping, log: log, metrics: m, up: true}
}

// ok reports whether Redis answers, pinging it unless it was pinged within
// pingEvery.
func (h *health) ok(ctx context.Context) bool {
	h.mu.Lock()
	if time.Since(h.checked) < pingEvery {
		up := h.up
		h.mu.Unlock()
		return up
	}
	h.checked = time.Now()
	h.mu.Unlock()

	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	err := h.ping(pctx)
	if ctx.Err() != nil {
		return false // stopping: say nothing about Redis
	}
	if err != nil {
		h.failed(err)
		return false
	}
	h.recovered()
	return true
}

// failed records a Redis failure and logs it if no line was logged for this
// outage within outageLogEvery.
func (h *health) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	now := time.Now()
	if h.up {
		h.up, h.since, h.logged = false, now, now
		h.metrics.redis(false)
		h.log.Warn("redis unavailable: pausing; updates are kept and handled when it is back", "err", err)
		h.failures = 0
		return
	}
	if now.Sub(h.logged) >= outageLogEvery {
		h.log.Warn("redis still unavailable", "for", now.Sub(h.since).Round(time.Second), "failures", h.failures, "err", err)
		h.logged, h.failures = now, 0
	}
}

func (h *health) recovered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.up {
		h.up = true
		h.metrics.redis(true)
		h.log.Info("redis available again", "after", time.Since(h.since).Round(time.Millisecond))
	}
}

// recheck makes the next ok ping Redis rather than trust the last answer:
// something just failed.
func (h *health) recheck() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checked = time.Time{}
}

// waitUp returns once Redis answers (ok) or ctx ends (not ok). at is true
// when Redis answered at the first ping: the failure that led here was not
// an outage.
func (h *health) waitUp(ctx context.Context) (at, ok bool) {
	for first := true; ; first = false {
		if h.ok(ctx) {
			return first, true
		}
		if wait.Sleep(ctx, pingEvery) != nil {
			return false, false
		}
	}
}
