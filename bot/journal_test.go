package bot

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestCommitterFoldsMarks: marks taken by an Accept get no write of their
// own; foldMax waiting marks are written at once, a lone one after foldWait.
func TestCommitterFoldsMarks(t *testing.T) {
	var mu sync.Mutex
	var writes [][]int
	written := func() [][]int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(writes)
	}
	c := newCommitter(func(_ context.Context, ids []int) error {
		mu.Lock()
		defer mu.Unlock()
		writes = append(writes, slices.Clone(ids))
		return nil
	}, newHealth(func(context.Context) error { return nil }, slog.New(slog.DiscardHandler), nil), func([]int) {}, func([]int) {})
	ctx, cancel := context.WithCancel(context.Background())
	go c.run(ctx)

	c.add(1)
	c.add(2)
	if got := c.take(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("take = %v, want [1 2]", got)
	}
	var burst []int
	for i := range foldMax {
		burst = append(burst, 10+i)
		c.add(10 + i)
	}
	waitUntil(t, func() bool { return len(written()) >= 1 })
	c.add(99)
	waitUntil(t, func() bool { return len(written()) >= 2 })
	cancel()
	<-c.done
	if got := written(); len(got) != 2 || !slices.Equal(got[0], burst) || !slices.Equal(got[1], []int{99}) {
		t.Errorf("writes %v, want %v then [99]", got, burst)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}
