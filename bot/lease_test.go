package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/telegramtest"
	"mekongbot/flows"
)

// testLeaseTTL makes takeovers quick in tests: renewed and tried every 200 ms.
const testLeaseTTL = time.Second

// fleet is several bots polling one fake Bot API through one Redis journal
// and polling lease, as several processes on one key prefix would.
type fleet struct {
	t       *testing.T
	api     *telegramtest.Server
	client  redis.UniversalClient
	prefix  string
	lease   *redisstore.PollLease
	bots    []*fleetBot
	mu      sync.Mutex
	sentIDs []int
}

type fleetBot struct {
	metrics *Metrics
	cancel  context.CancelFunc
	done    chan error
	once    sync.Once
}

func startFleet(t *testing.T, n int) *fleet {
	client, prefix := redistest.Client(t)
	f := &fleet{t: t, api: telegramtest.New(t, token), client: client, prefix: prefix,
		lease: redisstore.NewPollLease(client, prefix)}
	sessions := redisstore.New(client, prefix, time.Hour)
	for range n {
		fb := &fleetBot{metrics: NewMetrics(), done: make(chan error, 1)}
		b := New(Config{Token: token, Endpoint: f.api.Endpoint(), Metrics: fb.metrics,
			Engine:  flows.NewEngine(flows.Config{Store: sessions, Catalog: testCatalog{}, Text: idText{}}),
			Limits:  SendLimits{PerSecond: 1000, PerChat: 1000, ChatBurst: 100},
			Journal: redisstore.NewUpdates(client, prefix), Lease: redisstore.NewPollLease(client, prefix),
			LeaseTTL: testLeaseTTL, PollTimeout: time.Second, DrainTimeout: 5 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		fb.cancel = cancel
		go func() { fb.done <- b.Run(ctx) }()
		f.bots = append(f.bots, fb)
	}
	t.Cleanup(func() {
		for _, fb := range f.bots {
			fb.stop(t)
		}
	})
	return f
}

// stop cancels the bot and waits for Run to return; twice is harmless.
func (fb *fleetBot) stop(t *testing.T) {
	fb.once.Do(func() {
		fb.cancel()
		select {
		case err := <-fb.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15s of a stop")
		}
	})
}

// leaders returns the bots that say they poll (mekongbot_poll_leader 1).
func (f *fleet) leaders() []*fleetBot {
	var out []*fleetBot
	for _, fb := range f.bots {
		if strings.Contains(scrape(f.t, fb.metrics), "\nmekongbot_poll_leader 1\n") {
			out = append(out, fb)
		}
	}
	return out
}

// waitLeader waits until exactly one bot other than not polls.
func (f *fleet) waitLeader(not *fleetBot) *fleetBot {
	f.t.Helper()
	var leader *fleetBot
	f.api.WaitFor(f.t, func() bool {
		ls := f.leaders()
		if len(ls) == 1 && ls[0] != not {
			leader = ls[0]
			return true
		}
		return false
	}, 10*time.Second)
	return leader
}

// send writes one text from each of n new chats, gap apart.
func (f *fleet) send(firstChat int64, n int, gap time.Duration) {
	for i := range n {
		chat := firstChat + int64(i)
		id := f.api.SendText(chat, chat, "en", "question")
		f.mu.Lock()
		f.sentIDs = append(f.sentIDs, id)
		f.mu.Unlock()
		time.Sleep(gap)
	}
}

// answered counts chats from firstChat on that got at least one message,
// and those that got more than one.
func (f *fleet) answered(firstChat int64, n int) (answered, doubled int) {
	for i := range n {
		switch got := len(f.api.MessagesTo(firstChat + int64(i))); {
		case got > 1:
			doubled++
			answered++
		case got == 1:
			answered++
		}
	}
	return answered, doubled
}

func conflicts(api *telegramtest.Server) int {
	n := 0
	for _, c := range api.CallsTo("getUpdates") {
		if c.Status == http.StatusConflict {
			n++
		}
	}
	return n
}

// TestPollingFleetHandsOver runs three bots on one journal: one polls, the
// others stand by; the fake Bot API sees no concurrent long polls (409).
// The leader stops in the middle of a stream; another takes over, and every
// message is answered exactly once.
func TestPollingFleetHandsOver(t *testing.T) {
	f := startFleet(t, 3)
	first := f.waitLeader(nil)
	const firstChat, chats = 50000, 90
	sent := make(chan struct{})
	go func() { f.send(firstChat, chats, 10*time.Millisecond); close(sent) }()
	f.api.WaitFor(t, func() bool { n, _ := f.answered(firstChat, chats); return n >= 30 }, 10*time.Second)
	if n := conflicts(f.api); n != 0 {
		t.Errorf("%d getUpdates answered 409 Conflict with one leader polling", n)
	}
	stopped := time.Now()
	first.stop(t)
	f.waitLeader(first)
	t.Logf("takeover %v after the leader stopped (lease TTL %v)", time.Since(stopped).Round(time.Millisecond), testLeaseTTL)
	<-sent
	f.api.WaitFor(t, func() bool { n, _ := f.answered(firstChat, chats); return n == chats }, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // anything doubled would show now
	if n, doubled := f.answered(firstChat, chats); n != chats || doubled != 0 {
		t.Errorf("%d of %d chats answered, %d twice", n, chats, doubled)
	}
	t.Logf("%d getUpdates calls, %d answered 409", len(f.api.CallsTo("getUpdates")), conflicts(f.api))
	if ls := f.leaders(); len(ls) != 1 {
		t.Errorf("%d bots poll at the end, want 1", len(ls))
	}
}

// TestPollingLeaderFencedOut takes the lease away from a polling bot (as if
// it had paused past the lease's expiry and another process took over): it
// must stop polling and write nothing to the journal while the other holds
// the lease, then take the lease back when the other lets it expire, replay
// and handle what came meanwhile.
func TestPollingLeaderFencedOut(t *testing.T) {
	f := startFleet(t, 1)
	leader := f.waitLeader(nil)
	f.send(60000, 1, 0)
	f.api.WaitFor(t, func() bool { n, _ := f.answered(60000, 1); return n == 1 }, 10*time.Second)

	f.takeLease(context.Background())
	f.api.WaitFor(t, func() bool { return len(f.leaders()) == 0 }, 10*time.Second)
	polls := len(f.api.CallsTo("getUpdates"))
	f.send(60001, 1, 0)
	time.Sleep(testLeaseTTL) // a leader still polling would take it now
	if n, _ := f.answered(60001, 1); n != 0 {
		t.Error("the fenced-out bot handled an update while another process held the lease")
	}
	if n := len(f.api.CallsTo("getUpdates")); n > polls+1 {
		t.Errorf("the fenced-out bot polled %d more times", n-polls)
	}
	// The thief never renews: its lease expires and the bot takes it back.
	if f.waitLeader(nil) != leader {
		t.Fatal("another bot leads")
	}
	f.api.WaitFor(t, func() bool { n, _ := f.answered(60001, 1); return n == 1 }, 10*time.Second)
	body := scrape(t, leader.metrics)
	for _, want := range []string{`mekongbot_poll_lease_changes_total{change="lost"} 1`,
		`mekongbot_poll_lease_changes_total{change="acquired"} 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// thiefTTL leaves the test time to see that the fenced-out bot is idle.
const thiefTTL = 3 * testLeaseTTL

// takeLease makes the lease expire now (deleting it, as expiry does) and
// takes it, as another process would; the new holder never renews it.
func (f *fleet) takeLease(ctx context.Context) {
	f.t.Helper()
	key := redisstore.Keys{Prefix: f.prefix}.Updates("lease")
	f.api.WaitFor(f.t, func() bool {
		if err := f.client.Del(ctx, key).Err(); err != nil {
			f.t.Fatal(err)
		}
		token, err := f.lease.Acquire(ctx, thiefTTL)
		if err != nil {
			f.t.Fatal(err)
		}
		return token > 0
	}, 5*time.Second)
}

// TestFencedAcceptEndsTheTerm writes to the journal as a leader whose lease
// was taken over: the write is refused, nothing moves, and the term ends.
func TestFencedAcceptEndsTheTerm(t *testing.T) {
	client, prefix := redistest.Client(t)
	ctx := context.Background()
	api := telegramtest.New(t, token)
	journal, lease := redisstore.NewUpdates(client, prefix), redisstore.NewPollLease(client, prefix)
	b := New(Config{Token: token, Endpoint: api.Endpoint(), Journal: journal, Lease: lease,
		Engine: flows.NewEngine(flows.Config{Store: flows.NewMemStore(), Catalog: testCatalog{}, Text: idText{}}),
		Limits: SendLimits{PerSecond: 1000, PerChat: 1000, ChatBurst: 100}})
	in, err := b.startIntake(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	old, err := lease.Acquire(ctx, time.Minute)
	if err != nil || old == 0 {
		t.Fatalf("Acquire = %d, %v", old, err)
	}
	term, lose := context.WithCancel(ctx)
	in.beginTerm(old, lose)
	update := func(id int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1,`+
			`"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"A"},"text":"hi"}}`, id, id, id))
	}
	if err := in.accept(term, []json.RawMessage{update(1)}, 2); err != nil {
		t.Fatalf("the holder's accept: %v", err)
	}

	client.Del(ctx, redisstore.Keys{Prefix: prefix}.Updates("lease")) // it expired while this process was paused
	if token, err := lease.Acquire(ctx, time.Minute); err != nil || token <= old {
		t.Fatalf("takeover Acquire = %d, %v", token, err)
	}
	if err := in.accept(term, []json.RawMessage{update(2)}, 3); !isFenced(err) {
		t.Errorf("accept after the takeover = %v, want a fenced error", err)
	}
	if term.Err() == nil {
		t.Error("a refused write did not end the polling term")
	}
	pending, _ := journal.Pending(ctx)
	if off, _ := journal.Offset(ctx); off != 2 || pending[2] != nil {
		t.Errorf("after the refused write: offset %d, update 2 journalled %v; want 2, false", off, pending[2] != nil)
	}
}
