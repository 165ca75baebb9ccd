package redisstore_test

import (
	"context"
	"maps"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

func raws(ids ...int) [][]byte {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = []byte(`{"update_id":` + string(rune('0'+id)) + `}`)
	}
	return out
}

// journalSteps walks a journal through receiving, redelivery, handling and a
// restart, checking what it says after each step.
func journalSteps(t *testing.T, u *redisstore.Updates) {
	ctx := context.Background()
	steps := []struct {
		name        string
		accept      []int
		offset      int
		done        []int
		wantHandled []bool
		wantPending []int
		wantOffset  int
	}{
		{name: "a new batch", accept: []int{1, 2}, offset: 3,
			wantHandled: []bool{false, false}, wantPending: []int{1, 2}, wantOffset: 3},
		{name: "redelivered while pending, with a new one", accept: []int{2, 3}, offset: 4,
			wantHandled: []bool{false, false}, wantPending: []int{1, 2, 3}, wantOffset: 4},
		{name: "two handled", done: []int{1, 2}, wantPending: []int{3}, wantOffset: 4},
		{name: "redelivered after handling; offset 0 leaves it", accept: []int{1, 2, 3}, offset: 0,
			wantHandled: []bool{true, true, false}, wantPending: []int{3}, wantOffset: 4},
		{name: "handled together with a new batch that redelivers it", accept: []int{3, 4}, offset: 5, done: []int{3},
			wantHandled: []bool{true, false}, wantPending: []int{4}, wantOffset: 5},
		{name: "the last handled", done: []int{4}, wantPending: []int{}, wantOffset: 5},
	}
	for _, s := range steps {
		got, err := u.Accept(ctx, 0, s.offset, s.accept, raws(s.accept...), s.done)
		if err != nil || len(got) != len(s.accept) || (s.accept != nil && !slices.Equal(got, s.wantHandled)) {
			t.Fatalf("%s: Accept = %v, %v; want %v", s.name, got, err, s.wantHandled)
		}
		pending, err := u.Pending(ctx)
		if ids := slices.Sorted(maps.Keys(pending)); err != nil || !slices.Equal(ids, s.wantPending) {
			t.Fatalf("%s: Pending = %v, %v; want %v", s.name, ids, err, s.wantPending)
		}
		if off, err := u.Offset(ctx); err != nil || off != s.wantOffset {
			t.Fatalf("%s: Offset = %d, %v; want %d", s.name, off, err, s.wantOffset)
		}
	}
}

func TestUpdatesJournal(t *testing.T) {
	client, prefix := redistest.Client(t)
	u := redisstore.NewUpdates(client, prefix)
	if off, err := u.Offset(context.Background()); off != 0 || err != nil {
		t.Fatalf("fresh Offset = %d, %v; want 0", off, err)
	}
	journalSteps(t, u)
	keys := redisstore.Keys{Prefix: prefix}
	ttls := []struct {
		key      string
		min, max time.Duration
	}{
		{keys.Updates("h:1"), 23 * time.Hour, 24 * time.Hour},
		{keys.Updates("offset"), 6 * 24 * time.Hour, 7 * 24 * time.Hour},
	}
	for _, tc := range ttls {
		got := client.TTL(context.Background(), tc.key).Val()
		if got < tc.min || got > tc.max {
			t.Errorf("TTL %s = %v, want between %v and %v", tc.key, got, tc.min, tc.max)
		}
	}
}

// TestUpdatesRoundTrips pins the cost of the journal: accepting a batch of
// any size is one round trip, also when it marks any number handled.
func TestUpdatesRoundTrips(t *testing.T) {
	client, prefix := redistest.Client(t)
	var trips atomic.Int64
	client.AddHook(countHook{&trips})
	u := redisstore.NewUpdates(client, prefix)
	ctx := context.Background()
	ids := make([]int, 100)
	for i := range ids {
		ids[i] = 1000 + i
	}
	if _, err := u.Accept(ctx, 0, 1, ids[:1], raws(1), nil); err != nil { // loads the script
		t.Fatal(err)
	}
	trips.Store(0)
	if _, err := u.Accept(ctx, 0, 1100, ids, make([][]byte, len(ids)), nil); err != nil {
		t.Fatal(err)
	}
	if n := trips.Swap(0); n != 1 {
		t.Errorf("accepting 100 updates took %d round trips, want 1", n)
	}
	next := []int{2000, 2001}
	if _, err := u.Accept(ctx, 0, 2002, next, raws(1, 2), ids); err != nil {
		t.Fatal(err)
	}
	if n := trips.Load(); n != 1 {
		t.Errorf("marking 100 updates handled with the next batch took %d round trips, want 1", n)
	}
}

// countHook counts commands and pipelines sent, each one round trip, leaving
// out the handshake of new connections.
type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name != "hello" && name != "client" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if cmds[0].Name() != "client" { // a new connection's handshake
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}
