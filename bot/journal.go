package bot

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Journal is where the bot records updates so that none is lost and none is
// handled twice (bot/redisstore.Updates keeps it in Redis):
//
//   - Accept records a batch as received, atomically with the polling offset
//     (0: leave it), and says which updates were handled before. Once
//     Accept returns, an update survives a crash: it is replayed at start.
//   - Done records updates as handled (remembered for a day, for dedupe) and
//     drops them from the journal.
//   - Pending returns what was received and not handled, for replay.
//   - Offset returns where polling resumes; Ping tells whether it answers.
type Journal interface {
	Accept(ctx context.Context, ids []int, raws [][]byte, offset int) (handled []bool, err error)
	Done(ctx context.Context, ids []int) error
	Pending(ctx context.Context) (map[int][]byte, error)
	Offset(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
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

// Accept implements Journal.
func (m *MemJournal) Accept(_ context.Context, ids []int, raws [][]byte, offset int) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return nil, err
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

// Done implements Journal.
func (m *MemJournal) Done(_ context.Context, ids []int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail(); err != nil {
		return err
	}
	for _, id := range ids {
		m.handled[id] = true
		delete(m.pending, id)
	}
	return nil
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

// Handled reports whether Done was called for id.
func (m *MemJournal) Handled(id int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.handled[id]
}

// committer records handled updates with group commit: ids finished while a
// write is under way go together in the next one, so under load many
// updates share one Redis round trip, and a lone update waits for no timer.
// Until its write succeeds an id stays claimed (see intake), so a redelivery
// in between is not handled again.
type committer struct {
	journal Journal
	health  *health
	written func(ids []int) // called after each successful write

	mu   sync.Mutex
	ids  []int
	kick chan struct{}
	done chan struct{}
}

func newCommitter(j Journal, h *health, written func([]int)) *committer {
	return &committer{journal: j, health: h, written: written, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// add queues id to be recorded as handled.
func (c *committer) add(id int) {
	c.mu.Lock()
	c.ids = append(c.ids, id)
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
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

// flush writes the queued ids, retrying while Redis is away.
func (c *committer) flush(ctx context.Context) {
	c.mu.Lock()
	ids := c.ids
	c.ids = nil
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	for {
		err := c.journal.Done(ctx, ids)
		if err == nil {
			c.written(ids)
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
