package bot

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"
)

// Journal is where the bot records updates so that none is lost and none is
// handled twice (bot/redisstore.Updates keeps it in Redis):
//
//   - Accept is every write, in one round trip: it records the updates done
//     as handled (remembered for a day, for dedupe) and drops them from the
//     journal, records the received updates (ids and raws are parallel)
//     with the polling offset (0: leave it), and says which of them were
//     handled before. Once Accept returns, an update survives a crash: it is
//     replayed when the next process takes over. A token above 0 is the
//     polling lease's fencing token: if it no longer holds the lease, nothing
//     is written and the error has a method Fenced() returning true.
//   - Pending returns what was received and not handled, for replay.
//   - Offset returns where polling resumes; Ping tells whether it answers.
type Journal interface {
	Accept(ctx context.Context, token int64, offset int, ids []int, raws [][]byte, done []int) (handled []bool, err error)
	Pending(ctx context.Context) (map[int][]byte, error)
	Offset(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
}

// isFenced reports whether err is a journal write refused because the
// polling lease passed to another process.
func isFenced(err error) bool {
	var f interface{ Fenced() bool }
	return errors.As(err, &f) && f.Fenced()
}

// MemJournal is a Journal in memory, for tests and for a Bot built without
// Redis: nothing survives the process.
type MemJournal struct {
	mu      sync.Mutex
	offset  int
	pending map[int][]byte
	handled map[int]bool
	// Fail, when set, makes every call fail with its result (an outage).
	Fail func() error
}

// NewMemJournal returns an empty MemJournal.
func NewMemJournal() *MemJournal {
	return &MemJournal{pending: map[int][]byte{}, handled: map[int]bool{}}
}

func (m *MemJournal) fail() error {
	if m.Fail != nil {
		return m.Fail()
	}
	return nil
}

// Accept implements Journal. It fences nothing: one process only.
func (m *MemJournal) Accept(_ context.Context, _ int64, offset int, ids []int, raws [][]byte, done []int) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return nil, err
	}
	for _, id := range done {
		m.handled[id] = true
		delete(m.pending, id)
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = m.handled[id]
		if _, has := m.pending[id]; !out[i] && !has {
			m.pending[id] = raws[i]
		}
	}
	if offset > 0 {
		m.offset = offset
	}
	return out, nil
}

// Pending implements Journal.
func (m *MemJournal) Pending(context.Context) (map[int][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return nil, err
	}
	return maps.Clone(m.pending), nil
}

// Offset implements Journal.
func (m *MemJournal) Offset(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offset, m.fail()
}

// Ping implements Journal.
func (m *MemJournal) Ping(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fail()
}

// Handled reports whether id was recorded as handled.
func (m *MemJournal) Handled(id int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.handled[id]
}

// committer records handled updates. Their marks ride on the next journal
// write the intake makes anyway (intake.accept takes them into the Accept of
// the next batch, polled or from the webhook), so on a busy bot they cost no
// round trip of their own. When no Accept comes within foldWait (a long poll
// can idle for its whole timeout), or foldMax marks are waiting (a burst
// being worked off while the poller idles), they are written alone, all
// that gathered in one write. Until its mark is written an id stays claimed
// (see intake), so a redelivery in between is not handled again.
//
// A crash (kill -9) before the marks are written leaves those updates in the
// journal: the process that polls next replays them. Replies went out
// already, so a replayed update answers twice unless the session's
// LastUpdate says it was handled (flows); an update without a session
// (inline query, my_chat_member, an ignored one) simply runs again, which
// does no harm. So a crash replays at most foldMax updates whose marks were
// waiting, plus those in the write under way and those whose replies the
// workers were just sending.
type committer struct {
	write   func(ctx context.Context, ids []int) error // writes marks alone
	health  *health
	written func(ids []int) // after a successful write
	dropped func(ids []int) // after a fenced write: another process polls now and replays them

	mu    sync.Mutex
	ids   []int
	armed bool // a foldWait timer runs
	kick  chan struct{}
	done  chan struct{}
}

const (
	// foldWait is how long handled marks wait for an Accept to ride on.
	foldWait = 250 * time.Millisecond
	// foldMax is how many marks may wait: it bounds what a crash replays
	// while a burst is worked off, at one write per foldMax updates.
	foldMax = 8
)

func newCommitter(write func(context.Context, []int) error, h *health, written, dropped func([]int)) *committer {
	return &committer{write: write, health: h, written: written, dropped: dropped,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// add queues id to be recorded as handled: with the next Accept, or alone
// within foldWait or once foldMax are waiting.
func (c *committer) add(id int) {
	c.mu.Lock()
	c.ids = append(c.ids, id)
	arm, full := !c.armed, len(c.ids) >= foldMax
	c.armed = true
	c.mu.Unlock()
	if arm {
		time.AfterFunc(foldWait, c.signal)
	}
	if full {
		c.signal()
	}
}

func (c *committer) signal() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// take hands the queued ids to a journal write about to be made; the
// writer reports back with written, or with giveBack on failure.
func (c *committer) take() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := c.ids
	c.ids = nil
	return ids
}

// giveBack returns ids whose write failed: they go with the next one.
func (c *committer) giveBack(ids []int) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	c.ids = append(ids, c.ids...)
	arm := !c.armed
	c.armed = true
	c.mu.Unlock()
	if arm {
		time.AfterFunc(foldWait, c.signal)
	}
}

// run writes until ctx ends, then writes what is left (for up to flushGrace)
// and closes done.
func (c *committer) run(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-c.kick:
			c.flush(ctx)
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushGrace)
			defer cancel()
			c.flush(final)
			return
		}
	}
}

// flushGrace bounds the last write at shutdown; ids it cannot write stay in
// the journal and are handled again after the restart.
const flushGrace = 5 * time.Second

// flush writes the queued ids alone, retrying while Redis is away.
func (c *committer) flush(ctx context.Context) {
	c.mu.Lock()
	ids := c.ids
	c.ids, c.armed = nil, false
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	for {
		err := c.write(ctx, ids)
		switch {
		case err == nil:
			c.written(ids)
			return
		case isFenced(err):
			c.dropped(ids)
			return
		}
		c.health.failed(err)
		if _, ok := c.health.waitUp(ctx); !ok {
			c.mu.Lock()
			c.ids = append(ids, c.ids...) // for the final flush
			c.mu.Unlock()
			return
		}
	}
}
