package broadcast

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

func TestNewRunnerNeedsItsParts(t *testing.T) {
	if _, err := NewRunner(Config{}); err == nil {
		t.Error("NewRunner accepted an empty Config")
	}
}

func TestDeliverAndReport(t *testing.T) {
	e := newEnv(t)
	const n = 300
	e.subscribe(n, english)
	budget := mustBudget(e.t, e.rdb, e.prefix, 300, nil)
	e.run(e.config(e.sender(budget), budget))
	id := e.start(news())
	d := e.waitFor(id, "reported", reported, 10*time.Second)

	if d.State != flows.BroadcastDone || d.Total != n || d.Sent != n || d.Failed != 0 || d.Dup != 0 || d.Finished.IsZero() {
		t.Errorf("final status %+v", d)
	}
	if missing, dups := e.deliveries(n); missing+dups != 0 {
		t.Errorf("%d recipients got nothing, %d messages were duplicates", missing, dups)
	}
	if m, _ := e.srv.LastMessage(firstChat); m.Plain != "[en]\nRegistration opens Monday" {
		t.Errorf("a recipient got %q", m.Plain)
	}
	checkReport(t, e, id, "done: 300/300 sent, 0 failed", 2) // 1 s of sending: edits every 100 ms and the end
	checkCleanedUp(t, e, id)
}

// checkReport: the report chat got the progress message, edited while
// delivery ran and at the end, then the final report.
func checkReport(t *testing.T, e *env, id int64, final string, minEdits int) {
	t.Helper()
	msgs := e.srv.MessagesTo(reportChat)
	var posts, edits int
	for _, m := range msgs {
		if m.Method == "sendMessage" {
			posts++
		} else {
			edits++
		}
	}
	last := msgs[len(msgs)-1]
	want := "en #" + strconv.FormatInt(id, 10) + " " + final
	progress, _ := e.srv.Message(reportChat, 1)
	if posts != 2 || edits < minEdits || msgs[0].Method != "sendMessage" || last.Method != "sendMessage" ||
		last.Plain != want || progress.Plain != want {
		for _, m := range msgs {
			t.Logf("%s %d %q", m.Method, m.MessageID, m.Plain)
		}
		t.Errorf("report chat: %d posts, %d edits; want progress, >= %d edits, final report %q", posts, edits, minEdits, want)
	}
}

// checkCleanedUp: once reported, nothing naming a chat is left and the
// counters expire.
func checkCleanedUp(t *testing.T, e *env, id int64) {
	t.Helper()
	k := e.store.keys
	ctx := context.Background()
	if n, _ := e.rdb.Exists(ctx, k.recipients(id), k.marks(id), k.claims(id), k.reportLock(id), k.snapshotLock(id)).Result(); n != 0 {
		t.Errorf("%d of the job's lists and locks left after the report", n)
	}
	if ttl, _ := e.rdb.PTTL(ctx, k.job(id)).Result(); ttl <= 0 || ttl > keepFinished {
		t.Errorf("job hash TTL %v, want up to %v", ttl, keepFinished)
	}
	if n, _ := e.rdb.ZCard(ctx, k.active()).Result(); n != 0 {
		t.Errorf("%d jobs still active", n)
	}
}

// countingSender counts what one Runner sent.
type countingSender struct {
	*httpSender
	n atomic.Int64
}

func (s *countingSender) SendBulk(ctx context.Context, chatID int64, r flows.Reply) error {
	s.n.Add(1)
	return s.httpSender.SendBulk(ctx, chatID, r)
}

func TestTwoRunnersShareJob(t *testing.T) {
	e := newEnv(t)
	const n, rate = 1000, 1000
	e.subscribe(n, english)
	e.srv.SetRateLimit(rate, 1)
	var senders [2]*countingSender
	for i := range senders {
		budget := mustBudget(e.t, e.rdb, e.prefix, rate, nil) // one per process, one key
		senders[i] = &countingSender{httpSender: e.sender(budget)}
		e.run(e.config(senders[i], budget))
	}
	id := e.start(news())
	d := e.waitFor(id, "reported", reported, 15*time.Second)

	missing, dups := e.deliveries(n)
	a, b := senders[0].n.Load(), senders[1].n.Load()
	t.Logf("runner A sent %d, runner B %d; flood 429s %d", a, b, overallLimited(e))
	if missing+dups != 0 || d.Sent != n || d.Dup != 0 {
		t.Errorf("%d missing, %d duplicates; status %+v", missing, dups, d)
	}
	if a == 0 || b == 0 {
		t.Errorf("one runner did all the work: %d and %d", a, b)
	}
	if l := overallLimited(e); l != 0 {
		t.Errorf("%d calls over the flood limit", l)
	}
}

func TestGoneRecipientsUnsubscribed(t *testing.T) {
	e := newEnv(t)
	const n = 50
	e.subscribe(n, english)
	blocked := []int64{firstChat + 3, firstChat + 17, firstChat + 49}
	for _, id := range blocked {
		e.srv.BlockChat(id)
	}
	e.run(e.config(e.sender(nil), nil))
	id := e.start(news())
	d := e.waitFor(id, "reported", reported, 10*time.Second)

	if d.Sent != n-len(blocked) || d.Failed != len(blocked) || e.subs.gone.Load() != int64(len(blocked)) {
		t.Errorf("status %+v, %d unsubscribed; want %d failed and unsubscribed", d, e.subs.gone.Load(), len(blocked))
	}
	left, _ := e.rdb.HLen(t.Context(), e.subs.key).Result()
	if left != n-int64(len(blocked)) {
		t.Errorf("%d subscribers left, want %d", left, n-len(blocked))
	}
	for _, id := range blocked {
		if in, _ := e.rdb.HExists(t.Context(), e.subs.key, strconv.FormatInt(id, 10)).Result(); in {
			t.Errorf("a blocked chat is still subscribed")
		}
	}
	checkReport(t, e, id, "done: 47/50 sent, 3 failed", 1)
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestScheduledStart(t *testing.T) {
	e := newEnv(t)
	const n = 20
	e.subscribe(n, english)
	var clock fakeClock
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock.Set(start)
	e.store.now = clock.Now
	cfg := e.config(e.sender(nil), nil)
	cfg.Now = clock.Now
	e.run(cfg)
	b := news()
	b.At = start.Add(time.Hour)
	id := e.start(b)

	time.Sleep(300 * time.Millisecond) // 15 polls
	if d, _ := e.store.Details(t.Context(), id); d.State != flows.BroadcastScheduled || d.Total != 0 || len(e.srv.Calls()) != 0 {
		t.Fatalf("before its time: %+v, %d calls", d, len(e.srv.Calls()))
	}
	clock.Advance(59 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	if len(e.srv.Calls()) != 0 {
		t.Fatal("sent a minute early")
	}
	clock.Advance(time.Minute)
	d := e.waitFor(id, "reported", reported, 10*time.Second)
	if d.Sent != n || !d.At.Equal(b.At) || !d.Created.Equal(start) || !d.Finished.Equal(b.At) {
		t.Errorf("status %+v", d)
	}
}

func TestCancelMidRun(t *testing.T) {
	e := newEnv(t)
	const n = 2000
	e.subscribe(n, english)
	budget := mustBudget(e.t, e.rdb, e.prefix, 200, nil)
	cfg := e.config(e.sender(budget), budget)
	e.run(cfg)
	id := e.start(news())
	e.waitFor(id, "sending", func(d Details) bool { return d.Sent >= 100 }, 10*time.Second)
	if _, err := e.store.Cancel(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	atCancel := e.delivered(n)
	d := e.waitFor(id, "reported", reported, 10*time.Second)
	time.Sleep(200 * time.Millisecond)

	delivered := e.delivered(n)
	t.Logf("cancelled at %d delivered, %d in the end (%d workers)", atCancel, delivered, cfg.Workers)
	if d.State != flows.BroadcastCancelled || d.Sent != delivered || delivered-atCancel > cfg.Workers {
		t.Errorf("status %+v with %d delivered; at most %d sends in hand may finish after cancel", d, delivered, cfg.Workers)
	}
	if _, dups := e.deliveries(n); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
	last, _ := e.srv.LastMessage(reportChat)
	if !strings.Contains(last.Plain, "cancelled") || last.Method != "sendMessage" {
		t.Errorf("final report %q", last.Plain)
	}
	checkCleanedUp(t, e, id)
}

// TestShutdownHandsOver: a Runner stopped mid-job finishes its sends in
// hand, releases its claims, and another process carries on at once rather
// than after the lease.
func TestShutdownHandsOver(t *testing.T) {
	e := newEnv(t)
	const n = 600
	e.subscribe(n, english)
	budget := mustBudget(e.t, e.rdb, e.prefix, 300, nil)
	cfg := e.config(e.sender(budget), budget)
	cfg.Lease = time.Minute
	stop := e.run(cfg)
	id := e.start(news())
	e.waitFor(id, "sending", func(d Details) bool { return d.Sent >= 100 }, 10*time.Second)
	stop()
	live, err := liveClaimsScript.Run(t.Context(), e.rdb, []string{e.store.keys.claims(id)}).Int()
	if err != nil || live != 0 {
		t.Errorf("%d claims (%v) still leased after shutdown, want all handed back", live, err)
	}
	d, _ := e.store.Details(t.Context(), id)
	if delivered := e.delivered(n); d.Sent != delivered {
		t.Errorf("%d delivered but %d marked: a send in hand was cut off or not marked", delivered, d.Sent)
	}
	e.run(cfg)
	e.waitFor(id, "reported", reported, 10*time.Second) // far less than the minute's lease
	if missing, dups := e.deliveries(n); missing+dups != 0 {
		t.Errorf("%d missing, %d duplicates", missing, dups)
	}
}

func TestFlakyTelegram(t *testing.T) {
	e := newEnv(t)
	const n = 400
	e.subscribe(n, english)
	e.srv.SetFailureRate(0.05, 1, "sendMessage")
	e.run(e.config(e.sender(nil), nil))
	id := e.start(news())
	d := e.waitFor(id, "reported", reported, 20*time.Second)
	if missing, dups := e.deliveries(n); missing+dups != 0 || d.Sent != n {
		t.Errorf("%d missing, %d duplicates, status %+v", missing, dups, d)
	}
}

// TestOnCluster: every script's keys share one slot.
func TestOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	rdb, prefix := redistest.ClientAt(t, redistest.StartCluster(t, 3))
	e := newEnvOn(t, rdb, prefix)
	const n = 200
	e.subscribe(n, english)
	budget := mustBudget(e.t, e.rdb, e.prefix, 500, nil)
	e.run(e.config(e.sender(budget), budget))
	id := e.start(news())
	d := e.waitFor(id, "reported", reported, 15*time.Second)
	if missing, dups := e.deliveries(n); missing+dups != 0 || d.Sent != n {
		t.Errorf("%d missing, %d duplicates, status %+v", missing, dups, d)
	}
	checkCleanedUp(t, e, id)
}

// TestForgetsJobWithoutData: an id left in active without its hash is
// dropped instead of failing every poll.
func TestForgetsJobWithoutData(t *testing.T) {
	e := newEnv(t)
	id := e.start(news())
	e.rdb.Del(t.Context(), e.store.keys.job(id))
	e.run(e.config(e.sender(nil), nil))
	deadline := time.Now().Add(5 * time.Second)
	for n := int64(1); n != 0; n, _ = e.rdb.ZCard(t.Context(), e.store.keys.active()).Result() {
		if time.Now().After(deadline) {
			t.Fatal("the job without data stays active")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// slowPostSender takes longer than the lease to post.
type slowPostSender struct {
	*httpSender
	delay time.Duration
}

func (s slowPostSender) Post(ctx context.Context, chatID int64, r flows.Reply) (int, error) {
	time.Sleep(s.delay)
	return s.httpSender.Post(ctx, chatID, r)
}

// TestSlowReportPostedOnce: a report post that outlasts the report lock
// still closes the job, and the report is not posted again.
func TestSlowReportPostedOnce(t *testing.T) {
	e := newEnv(t)
	e.subscribe(5, english)
	cfg := e.config(slowPostSender{e.sender(nil), 300 * time.Millisecond}, nil)
	cfg.Lease = 200 * time.Millisecond
	e.run(cfg)
	id := e.start(news())
	e.waitFor(id, "reported", reported, 10*time.Second)
	time.Sleep(100 * time.Millisecond) // a few more polls
	posts := 0
	for _, m := range e.srv.MessagesTo(reportChat) {
		if m.Method == "sendMessage" {
			posts++
		}
	}
	if posts != 2 {
		t.Errorf("%d posts to the report chat, want the progress message and one report", posts)
	}
}
