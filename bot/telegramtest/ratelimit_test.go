package telegramtest

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestSetRateLimit(t *testing.T) {
	type call struct {
		chat      int64
		edit      bool // edit the chat's first message instead of sending
		wantRetry int  // 0: accepted
	}
	tests := []struct {
		name            string
		global, perChat float64
		calls           []call
		wantRateLimited [2]int // overall, per chat
		wantSentInChat1 int
	}{
		{"off", 0, 0, []call{{1, false, 0}, {1, false, 0}, {1, false, 0}}, [2]int{0, 0}, 3},
		{"global, burst 1 at 20/s", 20, 0, []call{{1, false, 0}, {2, false, 1}, {3, false, 1}}, [2]int{2, 0}, 1},
		{"global burst is a twentieth", 40, 0, []call{{1, false, 0}, {2, false, 0}, {3, false, 1}}, [2]int{1, 0}, 1},
		{"per chat", 0, 1, []call{{1, false, 0}, {1, false, 1}, {2, false, 0}}, [2]int{0, 1}, 1},
		{"per chat spares edits", 0, 1, []call{{1, false, 0}, {1, true, 0}, {1, true, 0}}, [2]int{0, 0}, 1},
		{"global counts edits", 20, 0, []call{{1, false, 0}, {1, true, 1}}, [2]int{1, 0}, 1},
		{"slow per chat rate waits longer", 0, 0.25, []call{{1, false, 0}, {1, false, 4}}, [2]int{0, 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := newBot(t)
			srv.SetRateLimit(tt.global, tt.perChat)
			for i, c := range tt.calls {
				var err error
				if c.edit {
					_, err = bot.Send(tgbotapi.NewEditMessageText(c.chat, 1, "edit "+string(rune('a'+i))))
				} else {
					_, err = bot.Send(tgbotapi.NewMessage(c.chat, "x"))
				}
				if c.wantRetry == 0 {
					if err != nil {
						t.Errorf("call %d: %v", i, err)
					}
					continue
				}
				e := apiError(t, err)
				if e.Code != 429 || e.RetryAfter != c.wantRetry {
					t.Errorf("call %d: got %d retry_after %d, want 429 retry_after %d", i, e.Code, e.RetryAfter, c.wantRetry)
				}
			}
			if o, c := srv.RateLimited(); [2]int{o, c} != tt.wantRateLimited {
				t.Errorf("RateLimited = %d, %d; want %v", o, c, tt.wantRateLimited)
			}
			if n := srv.SentCount(1); n != tt.wantSentInChat1 {
				t.Errorf("SentCount(1) = %d, want %d", n, tt.wantSentInChat1)
			}
		})
	}
}

// TestSendToUnseenChats: a broadcast writes to chats that never wrote in
// this server's lifetime; each is counted on its own.
func TestSendToUnseenChats(t *testing.T) {
	srv, bot := newBot(t)
	ids := []int64{987654321, 5, -42, -1001234567890}
	for _, id := range ids {
		m, err := bot.Send(tgbotapi.NewMessage(id, "news"))
		if err != nil || m.Chat.ID != id || m.MessageID != 1 {
			t.Fatalf("chat %d: message %+v, %v", id, m, err)
		}
	}
	if _, err := bot.Send(tgbotapi.NewMessage(5, "again")); err != nil {
		t.Fatal(err)
	}
	counts := srv.SentCounts()
	if len(counts) != len(ids) || counts[5] != 2 || counts[987654321] != 1 || srv.SentCount(6) != 0 {
		t.Errorf("SentCounts = %v", counts)
	}
	srv.Reset()
	if len(srv.SentCounts()) != 0 {
		t.Errorf("Reset kept counts")
	}
}

// TestRateLimitBeforeFaults: a call refused for the flood limit does not
// consume an injected fault, and Reset turns the limit off.
func TestRateLimitBeforeFaults(t *testing.T) {
	srv, bot := newBot(t)
	srv.SetRateLimit(20, 0)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "x")); err != nil {
		t.Fatal(err)
	}
	srv.FailNext("sendMessage", 1, 500, 0)
	if e := apiError(t, sendErr(bot, 1)); e.Code != 429 {
		t.Errorf("want the flood 429 first, got %+v", e)
	}
	srv.SetRateLimit(0, 0)
	if e := apiError(t, sendErr(bot, 1)); e.Code != 500 {
		t.Errorf("want the injected 500, got %+v", e)
	}
	srv.SetRateLimit(20, 0)
	srv.Reset()
	for range 3 {
		if err := sendErr(bot, 1); err != nil {
			t.Errorf("after Reset: %v", err)
		}
	}
}

func sendErr(bot *tgbotapi.BotAPI, chat int64) error {
	_, err := bot.Send(tgbotapi.NewMessage(chat, "x"))
	return err
}
