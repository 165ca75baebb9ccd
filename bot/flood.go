package bot

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"mekongbot/bot/wait"
)

// FloodLimits slow down one chat that sends too much too fast, so that it
// cannot take the workers, the send budget and Telegram's patience from
// everyone else.
//
// Each chat has a token bucket: Burst updates at once, then Rate a second.
// An update beyond that is not dropped: it waits in the chat's own queue
// (the chat's other updates keep their order behind it) and the person gets
// one note saying answers come one at a time. Only beyond Queue waiting
// updates are further ones dropped: recorded as handled without an answer
// and counted (mekongbot_flood_total{what="dropped"}). Updates waiting here
// are already journalled: a restart replays them.
type FloodLimits struct {
	Rate  float64 // updates a second, on average; 0 turns the limit off
	Burst int     // updates at once before the limit bites
	Queue int     // updates of one chat that may wait; more are dropped
}

// DefaultFloodLimits suit a person pressing buttons and typing questions:
// ten at once, then one a second (Telegram lets a bot send about one message
// a second to a chat anyway), thirty waiting at most.
var DefaultFloodLimits = FloodLimits{Rate: 1, Burst: 10, Queue: 30}

const (
	// noteEvery spaces the flood notes to one chat.
	noteEvery = time.Minute
	// floodForget is how long an idle chat's bucket is kept.
	floodForget = 2 * time.Minute
	// floodSweepAt is the number of chats above which idle ones are swept.
	floodSweepAt = 10000
)

// floodGate applies FloodLimits in front of the dispatcher.
type floodGate struct {
	limits  FloodLimits
	submit  func(ctx context.Context, key int64, job func()) error
	metrics *Metrics
	ctx     context.Context // release loops stop when it ends
	wg      sync.WaitGroup

	mu    sync.Mutex
	chats map[int64]*floodChat
}

type floodChat struct {
	lim       *rate.Limiter
	held      []func() // waiting for a token, oldest first
	releasing bool     // a release loop runs; until it ends, new updates queue behind
	noted     time.Time
	used      time.Time
}

func newFloodGate(ctx context.Context, l FloodLimits, m *Metrics, submit func(context.Context, int64, func()) error) *floodGate {
	return &floodGate{limits: l, submit: submit, metrics: m, ctx: ctx, chats: map[int64]*floodChat{}}
}

// admit passes job on to the dispatcher at once if the chat is within its
// limit; otherwise it holds it (and submits note first, once a minute), or,
// with the chat's queue full, calls drop instead. An error means job was
// neither queued nor held.
func (g *floodGate) admit(ctx context.Context, key int64, job, note, drop func()) error {
	g.mu.Lock()
	c := g.chat(key)
	if !c.releasing && c.lim.Allow() {
		g.mu.Unlock()
		return g.submit(ctx, key, job)
	}
	if len(c.held) >= g.limits.Queue {
		g.mu.Unlock()
		g.metrics.floodEvent("dropped")
		drop()
		return nil
	}
	c.held = append(c.held, job)
	start := !c.releasing
	c.releasing = true
	sendNote := time.Since(c.noted) >= noteEvery
	if sendNote {
		c.noted = time.Now()
	}
	g.mu.Unlock()
	g.metrics.floodEvent("delayed")
	if sendNote {
		// Best effort: the update itself is held already, so a note that
		// cannot be queued (a stop) must not make the caller think otherwise.
		g.metrics.floodEvent("note")
		_ = g.submit(ctx, key, note)
	}
	if start {
		g.wg.Add(1)
		go g.release(key, c)
	}
	return nil
}

// check is the flood limit for the webhook, where Telegram holds what
// waits: it takes a token for the chat and returns 0, or says how long the
// update should wait and whether the person is due a note (once a
// minute). Telegram sends the chat nothing newer meanwhile, so holding an
// update there keeps the chat's order as holding it here does.
func (g *floodGate) check(key int64) (wait time.Duration, note bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.chat(key)
	if c.lim.Allow() {
		return 0, false
	}
	r := c.lim.Reserve()
	wait = r.Delay()
	r.Cancel() // the update comes back after wait and takes its token then
	if note = time.Since(c.noted) >= noteEvery; note {
		c.noted = time.Now()
		g.metrics.floodEvent("note")
	}
	g.metrics.floodEvent("delayed")
	return max(wait, time.Second), note
}

// release submits the chat's held jobs one per token, in order. The chat
// stays "releasing" until the last one is submitted, so a newer update can
// never overtake a held one.
func (g *floodGate) release(key int64, c *floodChat) {
	defer g.wg.Done()
	for {
		r := c.lim.Reserve()
		if wait.Sleep(g.ctx, r.Delay()) != nil {
			return // stopping: held updates stay journalled for the next start
		}
		g.mu.Lock()
		job := c.held[0]
		c.held = c.held[1:]
		g.mu.Unlock()
		if g.submit(g.ctx, key, job) != nil {
			return
		}
		g.mu.Lock()
		if len(c.held) == 0 {
			c.releasing = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}

// held counts the updates waiting here, for the queue-depth metric.
func (g *floodGate) held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.chats {
		n += len(c.held)
	}
	return n
}

// wait waits for the release loops, which end when g.ctx ends.
func (g *floodGate) wait() { g.wg.Wait() }

// chat returns the chat's state, creating it; g.mu must be held.
func (g *floodGate) chat(key int64) *floodChat {
	now := time.Now()
	c := g.chats[key]
	if c == nil {
		if len(g.chats) >= floodSweepAt {
			g.sweep(now)
		}
		c = &floodChat{lim: rate.NewLimiter(rate.Limit(g.limits.Rate), max(1, g.limits.Burst))}
		g.chats[key] = c
	}
	c.used = now
	return c
}

func (g *floodGate) sweep(now time.Time) {
	for key, c := range g.chats {
		if !c.releasing && now.Sub(c.used) > floodForget {
			delete(g.chats, key)
		}
	}
}
