package telegramtest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestGetUpdatesOffsetAndLimit(t *testing.T) {
	srv, bot := newBot(t)
	for i := 0; i < 5; i++ {
		if id := srv.SendText(42, 42, "km", "hello"); id != i+1 {
			t.Fatalf("update id = %d, want %d", id, i+1)
		}
	}
	steps := []struct {
		name        string
		cfg         tgbotapi.UpdateConfig
		wantIDs     []int
		wantPending int
	}{
		{"no offset returns all", tgbotapi.UpdateConfig{}, []int{1, 2, 3, 4, 5}, 5},
		{"limit", tgbotapi.UpdateConfig{Limit: 2}, []int{1, 2}, 5},
		{"offset confirms lower ids", tgbotapi.UpdateConfig{Offset: 3}, []int{3, 4, 5}, 3},
		{"confirmed stay gone without offset", tgbotapi.UpdateConfig{}, []int{3, 4, 5}, 3},
		{"negative offset keeps the last ones", tgbotapi.UpdateConfig{Offset: -1}, []int{5}, 1},
		{"offset past the end confirms all", tgbotapi.UpdateConfig{Offset: 6}, nil, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ups, err := bot.GetUpdates(st.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for _, u := range ups {
				ids = append(ids, u.UpdateID)
			}
			if !equalInts(ids, st.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, st.wantIDs)
			}
			if got := srv.PendingUpdates(); got != st.wantPending {
				t.Errorf("pending = %d, want %d", got, st.wantPending)
			}
		})
	}
}

func TestUpdateHelpersDecode(t *testing.T) {
	srv, bot := newBot(t)
	srv.SetUser(9, "Sok", "sok_dara")
	sent, err := bot.Send(tgbotapi.NewMessage(9, "menu"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		push  func() int
		check func(u tgbotapi.Update) bool
	}{
		{"text", func() int { return srv.SendText(9, 9, "km", "សួស្តី") }, func(u tgbotapi.Update) bool {
			m := u.Message
			return m.Text == "សួស្តី" && m.From.LanguageCode == "km" && m.From.FirstName == "Sok" &&
				m.Chat.Type == "private" && m.Chat.ID == 9 && m.MessageID > sent.MessageID && m.Date > 0
		}},
		{"command", func() int { return srv.SendCommand(9, 9, "en", "start ref42") }, func(u tgbotapi.Update) bool {
			return u.Message.IsCommand() && u.Message.Command() == "start" && u.Message.CommandArguments() == "ref42"
		}},
		{"button", func() int { return srv.PressButton(9, 9, "lo", sent.MessageID, "lang:lo") }, func(u tgbotapi.Update) bool {
			q := u.CallbackQuery
			return q.ID != "" && q.Data == "lang:lo" && q.From.ID == 9 && q.Message.MessageID == sent.MessageID &&
				q.Message.Text == "menu" && q.Message.Chat.ID == 9 && u.CallbackData() == "lang:lo"
		}},
		{"sticker", func() int { return srv.SendSticker(9, 9, "", "👍") }, func(u tgbotapi.Update) bool {
			return u.Message.Sticker != nil && u.Message.Sticker.Emoji == "👍" && u.Message.From.LanguageCode == ""
		}},
		{"photo", func() int { return srv.SendPhoto(9, 9, "th", "look") }, func(u tgbotapi.Update) bool {
			return len(u.Message.Photo) == 3 && u.Message.Caption == "look"
		}},
		{"voice", func() int { return srv.SendVoice(9, 9, "vi", 4) }, func(u tgbotapi.Update) bool {
			return u.Message.Voice != nil && u.Message.Voice.Duration == 4
		}},
		{"location", func() int { return srv.SendLocation(9, 9, "my", 11.55, 104.92) }, func(u tgbotapi.Update) bool {
			return u.Message.Location != nil && u.Message.Location.Latitude == 11.55
		}},
		{"contact", func() int { return srv.SendContact(9, 9, "zh", "+85512345678", "") }, func(u tgbotapi.Update) bool {
			c := u.Message.Contact
			return c != nil && c.PhoneNumber == "+85512345678" && c.UserID == 9 && c.FirstName == "Sok"
		}},
		{"document", func() int { return srv.SendDocument(9, 9, "en", "cv.pdf", "application/pdf") }, func(u tgbotapi.Update) bool {
			return u.Message.Document != nil && u.Message.Document.FileName == "cv.pdf"
		}},
		{"inline query", func() int { return srv.SendInlineQuery(9, "en", "rice") }, func(u tgbotapi.Update) bool {
			return u.InlineQuery != nil && u.InlineQuery.Query == "rice"
		}},
		{"raw push", func() int {
			return srv.PushJSON(`{"edited_message":{"message_id":1,"date":1,"chat":{"id":-1001234567890,"type":"supergroup"},"text":"x"}}`)
		},
			func(u tgbotapi.Update) bool {
				return u.EditedMessage != nil && u.EditedMessage.Chat.ID == -1001234567890
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.push()
			ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: id})
			if err != nil {
				t.Fatal(err)
			}
			if len(ups) != 1 || ups[0].UpdateID != id || !tt.check(ups[0]) {
				t.Errorf("update %d not as expected: %+v", id, ups)
			}
		})
	}
}

func TestLongPoll(t *testing.T) {
	srv, bot := newBot(t)

	start := time.Now()
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(ups) != 0 {
		t.Fatalf("empty long poll: %v %v", ups, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("timeout 1 returned after %v", d)
	}

	go func() {
		time.Sleep(100 * time.Millisecond)
		srv.SendText(1, 1, "en", "wake up")
	}()
	start = time.Now()
	ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "wake up" {
		t.Fatalf("long poll: %v %v", ups, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("long poll did not wake on a new update: %v", d)
	}
}

func TestLongPollCancelledByClient(t *testing.T) {
	srv := New(t, testToken)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/bot"+testToken+"/getUpdates",
		strings.NewReader(url.Values{"timeout": {"30"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected the client's deadline to end the request")
	}
	srv.WaitFor(t, func() bool {
		c := srv.CallsTo("getUpdates")
		return len(c) == 1 && c[0].Status != 0
	}, 2*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("server kept polling after cancel: %v", d)
	}
}

// A second long poll terminates the one already waiting, as telegram-bot-api
// does (Client::abort_long_poll): the older request gets the 409.
func TestConcurrentPollConflict(t *testing.T) {
	srv, bot := newBot(t)
	errs := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
		errs <- err
	}()
	srv.WaitFor(t, func() bool { return len(srv.CallsTo("getUpdates")) == 1 }, 2*time.Second)
	time.Sleep(20 * time.Millisecond) // let the first one start waiting

	var wg sync.WaitGroup
	wg.Add(1)
	var second []tgbotapi.Update
	var secondErr error
	go func() {
		defer wg.Done()
		second, secondErr = bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
	}()

	select {
	case err := <-errs:
		e := apiError(t, err)
		if e.Code != 409 || !strings.HasPrefix(e.Message, "Conflict: terminated by other getUpdates request") {
			t.Errorf("first poll got %+v", e)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("first poll was not terminated")
	}
	srv.SendText(1, 1, "en", "for the survivor")
	wg.Wait()
	if secondErr != nil || len(second) != 1 {
		t.Errorf("second poll: %v %v", second, secondErr)
	}
}

func TestAllowedUpdates(t *testing.T) {
	srv, bot := newBot(t)
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil { // v5 sends allowed_updates=null
		t.Fatal(err)
	}
	if got := srv.AllowedUpdates(); got != nil {
		t.Errorf("null recorded as %v", got)
	}
	srv.SendText(1, 1, "en", "dropped")
	srv.PressButton(1, 1, "en", 1, "kept")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"callback_query"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Errorf("filtered updates = %+v", ups)
	}
	if got := srv.AllowedUpdates(); len(got) != 1 || got[0] != "callback_query" {
		t.Errorf("AllowedUpdates = %v", got)
	}
	// Not sending the parameter keeps the previous setting.
	srv.SendText(1, 1, "en", "still dropped")
	if ups, _ := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1}); len(ups) != 0 {
		t.Errorf("message delivered despite allowed_updates: %+v", ups)
	}
}

func TestWebhookBlocksGetUpdates(t *testing.T) {
	srv, bot := newBot(t)
	wh, _ := tgbotapi.NewWebhook("https://example.com/hook")
	if _, err := bot.Request(wh); err != nil {
		t.Fatal(err)
	}
	if srv.WebhookURL() != "https://example.com/hook" {
		t.Errorf("webhook = %q", srv.WebhookURL())
	}
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if e := apiError(t, err); e.Code != 409 || !strings.Contains(e.Message, "webhook is active") {
		t.Errorf("got %+v", e)
	}
	srv.SendText(1, 1, "en", "x")
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil || len(ups) != 0 {
		t.Errorf("after deleteWebhook(drop): %v %v", ups, err)
	}
}

// The library's own polling loop works against the fake end to end.
func TestGetUpdatesChan(t *testing.T) {
	srv, bot := newBot(t)
	ch := bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 1})
	t.Cleanup(bot.StopReceivingUpdates)
	srv.SendText(3, 3, "en", "a")
	srv.SendText(3, 3, "en", "b")
	for _, want := range []string{"a", "b"} {
		select {
		case u := <-ch:
			if u.Message.Text != want {
				t.Errorf("got %q, want %q", u.Message.Text, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("no update %q", want)
		}
	}
	srv.WaitFor(t, func() bool { return srv.PendingUpdates() == 0 }, 3*time.Second)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Closing the server must not wait out a long poll.
func TestCloseEndsLongPoll(t *testing.T) {
	srv, bot := newBot(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 50})
	}()
	srv.WaitFor(t, func() bool { return len(srv.CallsTo("getUpdates")) == 1 }, 2*time.Second)
	start := time.Now()
	srv.Close()
	<-done
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
}
