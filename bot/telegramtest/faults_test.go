package telegramtest

import (
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestFailNext(t *testing.T) {
	tests := []struct {
		name           string
		method         string
		code, retry    int
		wantCode       int
		wantMsg        string
		wantRetryAfter int
	}{
		{"flood", "sendMessage", 429, 7, 429, "Too Many Requests: retry after 7", 7},
		{"flood without retry", "sendMessage", 429, 0, 429, "Too Many Requests: retry after 1", 1},
		{"blocked", Any, 403, 0, 403, "Forbidden: bot was blocked by the user", 0},
		{"server error", Any, 500, 0, 500, "Internal Server Error", 0},
		{"bad gateway", "sendMessage", 502, 0, 502, "Bad Gateway", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := newBot(t)
			srv.FailNext(tt.method, 2, tt.code, tt.retry)
			for i := 0; i < 2; i++ {
				_, err := bot.Send(tgbotapi.NewMessage(1, "x"))
				e := apiError(t, err)
				if e.Code != tt.wantCode || e.Message != tt.wantMsg || e.RetryAfter != tt.wantRetryAfter {
					t.Errorf("try %d: got %+v", i, e)
				}
			}
			if _, err := bot.Send(tgbotapi.NewMessage(1, "x")); err != nil {
				t.Errorf("third call still failing: %v", err)
			}
			if c := srv.CallsTo("sendMessage"); len(c) != 3 || c[0].Status != tt.wantCode || c[2].Status != 200 {
				t.Errorf("recorded statuses: %+v", c)
			}
			if n := len(srv.MessagesTo(1)); n != 1 {
				t.Errorf("failed sends were stored: %d", n)
			}
		})
	}
}

func TestAnySparesPolling(t *testing.T) {
	srv, bot := newBot(t)
	srv.FailNext(Any, 1, 500, 0)
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("getUpdates consumed a wildcard fault: %v", err)
	}
	srv.FailNext("getUpdates", 1, 502, 0)
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if e := apiError(t, err); e.Code != 502 {
		t.Errorf("got %+v", e)
	}
}

func TestBlockChat(t *testing.T) {
	srv, bot := newBot(t)
	for _, id := range []int64{10, -20, -1001234567890} {
		srv.BlockChat(id)
	}
	tests := []struct {
		chat int64
		want string
	}{
		{10, "Forbidden: bot was blocked by the user"},
		{-20, "Forbidden: bot was kicked from the group chat"},
		{-1001234567890, "Forbidden: bot was kicked from the supergroup chat"},
	}
	for _, tt := range tests {
		_, err := bot.Send(tgbotapi.NewMessage(tt.chat, "x"))
		if e := apiError(t, err); e.Code != 403 || e.Message != tt.want {
			t.Errorf("chat %d: got %+v", tt.chat, e)
		}
	}
	if _, err := bot.Send(tgbotapi.NewMessage(11, "x")); err != nil {
		t.Errorf("other chat failed: %v", err)
	}
	srv.UnblockChat(10)
	if _, err := bot.Send(tgbotapi.NewMessage(10, "x")); err != nil {
		t.Errorf("unblocked chat failed: %v", err)
	}
}

func TestSetDelay(t *testing.T) {
	srv, bot := newBot(t)
	srv.SetDelay("sendMessage", 300*time.Millisecond)
	start := time.Now()
	if _, err := bot.Send(tgbotapi.NewMessage(1, "slow")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("answered after %v", d)
	}
	bot.Client = &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := bot.Send(tgbotapi.NewMessage(1, "timeout")); err == nil {
		t.Error("expected a client timeout")
	}
	srv.SetDelay("sendMessage", 0)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "fast")); err != nil {
		t.Errorf("after removing delay: %v", err)
	}
	srv.WaitFor(t, func() bool { return srv.CallsTo("sendMessage")[1].Status != 0 }, 2*time.Second)
	if c := srv.CallsTo("sendMessage"); c[1].Status != StatusClientGone {
		t.Errorf("the timed-out call was recorded with %d, want %d", c[1].Status, StatusClientGone)
	}
	if n := len(srv.MessagesTo(1)); n != 2 {
		t.Errorf("%d messages stored, want 2: the timed-out one is not carried out", n)
	}
}

func TestFailureRateIsDeterministic(t *testing.T) {
	run := func() []int {
		srv, bot := newBot(t)
		srv.SetFailureRate(0.5, 42)
		var codes []int
		for i := 0; i < 40; i++ {
			_, err := bot.Send(tgbotapi.NewMessage(1, "x"))
			code := 200
			if err != nil {
				e := apiError(t, err)
				code = e.Code
				if code == 429 && e.RetryAfter != 1 {
					t.Errorf("429 without retry_after: %+v", e)
				}
			}
			codes = append(codes, code)
		}
		if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
			t.Errorf("failure rate hit getUpdates: %v", err)
		}
		return codes
	}
	a, b := run(), run()
	if !equalInts(a, b) {
		t.Errorf("same seed, different failures:\n%v\n%v", a, b)
	}
	seen := map[int]bool{}
	for _, c := range a {
		seen[c] = true
	}
	for _, c := range []int{200, 429, 500, 502} {
		if !seen[c] {
			t.Errorf("never saw %d in %v", c, a)
		}
	}
}
