package broadcast

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/flows"
)

// readyJob queues a broadcast to n English subscribers, without report
// chat, and lists its recipients; the Runner is not running.
func (e *env) readyJob(n int, mod func(*Config)) (*Runner, *job) {
	e.t.Helper()
	e.subscribe(n, english)
	b := news()
	b.ReportChat = 0
	id := e.start(b)
	cfg := e.config(e.sender(nil), nil)
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewRunner(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.tend(ctx, id); err != nil {
		e.t.Fatal(err)
	}
	j, err := r.job(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r, j
}

func mustClaim(t *testing.T, r *Runner, j *job) *claim {
	t.Helper()
	c, err := r.claim(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClaimRanges(t *testing.T) {
	e := newEnv(t)
	r, j := e.readyJob(25, nil) // RangeSize 10
	var starts []int64
	var claims []*claim
	for range 4 {
		if c := mustClaim(t, r, j); c != nil {
			starts = append(starts, c.start)
			claims = append(claims, c)
		}
	}
	if len(starts) != 3 || starts[0] != 0 || starts[1] != 10 || starts[2] != 20 {
		t.Fatalf("claimed starts %v, want [0 10 20] and then nothing", starts)
	}
	todo, err := r.unmarked(t.Context(), claims[2])
	if err != nil || len(todo) != 5 || todo[0].chat != firstChat+20 || todo[0].lang != "en" {
		t.Errorf("last range: %v, %v; want 5 recipients from %d", todo, err, firstChat+20)
	}
	// Completion waits for every claim, and exactly one release completes.
	var done atomic.Int32
	var wg sync.WaitGroup
	for _, c := range claims {
		wg.Go(func() {
			if r.release(t.Context(), c, true) {
				done.Add(1)
			}
		})
	}
	wg.Wait()
	d, _ := e.store.Details(t.Context(), j.id)
	if done.Load() != 1 || d.State != flows.BroadcastDone || d.Finished.IsZero() {
		t.Errorf("%d releases completed the job; state %+v", done.Load(), d)
	}
	if c := mustClaim(t, r, j); c != nil {
		t.Errorf("claimed %d after done", c.start)
	}
}

func TestClaimCompletesWhenLastOwnerLeft(t *testing.T) {
	e := newEnv(t)
	r, j := e.readyJob(5, func(c *Config) { c.Lease = 100 * time.Millisecond })
	c := mustClaim(t, r, j)
	time.Sleep(150 * time.Millisecond)
	// The dead owner's range is taken over, delivered and released.
	c2 := mustClaim(t, r, j)
	if c2 == nil || c2.start != c.start {
		t.Fatalf("takeover claimed %v, want start %d", c2, c.start)
	}
	if !r.release(t.Context(), c2, true) {
		t.Errorf("releasing the taken-over range did not complete the job")
	}
}

// TestTakeoverFencesOldOwner: after an expired claim was taken over, the old
// owner learns it at its next renewal or mark and stops; its mark still
// counts, and the new owner skips that recipient.
func TestTakeoverFencesOldOwner(t *testing.T) {
	e := newEnv(t)
	r, j := e.readyJob(10, func(c *Config) { c.Lease = 100 * time.Millisecond })
	ctx := t.Context()
	old := mustClaim(t, r, j)
	time.Sleep(150 * time.Millisecond)
	if old.lease.valid() {
		t.Fatal("lease valid after its deadline")
	}
	taker := mustClaim(t, r, j)
	if taker == nil || taker.start != old.start {
		t.Fatalf("takeover: %+v", taker)
	}
	r.renew(ctx, old)
	if !old.lease.lost.Load() {
		t.Error("renewal of a taken-over claim did not report it lost")
	}
	if r.mark(ctx, old, firstChat, markSent) {
		t.Error("old owner told to go on after its claim was taken over")
	}
	todo, err := r.unmarked(ctx, taker)
	if err != nil || len(todo) != 9 || todo[0].chat != firstChat+1 {
		t.Errorf("new owner's recipients: %v, %v; want the 9 not yet marked", todo, err)
	}
	if !r.mark(ctx, taker, firstChat+1, markSent) {
		t.Error("new owner told to stop")
	}
	d, _ := e.store.Details(ctx, j.id)
	if d.Sent != 2 || d.Dup != 0 {
		t.Errorf("counters %+v, want 2 sent and no dup", d)
	}
}

func TestMarkCounters(t *testing.T) {
	tests := []struct {
		name              string
		marks             []string
		sent, failed, dup int
		final             string
	}{
		{"sent", []string{markSent}, 1, 0, 0, markSent},
		{"failed", []string{markFailed}, 0, 1, 0, markFailed},
		{"sent twice is a duplicate", []string{markSent, markSent}, 1, 0, 1, markSent},
		{"sent three times", []string{markSent, markSent, markSent}, 1, 0, 2, markSent},
		{"failed then sent", []string{markFailed, markSent}, 1, 0, 0, markSent},
		{"sent then failed keeps sent", []string{markSent, markFailed}, 1, 0, 0, markSent},
		{"failed twice", []string{markFailed, markFailed}, 0, 1, 0, markFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			r, j := e.readyJob(3, nil)
			c := mustClaim(t, r, j)
			for _, m := range tt.marks {
				if !r.mark(t.Context(), c, firstChat, m) {
					t.Fatal("mark told the owner to stop")
				}
			}
			d, _ := e.store.Details(t.Context(), j.id)
			final, _ := e.rdb.HGet(t.Context(), r.keys.marks(j.id), strconv.Itoa(firstChat)).Result()
			if d.Sent != tt.sent || d.Failed != tt.failed || d.Dup != tt.dup || final != tt.final {
				t.Errorf("sent %d failed %d dup %d mark %q; want %d %d %d %q",
					d.Sent, d.Failed, d.Dup, final, tt.sent, tt.failed, tt.dup, tt.final)
			}
		})
	}
}

func TestCancelStopsClaimsAndMarks(t *testing.T) {
	e := newEnv(t)
	r, j := e.readyJob(30, nil)
	c := mustClaim(t, r, j)
	if _, err := e.store.Cancel(t.Context(), j.id); err != nil {
		t.Fatal(err)
	}
	if r.mark(t.Context(), c, firstChat, markSent) {
		t.Error("worker told to go on after cancel")
	}
	if c2 := mustClaim(t, r, j); c2 != nil {
		t.Errorf("claimed %d of a cancelled job", c2.start)
	}
	r.renew(t.Context(), c)
	if !c.lease.lost.Load() {
		t.Error("renewal did not stop the worker of a cancelled job")
	}
	if r.release(t.Context(), c, true) {
		t.Error("a cancelled job completed")
	}
	d, _ := e.store.Details(t.Context(), j.id)
	if d.State != flows.BroadcastCancelled || d.Sent != 1 {
		t.Errorf("after cancel: %+v", d)
	}
}

// TestUnfinishedRangeHandedBack: a range given up unfinished is claimed
// again at once, and the job does not complete without it.
func TestUnfinishedRangeHandedBack(t *testing.T) {
	e := newEnv(t)
	r, j := e.readyJob(10, func(c *Config) { c.Lease = time.Minute })
	c := mustClaim(t, r, j)
	if !r.mark(t.Context(), c, firstChat, markSent) {
		t.Fatal("mark told the owner to stop")
	}
	if r.release(t.Context(), c, false) {
		t.Fatal("an unfinished range completed the job")
	}
	c2 := mustClaim(t, r, j)
	if c2 == nil || c2.start != 0 {
		t.Fatalf("claim after hand-back: %+v, want range 0 at once", c2)
	}
	todo, _ := r.unmarked(t.Context(), c2)
	if len(todo) != 9 {
		t.Errorf("%d left in the range, want 9", len(todo))
	}
	if !r.release(t.Context(), c2, true) {
		t.Error("the finished range did not complete the job")
	}
}
