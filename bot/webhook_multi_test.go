package bot

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/telegramtest"
	"mekongbot/flows"
)

// echoSearch finds one page for any question, titled with the question, so
// that each answer names what it answers.
type echoSearch struct{}

func (echoSearch) Search(_, query string, _ int) []flows.SearchHit {
	return []flows.SearchHit{{ID: flows.RootPage, Title: query}}
}

// webhookFleet is several bot processes in webhook mode sharing one Redis
// prefix, as behind a load balancer, each with its own session store (chat
// locks on) and flood limit.
type webhookFleet struct {
	api   *telegramtest.Server
	bots  []*Bot
	url   string // the round-robin proxy in front of them
	store *redisstore.Store
}

// known makes chats people who chose English and "worker" already, so that
// what they type is searched.
func (f *webhookFleet) known(t *testing.T, chats ...int64) {
	t.Helper()
	for _, chat := range chats {
		if err := f.store.Save(t.Context(), chat, flows.Session{Lang: "en", Role: flows.RoleWorker, Page: flows.RootPage}); err != nil {
			t.Fatal(err)
		}
	}
}

func startWebhookFleet(t *testing.T, n int) *webhookFleet {
	t.Helper()
	client, prefix := redistest.Client(t)
	f := &webhookFleet{api: telegramtest.New(t, token)}
	var next atomic.Int64
	ready := make(chan struct{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		f.bots[int(next.Add(1))%len(f.bots)].WebhookHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	f.url = proxy.URL + "/tg/hook"
	f.store = redisstore.New(client, prefix, time.Hour)
	for range n {
		store := redisstore.New(client, prefix, time.Hour, redisstore.ChatLocks())
		engine := flows.NewEngine(flows.Config{Store: store, Catalog: testCatalog{}, Text: idText{}, Search: echoSearch{}})
		b := New(Config{Token: token, Endpoint: f.api.Endpoint(), Engine: engine,
			Limits:  SendLimits{PerSecond: 1000, PerChat: 1000, ChatBurst: 100},
			Webhook: &Webhook{URL: f.url, Secret: hookSecret}, Flood: DefaultFloodLimits, DrainTimeout: 5 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		f.bots = append(f.bots, b)
	}
	for _, b := range f.bots {
		f.api.WaitFor(t, func() bool { b.hook.mu.RLock(); defer b.hook.mu.RUnlock(); return b.hook.in != nil }, 5*time.Second)
	}
	close(ready)
	return f
}

// answered returns the questions each reply to chat answers, in order.
func (f *webhookFleet) answered(chat int64) []string {
	var out []string
	for _, m := range f.api.MessagesTo(chat) {
		_, q, _ := strings.Cut(m.Plain, "1. ")
		q, _, _ = strings.Cut(q, "\n")
		out = append(out, q)
	}
	return out
}

// TestWebhookFleetKeepsEachChatsOrder: three processes behind a round-robin
// proxy, Telegram delivering each chat's messages one at a time and the
// chats concurrently. Every chat gets one answer per message, in order.
func TestWebhookFleetKeepsEachChatsOrder(t *testing.T) {
	const chats, each = 20, 8 // within the flood limit's burst
	f := startWebhookFleet(t, 3)
	for chat := int64(1); chat <= chats; chat++ {
		f.known(t, chat)
	}
	for i := range each {
		for chat := int64(1); chat <= chats; chat++ {
			f.api.SendText(chat, chat, "en", fmt.Sprintf("q%02d", i))
		}
	}
	for chat := int64(1); chat <= chats; chat++ {
		f.api.WaitFor(t, func() bool { return len(f.api.MessagesTo(chat)) >= each }, 20*time.Second)
	}
	f.api.WaitFor(t, func() bool { return f.api.PendingUpdates() == 0 }, 5*time.Second)
	for chat := int64(1); chat <= chats; chat++ {
		got := f.answered(chat)
		want := make([]string, each)
		for i := range want {
			want[i] = fmt.Sprintf("q%02d", i)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("chat %d was answered %q, want %q", chat, got, want)
		}
	}
	for _, d := range f.api.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery of %d answered %d", d.UpdateID, d.Status)
		}
	}
}

// TestWebhookSameUpdateTwiceAtOnce: the same update reaches two processes
// at the same moment (a redelivery racing the first delivery): both answer
// 200, the person gets one answer.
func TestWebhookSameUpdateTwiceAtOnce(t *testing.T) {
	f := startWebhookFleet(t, 2)
	hooks := []*httptest.Server{httptest.NewServer(f.bots[0].WebhookHandler()), httptest.NewServer(f.bots[1].WebhookHandler())}
	for _, h := range hooks {
		t.Cleanup(h.Close)
	}
	const updates = 20
	for i := range updates {
		chat := int64(100 + i)
		f.known(t, chat)
		body := messageUpdate(5000+i, chat, fmt.Sprintf("q%02d", i))
		start := make(chan struct{})
		var wg sync.WaitGroup
		codes := make([]int, len(hooks))
		for j, h := range hooks {
			wg.Go(func() {
				<-start
				codes[j] = post(t, h.URL, hookSecret, body)
			})
		}
		close(start)
		wg.Wait()
		if codes[0] != 200 || codes[1] != 200 {
			t.Errorf("update %d answered %v, want 200 from both", 5000+i, codes)
		}
		if got := f.answered(chat); len(got) != 1 || got[0] != fmt.Sprintf("q%02d", i) {
			t.Errorf("chat %d got %d answers %q, want 1", chat, len(got), got)
		}
	}
}
