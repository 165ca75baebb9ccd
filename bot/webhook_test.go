package bot

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const hookSecret = "s3cret-Hook_1"

// startWebhookRig runs a bot in webhook mode behind a local HTTP server.
func startWebhookRig(t *testing.T, configure ...func(*Config)) (*rig, *httptest.Server) {
	t.Helper()
	var h atomic.Pointer[http.Handler]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not yet", http.StatusServiceUnavailable)
	}))
	t.Cleanup(ts.Close)
	r := startRig(t, func(c *Config) {
		c.Webhook = &Webhook{URL: ts.URL + "/tg/hook", Secret: hookSecret}
		for _, f := range configure {
			f(c)
		}
	})
	handler := r.bot.WebhookHandler()
	h.Store(&handler)
	r.api.WaitFor(t, func() bool { return r.api.WebhookURL() != "" }, 5*time.Second)
	return r, ts
}

func messageUpdate(id int, chat int64, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"private"},`+
		`"from":{"id":%d,"is_bot":false,"first_name":"A"},"text":%q}}`, id, id, chat, chat, text)
}

func post(t *testing.T, url, secret, body string) int {
	t.Helper()
	code, _ := postFull(t, url, secret, body)
	return code
}

// postFull posts like Telegram and returns the status and Retry-After.
func postFull(t *testing.T, url, secret, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func TestWebhookRequests(t *testing.T) {
	r, ts := startWebhookRig(t)
	url := ts.URL + "/tg/hook"
	tests := []struct {
		name     string
		secret   string
		body     string
		want     int
		answered int64 // chat that must get exactly one answer; 0: none checked
		silent   int64 // chat that must get no answer
	}{
		{name: "no secret", body: messageUpdate(1001, 31, "hi"), want: 401, silent: 31},
		{name: "wrong secret", secret: hookSecret + "x", body: messageUpdate(1002, 32, "hi"), want: 401, silent: 32},
		{name: "right secret, prefix of it", secret: hookSecret[:5], body: messageUpdate(1003, 33, "hi"), want: 401, silent: 33},
		{name: "too big", secret: hookSecret, body: `{"update_id":1004,"x":"` + strings.Repeat("a", MaxWebhookBody) + `"}`, want: 413},
		{name: "not an update", secret: hookSecret, body: `{"hello":`, want: 400},
		{name: "no update id", secret: hookSecret, body: `{"message":{}}`, want: 400},
		{name: "a message", secret: hookSecret, body: messageUpdate(1005, 35, "hi"), want: 200, answered: 35},
		{name: "the same again", secret: hookSecret, body: messageUpdate(1005, 35, "hi"), want: 200, answered: 35},
		{name: "a kind the bot ignores", secret: hookSecret, body: `{"update_id":1006,"edited_message":{"message_id":1,"date":1,"chat":{"id":36,"type":"private"},"text":"x"}}`, want: 200, silent: 36},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(t, url, tc.secret, tc.body); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	for _, tc := range tests {
		if n := len(r.api.MessagesTo(tc.silent)); tc.silent != 0 && n != 0 {
			t.Errorf("%s: chat %d got %d messages, want none", tc.name, tc.silent, n)
		}
		if n := len(r.api.MessagesTo(tc.answered)); tc.answered != 0 && n != 1 {
			t.Errorf("%s: chat %d got %d messages, want 1", tc.name, tc.answered, n)
		}
	}
	if n := len(r.api.CallsTo("getUpdates")); n != 0 {
		t.Errorf("webhook mode called getUpdates %d times", n)
	}
}

// TestWebhookLikeTelegram lets the fake deliver as Telegram does.
func TestWebhookLikeTelegram(t *testing.T) {
	r, _ := startWebhookRig(t)
	if r.api.WebhookSecret() != hookSecret {
		t.Errorf("secret_token %q was registered", r.api.WebhookSecret())
	}
	if got := r.api.AllowedUpdates(); strings.Join(got, ",") != strings.Join(AllowedUpdates, ",") {
		t.Errorf("allowed_updates %v, want %v", got, AllowedUpdates)
	}
	for chat := int64(40); chat < 45; chat++ {
		r.api.SendText(chat, chat, "en", "hi")
	}
	for chat := int64(40); chat < 45; chat++ {
		r.waitMessages(t, chat, 1)
	}
	for _, d := range r.api.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery of %d answered %d", d.UpdateID, d.Status)
		}
	}
}

func TestWebhookAnswers503WhileRedisIsAway(t *testing.T) {
	r, ts := startWebhookRig(t)
	r.storeDown.Store(true)
	r.journalDown.Store(true) // pings fail too: Redis is away
	if got := post(t, ts.URL+"/tg/hook", hookSecret, messageUpdate(2001, 51, "hi")); got != 503 {
		t.Errorf("status %d while Redis is away, want 503", got)
	}
	if n := len(r.api.MessagesTo(51)); n != 0 {
		t.Errorf("chat 51 got %d messages while Redis was away", n)
	}
	r.storeDown.Store(false)
	r.journalDown.Store(false)
	time.Sleep(pingEvery) // the last ping's answer is kept that long
	if got := post(t, ts.URL+"/tg/hook", hookSecret, messageUpdate(2001, 51, "hi")); got != 200 {
		t.Errorf("status %d after Redis is back, want 200", got)
	}
	if n := len(r.api.MessagesTo(51)); n != 1 {
		t.Errorf("chat 51 has %d messages once the 200 came, want 1: the answer is sent before it", n)
	}
}

// TestWebhookBrokenChatDataEndsInAnApology: the store fails for one chat
// while Redis answers pings: the request tries a few times, then answers
// with the apology and 200, so that Telegram does not send it for ever.
func TestWebhookBrokenChatDataEndsInAnApology(t *testing.T) {
	r, ts := startWebhookRig(t)
	r.storeDown.Store(true)
	if got := post(t, ts.URL+"/tg/hook", hookSecret, messageUpdate(2101, 52, "hi")); got != 200 {
		t.Errorf("status %d, want 200", got)
	}
	if got := r.texts(52); len(got) != 1 || !strings.Contains(got[0], "Apology") {
		t.Errorf("sent %q, want one apology", got)
	}
	if n := r.store.loads.Load(); n != maxHealthyRetries+1 {
		t.Errorf("%d attempts, want %d", n, maxHealthyRetries+1)
	}
}

// TestWebhookFloodIsAnsweredRetryAfter: over its limit a chat's update is
// answered 429 with Retry-After (Telegram holds it and the chat's next ones
// meanwhile), and the person gets one note; other chats are not slowed.
func TestWebhookFloodIsAnsweredRetryAfter(t *testing.T) {
	r, ts := startWebhookRig(t, func(c *Config) { c.Flood = FloodLimits{Rate: 0.5, Burst: 2, Queue: 5} })
	url := ts.URL + "/tg/hook"
	var codes []int
	var retryAfter []string
	for i := range 4 {
		code, after := postFull(t, url, hookSecret, messageUpdate(2201+i, 53, "spam"))
		codes, retryAfter = append(codes, code), append(retryAfter, after)
	}
	if fmt.Sprint(codes) != "[200 200 429 429]" || retryAfter[2] != "2" {
		t.Errorf("answers %v with Retry-After %q, want [200 200 429 429] and 2 s", codes, retryAfter)
	}
	got := r.texts(53)
	if len(got) != 3 || !strings.Contains(got[2], "FloodNote") {
		t.Errorf("flooder got %q, want two answers and one note", got)
	}
	if code, _ := postFull(t, url, hookSecret, messageUpdate(2301, 54, "hi")); code != 200 {
		t.Errorf("another chat answered %d", code)
	}
}

// TestWebhookStopDrains stops the bot right after an update was accepted:
// the stop waits until its answer is sent.
func TestWebhookStopDrains(t *testing.T) {
	r, ts := startWebhookRig(t)
	r.api.SetDelay("sendMessage", 500*time.Millisecond)
	if got := post(t, ts.URL+"/tg/hook", hookSecret, messageUpdate(3001, 61, "hi")); got != 200 {
		t.Fatalf("status %d", got)
	}
	if err := r.halt(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.api.MessagesTo(61)); n != 1 {
		t.Errorf("after the stop chat 61 has %d messages, want 1", n)
	}
	if got := post(t, ts.URL+"/tg/hook", hookSecret, messageUpdate(3002, 62, "hi")); got != 503 {
		t.Errorf("status %d after the stop, want 503", got)
	}
}
