package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Broadcasts = (*Store)(nil)

const (
	// keepRecent is how many broadcasts Recent can list.
	keepRecent = 100
	// keepFinished is how long a finished broadcast's counters stay for
	// Status and Recent; its recipient list and marks go at once.
	keepFinished = 90 * 24 * time.Hour
)

// Store queues broadcasts in Redis and reports on them; it implements
// flows.Broadcasts. Delivery is the Runner's. It is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	now  func() time.Time
}

// NewStore returns a Store on client whose keys start with prefix. now is
// the clock (time.Now when nil); tests pass their own to schedule.
func NewStore(client redis.UniversalClient, prefix string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: client, keys: newKeys(prefix), now: now}
}

// Details is a broadcast's status plus what only tests and operators read.
type Details struct {
	flows.BroadcastStatus
	// Dup counts recipients marked sent a second time: two processes both
	// sent to them (a lease taken over while a send was in flight). A
	// process killed between a send and its mark is not seen here.
	Dup int
	// Reported is true once the final report went out.
	Reported bool
}

// Start queues b for delivery at b.At (at once when zero or past) and
// returns its id. The job's state is scheduled, or running when due; its
// recipients are listed when a Runner picks it up.
func (s *Store) Start(ctx context.Context, b flows.Broadcast) (int64, error) {
	id, err := s.rdb.Incr(ctx, s.keys.seq()).Result()
	if err != nil {
		return 0, fmt.Errorf("start broadcast: new id: %w", err)
	}
	b.ID = id
	def, err := json.Marshal(b)
	if err != nil {
		return 0, fmt.Errorf("start broadcast %d: %w", id, err)
	}
	now := s.now()
	at := b.At
	state := flows.BroadcastScheduled
	if !at.After(now) {
		at, state = now, flows.BroadcastRunning
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keys.job(id), fDef, def, fState, string(state), fCreated, ms(now), fAt, ms(at),
			fTotal, 0, fSent, 0, fFailed, 0, fDup, 0, fCursor, 0)
		p.ZAdd(ctx, s.keys.active(), redis.Z{Score: float64(ms(at)), Member: id})
		p.LPush(ctx, s.keys.recent(), id)
		p.LTrim(ctx, s.keys.recent(), 0, keepRecent-1)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("start broadcast %d: %w", id, err)
	}
	return id, nil
}

// Cancel stops a scheduled or running broadcast: workers stop within the
// send in hand, and the report chat gets the final report. Cancelling a
// finished broadcast changes nothing. ErrNotFound when unknown.
func (s *Store) Cancel(ctx context.Context, id int64) (flows.BroadcastStatus, error) {
	n, err := cancelScript.Run(ctx, s.rdb, []string{s.keys.job(id), s.keys.active()},
		ms(s.now()), id).Int()
	if err != nil {
		return flows.BroadcastStatus{}, fmt.Errorf("cancel broadcast %d: %w", id, err)
	}
	if n == 0 {
		return flows.BroadcastStatus{}, fmt.Errorf("cancel broadcast %d: %w", id, flows.ErrNotFound)
	}
	return s.Status(ctx, id)
}

// Status reports one broadcast; ErrNotFound when unknown.
func (s *Store) Status(ctx context.Context, id int64) (flows.BroadcastStatus, error) {
	d, err := s.Details(ctx, id)
	return d.BroadcastStatus, err
}

// Details is Status with the duplicate counter; ErrNotFound when unknown.
func (s *Store) Details(ctx context.Context, id int64) (Details, error) {
	vals, err := s.rdb.HMGet(ctx, s.keys.job(id), statusFields...).Result()
	if err != nil {
		return Details{}, fmt.Errorf("status of broadcast %d: %w", id, err)
	}
	d, ok := parseDetails(id, vals)
	if !ok {
		return Details{}, fmt.Errorf("status of broadcast %d: %w", id, flows.ErrNotFound)
	}
	return d, nil
}

// Recent lists the last n broadcasts (at most 100), newest first, with one
// round trip for the ids and one for all their statuses.
func (s *Store) Recent(ctx context.Context, n int) ([]flows.BroadcastStatus, error) {
	if n <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.LRange(ctx, s.keys.recent(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("recent broadcasts: %w", err)
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, raw := range ids {
			id, _ := strconv.ParseInt(raw, 10, 64)
			cmds[i] = p.HMGet(ctx, s.keys.job(id), statusFields...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent broadcasts: %w", err)
	}
	out := make([]flows.BroadcastStatus, 0, len(ids))
	for i, raw := range ids {
		id, _ := strconv.ParseInt(raw, 10, 64)
		if d, ok := parseDetails(id, cmds[i].Val()); ok { // an expired job is skipped
			out = append(out, d.BroadcastStatus)
		}
	}
	return out, nil
}

var statusFields = []string{fState, fTotal, fSent, fFailed, fCreated, fAt, fFinished, fDup, fReported}

// parseDetails reads HMGET statusFields; ok is false when the job is gone.
func parseDetails(id int64, vals []any) (Details, bool) {
	str := func(i int) string { v, _ := vals[i].(string); return v }
	num := func(i int) int { n, _ := strconv.Atoi(str(i)); return n }
	if len(vals) != len(statusFields) || str(0) == "" {
		return Details{}, false
	}
	return Details{
		BroadcastStatus: flows.BroadcastStatus{
			ID: id, State: flows.BroadcastState(str(0)), Total: num(1), Sent: num(2), Failed: num(3),
			Created: fromMs(str(4)), At: fromMs(str(5)), Finished: fromMs(str(6)),
		},
		Dup:      num(7),
		Reported: str(8) == "1",
	}, true
}

// loadBroadcast reads a job's definition.
func loadBroadcast(ctx context.Context, rdb redis.UniversalClient, k keys, id int64) (flows.Broadcast, error) {
	raw, err := rdb.HGet(ctx, k.job(id), fDef).Result()
	if errors.Is(err, redis.Nil) {
		return flows.Broadcast{}, fmt.Errorf("load broadcast %d: %w", id, flows.ErrNotFound)
	}
	if err != nil {
		return flows.Broadcast{}, fmt.Errorf("load broadcast %d: %w", id, err)
	}
	var b flows.Broadcast
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return flows.Broadcast{}, fmt.Errorf("load broadcast %d: %w", id, err)
	}
	return b, nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
