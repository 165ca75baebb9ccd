package broadcast

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/wait"
)

// TestBudgetSharedRate: four processes (separate Budgets on one Redis), each
// with 16 senders, plus interactive replies reported with Consume, stay
// within the rate: the fake's flood limit (rate, burst rate/20) never
// answers 429, and the budget is used to at least 90%.
func TestBudgetSharedRate(t *testing.T) {
	e := newEnv(t)
	const (
		rate        = 400
		processes   = 4
		senders     = 16
		interactive = 10 // replies per second, sent without waiting
		run         = 2 * time.Second
	)
	e.srv.SetRateLimit(rate, 0)
	sender := e.sender(nil)
	ctx, cancel := context.WithTimeout(t.Context(), run)
	defer cancel()
	var taken atomic.Int64
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	var chat atomic.Int64
	send := func() {
		if _, err := sender.call(context.Background(), "sendMessage",
			messageParams(chat.Add(1), testTexts{}.Message("en", "x"))); err != nil {
			t.Errorf("send: %v", err)
		}
	}
	for range processes {
		b := mustBudget(t, e.rdb, e.prefix, rate, nil)
		for range senders {
			wg.Go(func() {
				for b.Take(ctx) == nil {
					taken.Add(1)
					mu.Lock()
					at = append(at, time.Now())
					mu.Unlock()
					send()
				}
			})
		}
		wg.Go(func() {
			for wait.Sleep(ctx, time.Second/interactive*processes) == nil {
				send()
				b.Consume(1)
			}
		})
	}
	wg.Wait()

	got, want := float64(taken.Load()), rate*run.Seconds()-interactive*run.Seconds()
	t.Logf("%0.f broadcast sends in %v (%.0f/s) besides ~%d interactive/s; busiest second %d; 429 from the flood limit: %d",
		got, run, got/run.Seconds(), interactive, busiestSecond(at), overallLimited(e))
	if n := overallLimited(e); n != 0 {
		t.Errorf("%d calls over the flood limit", n)
	}
	if got < 0.9*want {
		t.Errorf("%0.f sends, want at least 90%% of %0.f", got, want)
	}
	if m := busiestSecond(at); m > rate+rate/20 {
		t.Errorf("%d Takes in one second, want at most %d + burst %d", m, rate, rate/20)
	}
}

// busiestSecond is the most times within any one-second window.
func busiestSecond(at []time.Time) int {
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// TestBudgetInteractiveFirst: interactive sends never wait, and the debt
// they leave delays broadcasts by their share of the rate.
func TestBudgetInteractiveFirst(t *testing.T) {
	e := newEnv(t)
	b := mustBudget(t, e.rdb, e.prefix, 100, nil) // 10 ms a send
	start := time.Now()
	if err := b.Take(t.Context()); err != nil || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("first Take: %v after %v", err, time.Since(start))
	}
	start = time.Now()
	b.Consume(50) // 500 ms of the rate
	if d := time.Since(start); d > time.Millisecond {
		t.Errorf("Consume blocked %v", d)
	}
	time.Sleep(2 * flushEvery)
	start = time.Now()
	if err := b.Take(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 600*time.Millisecond {
		t.Errorf("Take after 50 interactive sends waited %v, want about 500 ms less the flush delay", d)
	}
}

func TestBudgetTakeHonoursContext(t *testing.T) {
	e := newEnv(t)
	b := mustBudget(t, e.rdb, e.prefix, 1, nil) // one a second
	if err := b.Take(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := b.Take(ctx); err == nil {
		t.Error("second Take within the second succeeded")
	}
}

func TestBudgetBatches(t *testing.T) {
	tests := []struct {
		rate  float64
		batch int
		ahead time.Duration
	}{
		{1000, 20, 100 * time.Millisecond},
		{30, 1, 100 * time.Millisecond},
		{200, 10, 100 * time.Millisecond},
		{2, 1, time.Second},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatFloat(tt.rate, 'f', -1, 64), func(t *testing.T) {
			b := mustBudget(t, nil, "p:", tt.rate, nil)
			if b.batch != tt.batch || b.ahead != tt.ahead {
				t.Errorf("batch %d ahead %v, want %d %v", b.batch, b.ahead, tt.batch, tt.ahead)
			}
		})
	}
}

// overallLimited is how many calls the fake refused for the overall rate.
func overallLimited(e *env) int {
	n, _ := e.srv.RateLimited()
	return n
}

func mustBudget(t testing.TB, client redis.UniversalClient, prefix string, perSecond float64, log *slog.Logger) *Budget {
	t.Helper()
	b, err := NewBudget(client, prefix, perSecond, log)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBudgetNeedsARate(t *testing.T) {
	for _, rate := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := NewBudget(nil, "p:", rate, nil); err == nil {
			t.Errorf("NewBudget accepted %v/s", rate)
		}
	}
}
