package telegramtest

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func keyboard(data ...string) tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, d := range data {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData("btn "+d, d))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}

func TestSendMessageValidation(t *testing.T) {
	_, bot := newBot(t)
	msg := func(text, mode string) tgbotapi.MessageConfig {
		m := tgbotapi.NewMessage(5, text)
		m.ParseMode = mode
		return m
	}
	tests := []struct {
		name    string
		cfg     tgbotapi.Chattable
		wantErr string // "" means success
	}{
		{"plain", msg("hello", ""), ""},
		{"html ok", msg(`<b>bold</b> <a href="https://x.org">l</a> &lt;3 &amp; <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">s</span> <blockquote>q</blockquote>`, "HTML"), ""},
		{"unknown entity kept", msg("fish &nbsp; chips", "HTML"), ""},
		{"empty text", msg("", ""), "Bad Request: message text is empty"},
		{"only markup", msg("<b> </b>", "HTML"), "Bad Request: message text is empty"},
		{"missing chat", tgbotapi.MessageConfig{Text: "x"}, "Bad Request: chat_id is empty"},
		{"4096 UTF-16 units ok", msg(strings.Repeat("ក", 4096), ""), ""},
		{"4097 too long", msg(strings.Repeat("a", 4097), ""), "Bad Request: message is too long"},
		{"emoji count twice", msg(strings.Repeat("😀", 2049), ""), "Bad Request: message is too long"},
		{"length after tags", msg("<b>"+strings.Repeat("a", 4096)+"</b>", "HTML"), ""},
		{"unclosed tag", msg("<b>bold", "HTML"), `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"unknown tag", msg("<p>x</p>", "HTML"), `Bad Request: can't parse entities: Unsupported start tag "p" at byte offset 0`},
		{"bare less-than", msg("1 < 2", "HTML"), `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"mismatched", msg("<b><i>x</b></i>", "HTML"), `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"bad parse mode", msg("x", "XML"), "Bad Request: unsupported parse_mode"},
		{"callback data 64 ok", tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 5, ReplyMarkup: keyboard(strings.Repeat("d", 64))}, Text: "k"}, ""},
		{"callback data 65", tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 5, ReplyMarkup: keyboard(strings.Repeat("d", 65))}, Text: "k"}, "Bad Request: BUTTON_DATA_INVALID"},
		{"text-only inline button", tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 5, ReplyMarkup: tgbotapi.NewInlineKeyboardMarkup([]tgbotapi.InlineKeyboardButton{{Text: "t"}})}, Text: "k"},
			"Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"reply keyboard accepted", tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 5, ReplyMarkup: tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("share")))}, Text: "k"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Send(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.wantErr {
				t.Errorf("got %d %q, want 400 %q", e.Code, e.Message, tt.wantErr)
			}
		})
	}
}

func TestInvalidMarkupJSON(t *testing.T) {
	_, bot := newBot(t)
	_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "5", "text": "x", "reply_markup": "{nope"})
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: can't parse reply keyboard markup JSON object" {
		t.Errorf("got %+v", e)
	}
}

func TestSendEchoesAndRecords(t *testing.T) {
	srv, bot := newBot(t)
	srv.SendText(5, 5, "en", "hi") // user message takes id 1 in the chat
	cfg := tgbotapi.NewMessage(5, "<b>Hello</b> world")
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.ReplyMarkup = keyboard("a", "b")
	m, err := bot.Send(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != 2 || m.Text != "Hello world" || m.From.ID != bot.Self.ID || m.Chat.ID != 5 {
		t.Errorf("echo = %+v", m)
	}
	if len(m.Entities) != 1 || m.Entities[0].Type != "bold" || m.Entities[0].Length != 5 {
		t.Errorf("entities = %+v", m.Entities)
	}
	if m.ReplyMarkup == nil || *m.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "b" {
		t.Errorf("reply_markup not echoed: %+v", m.ReplyMarkup)
	}
	other, _ := bot.Send(tgbotapi.NewMessage(6, "x"))
	if other.MessageID != 1 {
		t.Errorf("message ids are not per chat: %d", other.MessageID)
	}
	last, found := srv.LastMessage(5)
	want := [][]Button{{{Text: "btn a", Data: "a"}, {Text: "btn b", Data: "b"}}}
	if !found || last.Text != "<b>Hello</b> world" || last.Plain != "Hello world" || last.MessageID != 2 ||
		len(last.Buttons) != 1 || last.Buttons[0][0] != want[0][0] || last.Buttons[0][1] != want[0][1] {
		t.Errorf("LastMessage = %+v", last)
	}
	if c := srv.CallsTo("sendMessage"); len(c) != 2 || c[0].Params.Get("parse_mode") != "HTML" || c[0].At.IsZero() {
		t.Errorf("calls = %+v", c)
	}
}

func TestEdits(t *testing.T) {
	srv, bot := newBot(t)
	cfg := tgbotapi.NewMessage(5, "pick")
	cfg.ReplyMarkup = keyboard("a")
	m, err := bot.Send(cfg)
	if err != nil {
		t.Fatal(err)
	}
	userMsg := srv.SendText(5, 5, "en", "mine") // update id, not message id
	_ = userMsg
	tests := []struct {
		name    string
		cfg     tgbotapi.Chattable
		wantErr string
	}{
		{"same text and markup", tgbotapi.NewEditMessageTextAndMarkup(5, m.MessageID, "pick", keyboard("a")), "Bad Request: " + notModified},
		{"same markup only", tgbotapi.NewEditMessageReplyMarkup(5, m.MessageID, keyboard("a")), "Bad Request: " + notModified},
		{"unknown message", tgbotapi.NewEditMessageText(5, 999, "x"), "Bad Request: message to edit not found"},
		{"unknown chat", tgbotapi.NewEditMessageText(77, m.MessageID, "x"), "Bad Request: message to edit not found"},
		{"user's message", tgbotapi.NewEditMessageText(5, m.MessageID+1, "x"), "Bad Request: message can't be edited"},
		{"empty text", tgbotapi.NewEditMessageText(5, m.MessageID, ""), "Bad Request: message text is empty"},
		{"same text drops keyboard", tgbotapi.NewEditMessageText(5, m.MessageID, "pick"), ""},
		{"now unchanged", tgbotapi.NewEditMessageText(5, m.MessageID, "pick"), "Bad Request: " + notModified},
		{"new markup", tgbotapi.NewEditMessageReplyMarkup(5, m.MessageID, keyboard("b")), ""},
		{"new text keeps going", tgbotapi.NewEditMessageTextAndMarkup(5, m.MessageID, "<i>picked</i>", keyboard("b")), ""},
		{"html plain equal is not modified", func() tgbotapi.Chattable {
			e := tgbotapi.NewEditMessageTextAndMarkup(5, m.MessageID, "<i>picked</i>", keyboard("b"))
			return e
		}(), "Bad Request: " + notModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Send(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.wantErr {
				t.Errorf("got %d %q, want %q", e.Code, e.Message, tt.wantErr)
			}
		})
	}
	log := srv.MessagesTo(5)
	var methods []string
	for _, s := range log {
		methods = append(methods, s.Method)
	}
	if got := strings.Join(methods, ","); got != "sendMessage,editMessageText,editMessageReplyMarkup,editMessageText" {
		t.Errorf("MessagesTo methods = %s", got)
	}
	if cur, found := srv.Message(5, m.MessageID); !found || cur.Text != "<i>picked</i>" || cur.Buttons[0][0].Data != "b" {
		t.Errorf("current message = %+v", cur)
	}
}

func TestDeleteCallbackDocumentAndMisc(t *testing.T) {
	srv, bot := newBot(t)
	m, _ := bot.Send(tgbotapi.NewMessage(5, "bye"))
	press := srv.PressButton(5, 5, "en", m.MessageID, "x")
	ups, _ := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: press})
	qid := ups[0].CallbackQuery.ID

	doc := tgbotapi.NewDocument(5, tgbotapi.FileBytes{Name: "guide.pdf", Bytes: []byte("%PDF-1.4")})
	doc.Caption = "<b>Guide</b>"
	doc.ParseMode = tgbotapi.ModeHTML
	longCaption := tgbotapi.NewDocument(5, tgbotapi.FileID("BQAC-existing"))
	longCaption.Caption = strings.Repeat("c", 1025)

	tests := []struct {
		name    string
		cfg     tgbotapi.Chattable
		wantErr string
	}{
		{"answer callback", tgbotapi.NewCallback(qid, "ok"), ""},
		{"answer twice", tgbotapi.NewCallback(qid, "ok"), "Bad Request: query is too old and response timeout expired or query ID is invalid"},
		{"delete", tgbotapi.NewDeleteMessage(5, m.MessageID), ""},
		{"delete again", tgbotapi.NewDeleteMessage(5, m.MessageID), "Bad Request: message to delete not found"},
		{"upload document", doc, ""},
		{"document by file id", tgbotapi.NewDocument(5, tgbotapi.FileID("BQAC-existing")), ""},
		{"caption too long", longCaption, "Bad Request: message caption is too long"},
		{"chat action", tgbotapi.NewChatAction(5, tgbotapi.ChatTyping), ""},
		{"bad chat action", tgbotapi.NewChatAction(5, "dancing"), "Bad Request: wrong parameter action in request"},
		{"commands", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Start"}), ""},
		{"bad command", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Start!", Description: "Start"}), "Bad Request: BOT_COMMAND_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			// v5.5.1 drops error_code for multipart uploads; check the text.
			if e := apiError(t, err); e.Message != tt.wantErr {
				t.Errorf("got %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
	for _, method := range []string{"setMyDescription", "setMyShortDescription"} {
		if _, err := bot.MakeRequest(method, tgbotapi.Params{"description": "x", "short_description": "x"}); err != nil {
			t.Errorf("%s: %v", method, err)
		}
	}
	if _, found := srv.Message(5, m.MessageID); found {
		t.Error("deleted message still present")
	}
	up := srv.CallsTo("sendDocument")[0].Files["document"]
	if up.FileName != "guide.pdf" || string(up.Data) != "%PDF-1.4" {
		t.Errorf("upload = %+v", up)
	}
	last, _ := srv.LastMessage(5)
	if last.Method != "sendDocument" || last.Document != "BQAC-existing" {
		t.Errorf("last = %+v", last)
	}
	if got := srv.MessagesTo(5); len(got) != 3 || got[1].Text != "<b>Guide</b>" || got[1].Plain != "Guide" {
		t.Errorf("MessagesTo = %+v", got)
	}
}
