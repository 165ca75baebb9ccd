package telegramtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
