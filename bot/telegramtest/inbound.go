package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds what users "do": helpers that queue updates the way a
// Telegram client would produce them.

// Push queues a raw update such as {"edited_message": {...}}. Its update_id
// is assigned (and overwritten) by the server and returned.
func (s *Server) Push(update map[string]any) int {
	u := make(map[string]any, len(update)+1)
	for k, v := range update {
		u[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enqueueLocked(u)
}

// PushJSON queues an update given as JSON; see Push. Invalid JSON fails the
// test.
func (s *Server) PushJSON(raw string) int {
	s.tb.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var u map[string]any
	if err := dec.Decode(&u); err != nil {
		s.tb.Fatalf("telegramtest: PushJSON: %v", err)
		return 0
	}
	return s.Push(u)
}

type userInfo struct{ firstName, username string }

// SetUser sets the names used for a user in updates (default first name
// "Test", username "user<ID>").
func (s *Server) SetUser(userID int64, firstName, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[userID] = userInfo{firstName, username}
}

func (s *Server) userJSONLocked(userID int64, langCode string) map[string]any {
	u, found := s.users[userID]
	if !found {
		u = userInfo{"Test", fmt.Sprintf("user%d", userID)}
	}
	m := map[string]any{"id": userID, "is_bot": false, "first_name": u.firstName}
	if u.username != "" {
		m["username"] = u.username
	}
	if langCode != "" {
		m["language_code"] = langCode
	}
	return m
}

// chatJSONLocked describes a chat: positive ids are private chats with the
// user, -100… ids supergroups and other negative ids basic groups.
func (s *Server) chatJSONLocked(chatID, userID int64) map[string]any {
	switch {
	case chatID <= -1000000000000:
		return map[string]any{"id": chatID, "type": "supergroup", "title": "Test Supergroup"}
	case chatID < 0:
		return map[string]any{"id": chatID, "type": "group", "title": "Test Group"}
	}
	u := s.userJSONLocked(userID, "")
	c := map[string]any{"id": chatID, "type": "private", "first_name": u["first_name"]}
	if name, has := u["username"]; has {
		c["username"] = name
	}
	return c
}

func (s *Server) nextSeqLocked() int64 {
	s.seq++
	return s.seq
}

func (s *Server) fileLocked(prefix string) (fileID, uniqueID string) {
	n := s.nextSeqLocked()
	return fmt.Sprintf("%sAAxkBAAI%08dAAE", prefix, n), fmt.Sprintf("AgAD%06d", n)
}

// pushMessage queues a "message" update from userID in chatID; fill adds
// the content fields.
func (s *Server) pushMessage(chatID, userID int64, langCode string, fill func(m map[string]any)) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	c.nextID++
	m := map[string]any{
		"message_id": c.nextID,
		"date":       time.Now().Unix(),
		"chat":       s.chatJSONLocked(chatID, userID),
		"from":       s.userJSONLocked(userID, langCode),
	}
	fill(m)
	text, hasText := m["text"].(string)
	c.msgs[c.nextID] = &storedMsg{id: c.nextID, date: m["date"].(int64), fromUser: userID, hasText: hasText, text: text, plain: text}
	return s.enqueueLocked(map[string]any{"message": m})
}

// SendText queues a text message from a user and returns its update_id.
func (s *Server) SendText(chatID, userID int64, langCode, text string) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) { m["text"] = text })
}

// SendReply queues a text message that replies to message replyTo of the
// same chat (one the bot sent, or one a user sent); the update carries
// reply_to_message with that message's stored text and sender, as Telegram's does.
func (s *Server) SendReply(chatID, userID int64, langCode string, replyTo int, text string) int {
	s.mu.Lock()
	original := s.messageJSONLocked(chatID, replyTo)
	s.mu.Unlock()
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		m["text"] = text
		m["reply_to_message"] = original
	})
}

// SendCommand queues a command such as "/start" or "/start payload" (the
// leading slash is added if missing) with its bot_command entity.
func (s *Server) SendCommand(chatID, userID int64, langCode, command string) int {
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	word := command
	if i := strings.IndexAny(command, " \n\t"); i >= 0 {
		word = command[:i]
	}
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		m["text"] = command
		m["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": utf16Len(word)}}
	})
}

// PressButton queues a callback_query for an inline button with callback
// data on messageID. The query id is remembered so answerCallbackQuery can be
// checked; the message carries its stored text and keyboard if known.
func (s *Server) PressButton(chatID, userID int64, langCode string, messageID int, data string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.FormatInt(4000000000000000000+s.nextSeqLocked(), 10)
	return s.enqueueLocked(map[string]any{"callback_query": map[string]any{
		"id":            id,
		"from":          s.userJSONLocked(userID, langCode),
		"message":       s.messageJSONLocked(chatID, messageID),
		"chat_instance": strconv.FormatInt(chatID*7919+1, 10),
		"data":          data,
	}})
}

// SendInlineQuery queues an inline_query from a user.
func (s *Server) SendInlineQuery(userID int64, langCode, query string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.FormatInt(5000000000000000000+s.nextSeqLocked(), 10)
	return s.enqueueLocked(map[string]any{"inline_query": map[string]any{
		"id":        id,
		"from":      s.userJSONLocked(userID, langCode),
		"query":     query,
		"offset":    "",
		"chat_type": "sender",
	}})
}

// SendSticker queues a sticker message with the given emoji.
func (s *Server) SendSticker(chatID, userID int64, langCode, emoji string) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		id, uid := s.fileLocked("CAACAgIA")
		m["sticker"] = map[string]any{
			"file_id": id, "file_unique_id": uid, "type": "regular",
			"width": 512, "height": 512, "is_animated": false, "is_video": false,
			"emoji": emoji, "set_name": "TestStickers", "file_size": 23145,
		}
	})
}

// SendPhoto queues a photo message (three sizes) with an optional caption.
func (s *Server) SendPhoto(chatID, userID int64, langCode, caption string) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		var sizes []any
		for _, wh := range [][2]int{{90, 68}, {320, 240}, {1280, 960}} {
			id, uid := s.fileLocked("AgACAgUA")
			sizes = append(sizes, map[string]any{
				"file_id": id, "file_unique_id": uid, "width": wh[0], "height": wh[1], "file_size": wh[0] * wh[1] / 8,
			})
		}
		m["photo"] = sizes
		if caption != "" {
			m["caption"] = caption
		}
	})
}

// SendVoice queues a voice message lasting seconds.
func (s *Server) SendVoice(chatID, userID int64, langCode string, seconds int) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		id, uid := s.fileLocked("AwACAgUA")
		m["voice"] = map[string]any{
			"file_id": id, "file_unique_id": uid, "duration": seconds,
			"mime_type": "audio/ogg", "file_size": 2000 * max(seconds, 1),
		}
	})
}

// SendLocation queues a location message.
func (s *Server) SendLocation(chatID, userID int64, langCode string, lat, lon float64) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		m["location"] = map[string]any{"latitude": lat, "longitude": lon}
	})
}

// SendContact queues a contact shared with the request_contact button: it
// carries the sender's user_id. An empty firstName means the sender's own.
func (s *Server) SendContact(chatID, userID int64, langCode, phone, firstName string) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		if firstName == "" {
			firstName, _ = m["from"].(map[string]any)["first_name"].(string)
		}
		m["contact"] = map[string]any{"phone_number": phone, "first_name": firstName, "user_id": userID}
	})
}

// SendDocument queues a document message.
func (s *Server) SendDocument(chatID, userID int64, langCode, fileName, mimeType string) int {
	return s.pushMessage(chatID, userID, langCode, func(m map[string]any) {
		id, uid := s.fileLocked("BQACAgUA")
		m["document"] = map[string]any{
			"file_id": id, "file_unique_id": uid, "file_name": fileName,
			"mime_type": mimeType, "file_size": 10240,
		}
	})
}
