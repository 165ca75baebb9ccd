package bot

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/flows"
)

func msg(text string) *tgbotapi.Message {
	return &tgbotapi.Message{MessageID: 5, Text: text, Chat: &tgbotapi.Chat{ID: 9, Type: "private"},
		From: &tgbotapi.User{ID: 9, LanguageCode: "km"}}
}

func TestToEvent(t *testing.T) {
	joined := msg("")
	joined.NewChatMembers = []tgbotapi.User{{ID: 3}}
	migrated := msg("")
	migrated.MigrateToChatID = -1001
	pinned := msg("")
	pinned.PinnedMessage = msg("old")
	sticker := msg("")
	sticker.Sticker = &tgbotapi.Sticker{FileID: "x"}
	photo := msg("")
	photo.Photo = []tgbotapi.PhotoSize{{FileID: "y"}}
	tests := []struct {
		name   string
		update tgbotapi.Update
		ok     bool
		want   flows.Event
	}{
		{"command with bot name and payload", tgbotapi.Update{Message: msg("/Start@mekong_bot pre.fees")}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, ClientLang: "km", Kind: flows.KindCommand, Command: "start", Text: "pre.fees"}},
		{"text", tgbotapi.Update{Message: msg("  hello  ")}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, ClientLang: "km", Kind: flows.KindText, Text: "hello"}},
		{"invalid UTF-8 is repaired", tgbotapi.Update{Message: msg("a\xffb")}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, ClientLang: "km", Kind: flows.KindText, Text: "a\uFFFDb"}},
		{"sticker", tgbotapi.Update{Message: sticker}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, ClientLang: "km", Kind: flows.KindOther, Other: "sticker"}},
		{"photo", tgbotapi.Update{Message: photo}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, ClientLang: "km", Kind: flows.KindOther, Other: "photo"}},
		{"button", tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{ID: "c1", Data: "m", From: &tgbotapi.User{ID: 9},
			Message: msg("menu")}}, true,
			flows.Event{ChatID: 9, UserID: 9, MessageID: 5, Kind: flows.KindButton, Data: "m"}},
		{"button on an inline message has no chat", tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{ID: "c2", Data: "m"}}, false, flows.Event{}},
		{"edited message is ignored", tgbotapi.Update{EditedMessage: msg("x")}, false, flows.Event{}},
		{"someone joining is not a message to the bot", tgbotapi.Update{Message: joined}, false, flows.Event{}},
		{"a group becoming a supergroup is not a message", tgbotapi.Update{Message: migrated}, false, flows.Event{}},
		{"a pinned message is not a message", tgbotapi.Update{Message: pinned}, false, flows.Event{}},
		{"message without chat is ignored", tgbotapi.Update{Message: &tgbotapi.Message{Text: "x"}}, false, flows.Event{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := toEvent(tt.update)
			if ok != tt.ok || in.event != tt.want {
				t.Errorf("toEvent = %+v, %v; want %+v, %v", in.event, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHugeTextIsBounded(t *testing.T) {
	in, _ := toEvent(tgbotapi.Update{Message: msg(strings.Repeat("ខ", 20000))})
	if len(in.event.Text) > maxTextBytes {
		t.Errorf("text of %d bytes passed through", len(in.event.Text))
	}
}
