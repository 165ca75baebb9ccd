package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/bot/telegramtest"
	"mekongbot/flows"
)

// A tiny handbook and localizer: replies name the message id they show.
type testCatalog struct{}

func (testCatalog) Page(id string) (*flows.Page, bool) {
	if id == flows.RootPage {
		return &flows.Page{ID: id, Reviewed: "2026-01-01"}, true
	}
	return nil, false
}

func (testCatalog) Text(id, lang string) (string, string) { return lang + ":" + id, "body" }

type idText struct{}

func (idText) Text(lang, id string, _ map[string]any) string { return lang + ":" + id }

var errDown = errors.New("redis: connection refused")

// switchStore is a session store that fails while down is set.
type switchStore struct {
	*flows.MemStore
	down  *atomic.Bool
	loads atomic.Int64
}

func (s *switchStore) Load(ctx context.Context, chat int64) (flows.Session, bool, error) {
	s.loads.Add(1)
	if s.down.Load() {
		return flows.Session{}, false, errDown
	}
	return s.MemStore.Load(ctx, chat)
}

func (s *switchStore) Save(ctx context.Context, chat int64, sess flows.Session) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemStore.Save(ctx, chat, sess)
}

func (s *switchStore) Claim(ctx context.Context, chat int64) (flows.Claim, error) {
	s.loads.Add(1)
	if s.down.Load() {
		return flows.Claim{ChatID: chat}, errDown
	}
	return s.MemStore.Claim(ctx, chat)
}

func (s *switchStore) Commit(ctx context.Context, c flows.Claim, sess flows.Session) error {
	if s.down.Load() {
		return errDown
	}
	return s.MemStore.Commit(ctx, c, sess)
}

// rig is a Bot running against the fake Bot API, with switches for Redis.
type rig struct {
	api         *telegramtest.Server
	bot         *Bot
	journal     *MemJournal
	store       *switchStore
	storeDown   atomic.Bool
	journalDown atomic.Bool
	metrics     *Metrics
	stopped     bool
	cancel      context.CancelFunc
	runDone     chan error
}

func startRig(t *testing.T, configure func(*Config)) *rig {
	t.Helper()
	r := &rig{api: telegramtest.New(t, token), journal: NewMemJournal(), metrics: NewMetrics()}
	r.store = &switchStore{MemStore: flows.NewMemStore(), down: &r.storeDown}
	r.journal.Fail = func() error {
		if r.journalDown.Load() {
			return errDown
		}
		return nil
	}
	cfg := Config{Token: token, Endpoint: r.api.Endpoint(), Journal: r.journal, Metrics: r.metrics,
		Engine:      flows.NewEngine(flows.Config{Store: r.store, Catalog: testCatalog{}, Text: idText{}}),
		Limits:      SendLimits{PerSecond: 1000, PerChat: 1000, ChatBurst: 100},
		PollTimeout: time.Second, DrainTimeout: 5 * time.Second}
	if configure != nil {
		configure(&cfg)
	}
	r.bot = New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.runDone = cancel, make(chan error, 1)
	go func() { r.runDone <- r.bot.Run(ctx) }()
	t.Cleanup(func() { _ = r.halt() })
	return r
}

// halt stops the bot and returns Run's result.
func (r *rig) halt() error {
	if r.stopped {
		return nil
	}
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.runDone:
		return err
	case <-time.After(15 * time.Second):
		return errors.New("Run did not return within 15s of a stop")
	}
}

// texts returns the plain text of every message sent to chat.
func (r *rig) texts(chat int64) []string {
	var out []string
	for _, m := range r.api.MessagesTo(chat) {
		out = append(out, m.Plain)
	}
	return out
}

func (r *rig) waitMessages(t *testing.T, chat int64, n int) {
	t.Helper()
	r.api.WaitFor(t, func() bool { return len(r.api.MessagesTo(chat)) >= n }, 10*time.Second)
}

func TestStoreOutageIsRetriedNotApologisedFor(t *testing.T) {
	r := startRig(t, nil)
	r.storeDown.Store(true)
	id := r.api.SendText(7, 7, "en", "hi")
	r.api.WaitFor(t, func() bool { return r.store.loads.Load() >= 1 }, 5*time.Second)
	r.journalDown.Store(true) // now pings fail too: an outage, retries are not counted
	time.Sleep(2 * time.Second)
	if got := r.texts(7); len(got) != 0 {
		t.Fatalf("during the outage the bot sent %q", got)
	}
	r.storeDown.Store(false)
	r.journalDown.Store(false)
	r.waitMessages(t, 7, 1)
	r.api.WaitFor(t, func() bool { return r.journal.Handled(id) }, 5*time.Second)
	if got := r.texts(7); len(got) != 1 || strings.Contains(got[0], "Apology") {
		t.Errorf("after the outage the bot sent %q, want one answer and no apology", got)
	}
	if body := scrape(t, r.metrics); !strings.Contains(body, "mekongbot_update_retries_total") ||
		strings.Contains(body, "mekongbot_update_retries_total 0") {
		t.Errorf("retries not counted:\n%s", grep(body, "retries"))
	}
}

// TestBrokenChatDataEndsInAnApology: the store fails for one chat while
// Redis answers pings: after a few tries the person gets the apology
// instead of waiting for ever.
func TestBrokenChatDataEndsInAnApology(t *testing.T) {
	r := startRig(t, nil)
	r.storeDown.Store(true)
	id := r.api.SendText(8, 8, "en", "hi")
	r.waitMessages(t, 8, 1)
	if got := r.texts(8); len(got) != 1 || !strings.Contains(got[0], "Apology") {
		t.Errorf("sent %q, want one apology", got)
	}
	if n := r.store.loads.Load(); n != maxHealthyRetries+1 {
		t.Errorf("%d attempts, want %d", n, maxHealthyRetries+1)
	}
	r.api.WaitFor(t, func() bool { return r.journal.Handled(id) }, 5*time.Second)
}

func TestPollingPausesWhileRedisIsAway(t *testing.T) {
	r := startRig(t, nil)
	r.api.WaitFor(t, func() bool { return len(r.api.CallsTo("getUpdates")) > 0 }, 5*time.Second)
	r.journalDown.Store(true)
	time.Sleep(1500 * time.Millisecond) // the long poll running now ends (1s)
	polls := len(r.api.CallsTo("getUpdates"))
	r.api.SendText(9, 9, "en", "hi")
	time.Sleep(time.Second)
	if n := len(r.api.CallsTo("getUpdates")); n > polls+1 {
		t.Errorf("%d getUpdates calls while Redis was away", n-polls)
	}
	r.journalDown.Store(false)
	r.waitMessages(t, 9, 1)
}

// TestReplayAndDedupe starts a bot whose journal holds an update received
// before a crash, and knows another as handled already.
func TestReplayAndDedupe(t *testing.T) {
	journal := NewMemJournal()
	raw := `{"update_id":900,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},` +
		`"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"hi"}}`
	if _, err := journal.Accept(context.Background(), 0, 0, []int{900}, [][]byte{[]byte(raw)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := journal.Accept(context.Background(), 0, 0, nil, nil, []int{1}); err != nil { // the fake's first update
		t.Fatal(err)
	}
	r := startRig(t, func(c *Config) { c.Journal = journal })
	r.journal = journal
	r.api.SendText(6, 6, "en", "already handled")
	second := r.api.SendText(6, 6, "en", "new")
	r.waitMessages(t, 5, 1)
	r.waitMessages(t, 6, 1)
	r.api.WaitFor(t, func() bool { return journal.Handled(900) && journal.Handled(second) }, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	if a, b := len(r.texts(5)), len(r.texts(6)); a != 1 || b != 1 {
		t.Errorf("chat 5 got %d messages, chat 6 %d; want 1 each", a, b)
	}
}

// TestFloodIsSlowedWithOneNote floods one chat: it gets its burst at once,
// one note, the rest one by one (up to the queue), and the excess dropped;
// another chat is answered at once meanwhile.
func TestFloodIsSlowedWithOneNote(t *testing.T) {
	limits := FloodLimits{Rate: 4, Burst: 3, Queue: 5}
	r := startRig(t, func(c *Config) { c.Flood = limits })
	const flooder, other = 21, 22
	for i := range 12 {
		r.api.SendText(flooder, flooder, "lo", fmt.Sprint("spam ", i))
	}
	start := time.Now()
	r.api.SendText(other, other, "en", "hello")
	r.waitMessages(t, other, 1)
	if took := time.Since(start); took > time.Second {
		t.Errorf("another chat waited %v behind the flood", took)
	}
	answers := limits.Burst + limits.Queue
	r.waitMessages(t, flooder, answers+1)
	time.Sleep(500 * time.Millisecond)
	got := r.texts(flooder)
	notes := 0
	for _, m := range got {
		if strings.Contains(m, "FloodNote") {
			notes++
		}
	}
	if notes != 1 || len(got) != answers+1 {
		t.Errorf("flooder got %d messages with %d notes, want %d answers and 1 note:\n%q", len(got), notes, answers, got)
	}
	if !strings.Contains(got[limits.Burst], "lo:FloodNote") {
		t.Errorf("the note (in the app's language) should come right after the burst: %q", got)
	}
	body := scrape(t, r.metrics)
	for _, want := range []string{`mekongbot_flood_total{what="dropped"} 4`, `mekongbot_flood_total{what="note"} 1`,
		`mekongbot_flood_total{what="delayed"} 5`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s:\n%s", want, grep(body, "flood"))
		}
	}
}

func grep(body, word string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
