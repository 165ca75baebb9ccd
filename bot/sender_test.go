package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mekongbot/bot/telegramtest"
	"mekongbot/flows"
)

const token = "42:sender-test-token"

func newTestSender(t *testing.T) (*Sender, *telegramtest.Server) {
	api := telegramtest.New(t, token)
	s := NewSender(newAPI(token, api.Endpoint(), 5*time.Second), SendLimits{PerSecond: 1000, PerChat: 100, ChatBurst: 10}, slog.New(slog.DiscardHandler))
	return s, api
}

func TestSenderDelivers(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(api *telegramtest.Server)
		reply     flows.Reply
		messageID int
		wantErr   bool
		wantCalls map[string]int
	}{
		{name: "plain message", reply: flows.Reply{Title: "T", Text: "x"},
			wantCalls: map[string]int{"sendMessage": 1}},
		{name: "waits out 429 retry_after", fail: func(a *telegramtest.Server) { a.FailNext("sendMessage", 1, 429, 1) },
			reply: flows.Reply{Text: "x"}, wantCalls: map[string]int{"sendMessage": 2}},
		{name: "retries 500 and 502", fail: func(a *telegramtest.Server) {
			a.FailNext("sendMessage", 1, 500, 0)
			a.FailNext("sendMessage", 1, 502, 0)
		},
			reply: flows.Reply{Text: "x"}, wantCalls: map[string]int{"sendMessage": 3}},
		{name: "blocked by the user is final", fail: func(a *telegramtest.Server) { a.BlockChat(7) },
			reply: flows.Reply{Text: "x"}, wantErr: true, wantCalls: map[string]int{"sendMessage": 1}},
		{name: "edit of an unknown message falls back to a new message", reply: flows.Reply{Text: "x", Edit: true}, messageID: 999,
			wantCalls: map[string]int{"editMessageText": 1, "sendMessage": 1}},
		{name: "a long reply is split", reply: flows.Reply{Text: string(make([]byte, 5000))},
			wantCalls: map[string]int{"sendMessage": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, api := newTestSender(t)
			if tt.fail != nil {
				tt.fail(api)
			}
			if tt.reply.Text == string(make([]byte, 5000)) {
				tt.reply.Text = longText(5000)
			}
			err := s.Deliver(context.Background(), 7, tt.messageID, []flows.Reply{tt.reply})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Deliver error = %v, want error %v", err, tt.wantErr)
			}
			for method, n := range tt.wantCalls {
				if got := len(api.CallsTo(method)); got != n {
					t.Errorf("%d calls to %s, want %d", got, method, n)
				}
			}
		})
	}
}

func longText(n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = 'a' + rune(i%26)
		if i%100 == 99 {
			b[i] = ' '
		}
	}
	return string(b)
}

func TestEditNotModifiedIsSuccess(t *testing.T) {
	s, api := newTestSender(t)
	ctx := context.Background()
	if err := s.Deliver(ctx, 7, 0, []flows.Reply{{Text: "same"}}); err != nil {
		t.Fatal(err)
	}
	sent, _ := api.LastMessage(7)
	if err := s.Deliver(ctx, 7, sent.MessageID, []flows.Reply{{Text: "same", Edit: true}}); err != nil {
		t.Errorf("not modified should count as success, got %v", err)
	}
	if n := len(api.CallsTo("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls, want 1 (no fallback on not-modified)", n)
	}
}

func TestSenderErrorsHideTheToken(t *testing.T) {
	s := NewSender(newAPI(token, "http://127.0.0.1:1/bot%s/%s", time.Second), SendLimits{PerSecond: 1000, PerChat: 100, ChatBurst: 10}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := s.Deliver(ctx, 7, 0, []flows.Reply{{Text: "x"}})
	if err == nil {
		t.Fatal("want an error from an unreachable API")
	}
	if red := Redact(err, token); red.Error() == err.Error() && strings.Contains(err.Error(), token) {
		t.Errorf("redaction did nothing: %v", err)
	}
	if strings.Contains(Redact(err, token).Error(), token) {
		t.Errorf("token visible: %v", Redact(err, token))
	}
	if !errors.Is(Redact(err, token), err) {
		t.Error("Redact must keep the error chain")
	}
}

// TestSenderRetriesAClientTimeout: a request Telegram does not answer in
// time is sent again, and the message arrives once.
func TestSenderRetriesAClientTimeout(t *testing.T) {
	api := telegramtest.New(t, token)
	m := NewMetrics()
	s := NewSender(newAPI(token, api.Endpoint(), 200*time.Millisecond), SendLimits{PerSecond: 100, PerChat: 100, ChatBurst: 10}, slog.New(slog.DiscardHandler))
	s.metrics = m
	api.SetDelay("sendMessage", time.Second)
	time.AfterFunc(100*time.Millisecond, func() { api.SetDelay("sendMessage", 0) })
	if err := s.Deliver(context.Background(), 1, 0, []flows.Reply{{Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(api.MessagesTo(1)); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
	if body := scrape(t, m); !strings.Contains(body, `mekongbot_telegram_requests_total{method="sendMessage",result="timeout"} 1`) {
		t.Errorf("the timeout was not counted:\n%s", grep(body, "requests_total"))
	}
}

func TestDeliverStopsAfterAFailedRelay(t *testing.T) {
	tests := []struct {
		name      string
		blocked   int64
		wantRelay bool // ErrRelayFailed
		wantTo5   int  // messages chat 5 gets
		wantTo9   int  // messages chat 9 gets
	}{
		{name: "all delivered", wantTo5: 2, wantTo9: 1},
		{name: "relay target blocked: the confirmation is not sent", blocked: 9, wantRelay: true, wantTo5: 1},
		{name: "own chat blocked: the relay still goes", blocked: 5, wantTo9: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, api := newTestSender(t)
			if tt.blocked != 0 {
				api.BlockChat(tt.blocked)
			}
			replies := []flows.Reply{{Text: "before"}, {ChatID: 9, Text: "relayed"}, {Text: "sent to the team"}}
			err := s.Deliver(context.Background(), 5, 0, replies)
			if errors.Is(err, ErrRelayFailed) != tt.wantRelay {
				t.Errorf("err = %v, want ErrRelayFailed %v", err, tt.wantRelay)
			}
			if got := len(api.MessagesTo(5)); got != tt.wantTo5 {
				t.Errorf("chat 5 got %d messages, want %d", got, tt.wantTo5)
			}
			if got := len(api.MessagesTo(9)); got != tt.wantTo9 {
				t.Errorf("chat 9 got %d messages, want %d", got, tt.wantTo9)
			}
		})
	}
}

// TestButtonAnswersSkipTheMessageLimit: answering a button is no message,
// so it does not wait behind messages for the overall message rate.
func TestButtonAnswersSkipTheMessageLimit(t *testing.T) {
	api := telegramtest.New(t, token)
	// One message a minute overall: the second message would wait a minute.
	s := NewSender(newAPI(token, api.Endpoint(), 5*time.Second),
		SendLimits{PerSecond: 1.0 / 60, PerChat: 100, ChatBurst: 10}, slog.New(slog.DiscardHandler))
	if err := s.Deliver(t.Context(), 7, 0, []flows.Reply{{Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// The fake knows no such button: its 400 shows the call was made.
	var apiErr *APIError
	if err := s.AnswerButton(ctx, "cb-1"); err != nil && !errors.As(err, &apiErr) {
		t.Fatalf("answering a button waited for the message limit: %v", err)
	}
	if err := s.Deliver(ctx, 7, 0, []flows.Reply{{Text: "y"}}); err == nil {
		t.Error("a second message went out at once under a limit of one a minute")
	}
}
