package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/telegramtest"
)

type acceptFunc func(context.Context, []json.RawMessage, int) error

func newTestPoller(api *telegramtest.Server, tok string, accept acceptFunc) *Poller {
	return &Poller{api: newAPI(tok, api.Endpoint(), 5*time.Second), timeout: 1, log: slog.New(slog.DiscardHandler), accept: accept}
}

// runPoller runs p until stop is called; stop returns Run's result.
func runPoller(p *Poller) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() error { cancel(); return <-done }
}

func ids(batch []json.RawMessage) []int {
	var out []int
	for _, raw := range batch {
		u, _ := decodeUpdate(raw)
		out = append(out, u.UpdateID)
	}
	return out
}

func TestPollerRefusedTokenIsFatal(t *testing.T) {
	api := telegramtest.New(t, token)
	p := newTestPoller(api, "1:wrong-token", func(context.Context, []json.RawMessage, int) error { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Run(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Run = %v, want ErrUnauthorized", err)
	}
}

// TestPollerConfirmsOnlyAcceptedBatches fails accepting a batch (Redis
// away): the same updates must come again, because the offset did not move.
func TestPollerConfirmsOnlyAcceptedBatches(t *testing.T) {
	api := telegramtest.New(t, token)
	api.SendText(1, 1, "en", "a")
	api.SendText(1, 1, "en", "b")
	var mu sync.Mutex
	var seen, offsets []int
	accept := func(_ context.Context, batch []json.RawMessage, next int) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ids(batch)...)
		offsets = append(offsets, next)
		if len(offsets) == 1 {
			return errors.New("redis: connection refused")
		}
		return nil
	}
	stop := runPoller(newTestPoller(api, token, accept))
	api.WaitFor(t, func() bool { return api.PendingUpdates() == 0 }, 5*time.Second)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if want := []int{1, 2, 1, 2}; !slices.Equal(seen, want) {
		t.Errorf("saw updates %v, want %v", seen, want)
	}
	if want := []int{3, 3}; !slices.Equal(offsets, want) {
		t.Errorf("accepted with offsets %v, want %v", offsets, want)
	}
	if got := api.AllowedUpdates(); len(got) != len(AllowedUpdates) {
		t.Errorf("allowed_updates = %v, want %v", got, AllowedUpdates)
	}
}

// TestPollerTakesNoBatchWhileNotReady: while Redis is away the poller does
// not even call getUpdates, and it resumes by itself.
func TestPollerTakesNoBatchWhileNotReady(t *testing.T) {
	api := telegramtest.New(t, token)
	api.SendText(1, 1, "en", "a")
	var ready atomic.Bool
	var got atomic.Int64
	p := newTestPoller(api, token, func(_ context.Context, batch []json.RawMessage, _ int) error {
		got.Add(int64(len(batch)))
		return nil
	})
	p.ready = func(context.Context) bool { return ready.Load() }
	stop := runPoller(p)
	defer stop()
	time.Sleep(300 * time.Millisecond)
	if n := len(api.CallsTo("getUpdates")); n != 0 {
		t.Fatalf("%d getUpdates calls while not ready", n)
	}
	ready.Store(true)
	api.WaitFor(t, func() bool { return got.Load() == 1 }, 5*time.Second)
}

// TestPollerResumesFromTheStoredOffset starts at offset 2: update 1 was
// accepted by an earlier run and must not come again.
func TestPollerResumesFromTheStoredOffset(t *testing.T) {
	api := telegramtest.New(t, token)
	api.SendText(1, 1, "en", "a")
	api.SendText(1, 1, "en", "b")
	var mu sync.Mutex
	var seen []int
	p := newTestPoller(api, token, func(_ context.Context, batch []json.RawMessage, _ int) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ids(batch)...)
		return nil
	})
	p.offset = 2
	stop := runPoller(p)
	api.WaitFor(t, func() bool { return api.PendingUpdates() == 0 }, 5*time.Second)
	_ = stop()
	if !slices.Equal(seen, []int{2}) {
		t.Errorf("saw %v, want [2]", seen)
	}
}

// TestPollerStopsWhenFenced: a batch refused because the polling lease
// passed to another process ends polling at once, unconfirmed.
func TestPollerStopsWhenFenced(t *testing.T) {
	api := telegramtest.New(t, token)
	api.SendText(1, 1, "en", "a")
	p := newTestPoller(api, token, func(context.Context, []json.RawMessage, int) error {
		return fmt.Errorf("journal updates: %w", redisstore.ErrFenced)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil || ctx.Err() != nil {
		t.Errorf("Run = %v (context: %v), want nil before the context ends", err, ctx.Err())
	}
	if n := len(api.CallsTo("getUpdates")); n != 1 {
		t.Errorf("%d getUpdates calls, want 1", n)
	}
	if api.PendingUpdates() != 1 {
		t.Error("the refused batch was confirmed")
	}
}
