package redisstore_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

const leaseTTL = 5 * time.Second

// leaseSteps walks the polling lease through two processes: a takes it, b
// stands by; a's lease expires and b takes over; a, paused meanwhile,
// wakes and can neither renew nor write the journal; b releases and c takes
// it. Fencing tokens only grow.
func leaseSteps(t *testing.T, client redis.UniversalClient, prefix string) {
	ctx := context.Background()
	lease := redisstore.NewPollLease(client, prefix)
	journal := redisstore.NewUpdates(client, prefix)
	acquire := func(who string) int64 {
		t.Helper()
		token, err := lease.Acquire(ctx, leaseTTL)
		if err != nil {
			t.Fatalf("%s: Acquire: %v", who, err)
		}
		return token
	}
	a := acquire("a")
	if a <= 0 {
		t.Fatalf("a free lease gave token %d", a)
	}
	if b := acquire("b while a holds it"); b != 0 {
		t.Fatalf("a held lease gave b token %d, want 0", b)
	}
	if ttl := client.PTTL(ctx, redisstore.Keys{Prefix: prefix}.Updates("lease")).Val(); ttl <= 0 || ttl > leaseTTL {
		t.Errorf("lease TTL %v, want up to %v", ttl, leaseTTL)
	}
	if held, err := lease.Renew(ctx, a, leaseTTL); !held || err != nil {
		t.Fatalf("a renews its lease: %v, %v", held, err)
	}
	if _, err := journal.Accept(ctx, a, 2, []int{1}, raws(1), nil); err != nil {
		t.Fatalf("the holder's Accept: %v", err)
	}

	// a stops renewing (paused): its lease expires, as Redis would expire it.
	client.Del(ctx, redisstore.Keys{Prefix: prefix}.Updates("lease"))
	b := acquire("b after a's lease expired")
	if b <= a {
		t.Fatalf("takeover token %d, want above %d", b, a)
	}
	if _, err := journal.Accept(ctx, a, 3, []int{2}, raws(2), []int{1}); !errors.Is(err, redisstore.ErrFenced) {
		t.Errorf("a's Accept after the takeover = %v, want ErrFenced", err)
	}
	var fenced interface{ Fenced() bool }
	if !errors.As(redisstore.ErrFenced, &fenced) || !fenced.Fenced() {
		t.Error("ErrFenced does not say Fenced()")
	}
	pending, _ := journal.Pending(ctx)
	if off, _ := journal.Offset(ctx); off != 2 || !slices.Equal(slices.Sorted(maps.Keys(pending)), []int{1}) {
		t.Errorf("after a refused write: offset %d, pending %v; want 2, [1]", off, slices.Sorted(maps.Keys(pending)))
	}
	if held, err := lease.Renew(ctx, a, leaseTTL); held || err != nil {
		t.Errorf("a renews after the takeover: %v, %v; want false", held, err)
	}
	if err := lease.Release(ctx, a); err != nil {
		t.Fatal(err)
	}
	if c := acquire("c after a released a lease it lost"); c != 0 {
		t.Errorf("a's release freed b's lease: c got token %d", c)
	}
	if handled, err := journal.Accept(ctx, b, 3, []int{2}, raws(2), []int{1}); err != nil || slices.Contains(handled, true) {
		t.Errorf("b's Accept = %v, %v", handled, err)
	}
	if err := lease.Release(ctx, b); err != nil {
		t.Fatal(err)
	}
	if c := acquire("c after b released"); c <= b {
		t.Errorf("c's token %d, want above %d", c, b)
	}
}

func TestPollLease(t *testing.T) {
	client, prefix := redistest.Client(t)
	leaseSteps(t, client, prefix)
}
