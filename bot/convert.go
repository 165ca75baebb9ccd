package bot

import (
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/flows"
)

// AllowedUpdates are the update kinds the bot asks Telegram for. Anything
// else would only cost bandwidth.
var AllowedUpdates = []string{"message", "callback_query", "inline_query", "my_chat_member"}

// maxTextBytes bounds what a typed message may carry into the flows; Telegram
// itself caps messages at 4096 characters.
const maxTextBytes = 16 << 10

// incoming is one update made ready for the flows, with what the transport
// must do besides: answer the button press at once.
type incoming struct {
	event      flows.Event
	callbackID string
	// replyToUser is who wrote the message this one answers; the bot keeps
	// event.ReplyToText only when that is itself.
	replyToUser int64
}

// toEvent converts an update. ok is false for updates the bot ignores
// (edits, channel posts, membership changes).
func toEvent(u tgbotapi.Update) (in incoming, ok bool) {
	switch {
	case u.CallbackQuery != nil:
		in, ok = fromCallback(u.CallbackQuery)
	case u.Message != nil && u.Message.Chat != nil && u.Message.Chat.ID != 0 && !isService(u.Message):
		in, ok = fromMessage(u.Message), true
	}
	in.event.UpdateID = int64(u.UpdateID)
	return in, ok
}

func fromCallback(q *tgbotapi.CallbackQuery) (incoming, bool) {
	if q.Message == nil || q.Message.Chat == nil || q.Message.Chat.ID == 0 {
		// A button on an inline-mode message: no chat to answer in.
		return incoming{callbackID: q.ID}, false
	}
	ev := flows.Event{
		ChatID:    q.Message.Chat.ID,
		Kind:      flows.KindButton,
		Data:      q.Data,
		MessageID: q.Message.MessageID,
		Group:     !q.Message.Chat.IsPrivate(),
	}
	setSender(&ev, q.From)
	return incoming{event: ev, callbackID: q.ID}, true
}

func fromMessage(m *tgbotapi.Message) incoming {
	ev := flows.Event{ChatID: m.Chat.ID, MessageID: m.MessageID, Group: !m.Chat.IsPrivate()}
	setSender(&ev, m.From)
	in := incoming{}
	if r := m.ReplyToMessage; r != nil && r.From != nil {
		ev.ReplyToText, in.replyToUser = cleanText(r.Text), r.From.ID
	}
	text := cleanText(m.Text)
	switch {
	case strings.HasPrefix(text, "/"):
		ev.Kind = flows.KindCommand
		ev.Command, ev.Text = splitCommand(text)
	case text != "":
		ev.Kind, ev.Text = flows.KindText, text
	default:
		ev.Kind, ev.Other = flows.KindOther, otherKind(m)
	}
	in.event = ev
	return in
}

func setSender(ev *flows.Event, from *tgbotapi.User) {
	if from != nil {
		ev.UserID = from.ID
		ev.ClientLang = from.LanguageCode
	}
}

// splitCommand parses "/Start@mekong_bot payload" into ("start", "payload").
// It reads the text itself rather than trusting entity offsets.
func splitCommand(text string) (name, args string) {
	head, args, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(args)
}

// cleanText makes typed text safe to handle: valid UTF-8, bounded in size.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > maxTextBytes {
		s = s[:maxTextBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return strings.TrimSpace(s)
}

// isService reports a message the chat itself produced (someone joined or
// left, a title or photo changed, a message was pinned, a group became a
// supergroup): nobody wrote to the bot, so it must not answer.
func isService(m *tgbotapi.Message) bool {
	return len(m.NewChatMembers) > 0 || m.LeftChatMember != nil || m.NewChatTitle != "" ||
		len(m.NewChatPhoto) > 0 || m.DeleteChatPhoto || m.GroupChatCreated || m.SuperGroupChatCreated ||
		m.ChannelChatCreated || m.MigrateToChatID != 0 || m.MigrateFromChatID != 0 ||
		m.PinnedMessage != nil || m.MessageAutoDeleteTimerChanged != nil
}

// otherKind names a message the bot cannot read, for logs and metrics.
func otherKind(m *tgbotapi.Message) string {
	kinds := []struct {
		present bool
		name    string
	}{
		{m.Sticker != nil, "sticker"}, {len(m.Photo) > 0, "photo"}, {m.Voice != nil, "voice"},
		{m.Video != nil, "video"}, {m.VideoNote != nil, "video_note"}, {m.Audio != nil, "audio"},
		{m.Animation != nil, "animation"}, {m.Document != nil, "document"},
		{m.Location != nil, "location"}, {m.Contact != nil, "contact"}, {m.Poll != nil, "poll"},
	}
	for _, k := range kinds {
		if k.present {
			return k.name
		}
	}
	return "other"
}
