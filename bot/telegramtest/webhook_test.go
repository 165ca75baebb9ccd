package telegramtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// hookRecorder is a webhook endpoint that fails its first failFirst requests.
type hookRecorder struct {
	mu        sync.Mutex
	failFirst int
	secrets   []string
	ids       []int
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var u struct {
		UpdateID int `json:"update_id"`
	}
	_ = json.Unmarshal(body, &u)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets = append(h.secrets, r.Header.Get(WebhookSecretHeader))
	h.ids = append(h.ids, u.UpdateID)
	if h.failFirst > 0 {
		h.failFirst--
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func (h *hookRecorder) seen() ([]int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.ids...), append([]string(nil), h.secrets...)
}

func setHook(t *testing.T, bot *tgbotapi.BotAPI, url, secret string) error {
	t.Helper()
	_, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": url, "secret_token": secret,
		"allowed_updates": `["message"]`})
	return err
}

func TestWebhookDeliversInOrderWithSecretAndRetries(t *testing.T) {
	srv, bot := newBot(t)
	rec := &hookRecorder{failFirst: 1}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	a := srv.SendText(1, 1, "en", "a")
	srv.SendInlineQuery(1, "en", "not allowed") // dropped: not in allowed_updates
	b := srv.SendText(1, 1, "en", "b")
	if err := setHook(t, bot, hook.URL+"/tg", "s3cret_-X"); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, func() bool { return srv.PendingUpdates() == 0 }, 5*time.Second)
	ids, secrets := rec.seen()
	if want := []int{a, a, b}; len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Errorf("delivered %v, want %v (the first answered 500, so again)", ids, want)
	}
	for _, s := range secrets {
		if s != "s3cret_-X" {
			t.Errorf("secret header %q", s)
		}
	}
	if d := srv.Deliveries(); len(d) != 3 || d[0].Status != 500 || d[2].Status != 200 {
		t.Errorf("deliveries %+v", d)
	}
	if srv.WebhookSecret() != "s3cret_-X" {
		t.Errorf("WebhookSecret = %q", srv.WebhookSecret())
	}
}

func TestWebhookDeliveryLimits(t *testing.T) {
	tests := []struct {
		name, url, secret string
		wantErr           bool
	}{
		{"not loopback: kept queued", "https://example.com/hook", "", false},
		{"bad secret refused", "http://127.0.0.1:1/hook", "no spaces", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, bot := newBot(t)
			srv.SendText(1, 1, "en", "a")
			err := setHook(t, bot, tc.url, tc.secret)
			if (err != nil) != tc.wantErr {
				t.Fatalf("setWebhook = %v, want error %v", err, tc.wantErr)
			}
			time.Sleep(100 * time.Millisecond)
			if len(srv.Deliveries()) != 0 || srv.PendingUpdates() != 1 {
				t.Errorf("deliveries %v, pending %d; want none, 1", srv.Deliveries(), srv.PendingUpdates())
			}
		})
	}
}

// TestWebhookQueues: like Telegram, a chat's messages wait for each other,
// while other chats, and the same person's button presses, are delivered
// meanwhile.
func TestWebhookQueues(t *testing.T) {
	srv, bot := newBot(t)
	release := make(chan struct{})
	var mu sync.Mutex
	var order []int
	held := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u struct {
			UpdateID int `json:"update_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&u)
		mu.Lock()
		order = append(order, u.UpdateID)
		first := u.UpdateID == held
		mu.Unlock()
		if first {
			<-release // the first message of chat 1 takes its time
		}
	}))
	defer hook.Close()
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	defer let() // before hook.Close, which waits for the held request
	a := srv.SendText(1, 1, "en", "a")
	mu.Lock()
	held = a
	mu.Unlock()
	b := srv.SendText(1, 1, "en", "b")
	c := srv.SendText(2, 2, "en", "c")
	p := srv.PressButton(1, 1, "en", 1, "x")
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL, "secret_token": "s"}); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 3 }, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	got := append([]int(nil), order...)
	mu.Unlock()
	if len(got) != 3 || !slices.Contains(got, a) || !slices.Contains(got, c) || !slices.Contains(got, p) {
		t.Fatalf("while chat 1's first message is held: delivered %v, want %d, %d and %d in any order, not %d", got, a, c, p, b)
	}
	let()
	srv.WaitFor(t, func() bool { return srv.PendingUpdates() == 0 }, 5*time.Second)
	if last := srv.Deliveries(); last[len(last)-1].UpdateID != b {
		t.Errorf("last delivery %d, want chat 1's second message %d", last[len(last)-1].UpdateID, b)
	}
}

func TestWebhookRetryAfter(t *testing.T) {
	srv, bot := newBot(t)
	var calls []time.Time
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, time.Now())
		if len(calls) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer hook.Close()
	srv.SendText(1, 1, "en", "a")
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL}); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, func() bool { return srv.PendingUpdates() == 0 }, 5*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[1].Sub(calls[0]) < time.Second {
		t.Errorf("%d deliveries, %v apart; want 2, a second apart", len(calls), calls[len(calls)-1].Sub(calls[0]))
	}
}
