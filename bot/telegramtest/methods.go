package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// methods maps lower-cased method names (Telegram ignores case) to handlers.
// Anything else is answered 404 Not Found.
var methods = map[string]struct {
	name string
	fn   handler
}{}

func init() {
	for name, fn := range map[string]handler{
		"getMe":                  getMe,
		"getUpdates":             getUpdates,
		"setWebhook":             setWebhook,
		"deleteWebhook":          deleteWebhook,
		"getWebhookInfo":         getWebhookInfo,
		"sendMessage":            sendMessage,
		"editMessageText":        editMessageText,
		"editMessageReplyMarkup": editMessageReplyMarkup,
		"deleteMessage":          deleteMessage,
		"sendDocument":           sendDocument,
		"sendChatAction":         sendChatAction,
		"answerCallbackQuery":    answerQuery("callback_query_id"),
		"answerInlineQuery":      answerQuery("inline_query_id"),
		"setMyCommands":          setMyCommands,
		"setMyDescription":       acceptTrue,
		"setMyShortDescription":  acceptTrue,
	} {
		methods[strings.ToLower(name)] = struct {
			name string
			fn   handler
		}{name, fn}
	}
}

// Sent is one message the bot sent or edited, as MessagesTo reports it.
type Sent struct {
	Method    string     // sendMessage, editMessageText, editMessageReplyMarkup or sendDocument
	ChatID    int64      //
	MessageID int        //
	Text      string     // text or caption as the bot sent it (with markup)
	ParseMode string     //
	Plain     string     // text as Telegram shows it (markup removed)
	Buttons   [][]Button // inline keyboard; nil if none
	Document  string     // sendDocument: file name, file_id or URL
	At        time.Time  //
}

// Button is an inline keyboard button.
type Button struct {
	Text string
	Data string // callback_data
	URL  string
}

type chatState struct {
	nextID int
	msgs   map[int]*storedMsg
	log    []Sent
	sent   int // messages the bot sent here, for SentCount
}

type storedMsg struct {
	id       int
	date     int64
	fromUser int64 // 0 for the bot's own messages
	hasText  bool
	text     string // raw, as sent
	plain    string
	parse    string
	entities []map[string]any
	textKey  string
	markup   markup
	document map[string]any
	docName  string
}

func (s *Server) chatLocked(chatID int64) *chatState {
	c := s.chats[chatID]
	if c == nil {
		c = &chatState{msgs: map[int]*storedMsg{}}
		s.chats[chatID] = c
	}
	return c
}

// MessagesTo returns what the bot sent or edited in a chat, in order.
func (s *Server) MessagesTo(chatID int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return append([]Sent(nil), c.log...)
	}
	return nil
}

// LastMessage returns the last entry of MessagesTo(chatID).
func (s *Server) LastMessage(chatID int64) (Sent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil && len(c.log) > 0 {
		return c.log[len(c.log)-1], true
	}
	return Sent{}, false
}

// Message returns the current state of a message the bot sent (after edits);
// false if unknown, deleted or sent by a user.
func (s *Server) Message(chatID int64, messageID int) (Sent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil || c.msgs[messageID] == nil || c.msgs[messageID].fromUser != 0 {
		return Sent{}, false
	}
	return c.msgs[messageID].sent("", chatID), true
}

func (m *storedMsg) sent(method string, chatID int64) Sent {
	return Sent{
		Method: method, ChatID: chatID, MessageID: m.id, Text: m.text, ParseMode: m.parse,
		Plain: m.plain, Buttons: m.markup.buttons, Document: m.docName, At: time.Now(),
	}
}

// messageJSONLocked renders a stored message as Telegram's Message object.
func (s *Server) messageJSONLocked(chatID int64, messageID int) map[string]any {
	j := map[string]any{"message_id": messageID, "date": time.Now().Unix(), "chat": s.chatJSONLocked(chatID, chatID)}
	m := s.chatLocked(chatID).msgs[messageID]
	if m == nil {
		return j
	}
	j["date"] = m.date
	if m.fromUser != 0 {
		j["from"] = s.userJSONLocked(m.fromUser, "")
	} else {
		j["from"] = s.botUser()
	}
	textKey, entKey := "text", "entities"
	if m.document != nil {
		j["document"] = m.document
		textKey, entKey = "caption", "caption_entities"
	}
	if m.plain != "" {
		j[textKey] = m.plain
	}
	if m.entities != nil {
		j[entKey] = m.entities
	}
	if m.markup.inline != nil {
		j["reply_markup"] = map[string]any{"inline_keyboard": m.markup.inline}
	}
	return j
}

// chatParam reads chat_id like Telegram: required, numeric here.
func chatParam(r *request) (int64, *reply) {
	v := r.params.Get("chat_id")
	if v == "" {
		return 0, errReply(badRequest("chat_id is empty"))
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return 0, errReply(badRequest("chat not found"))
	}
	return id, nil
}

func sendMessage(s *Server, r *request) reply {
	chatID, rep := chatParam(r)
	if rep != nil {
		return *rep
	}
	f, rep := formatText(r.params.Get("text"), r.params.Get("parse_mode"), r.params.Get("entities"),
		maxTextLen, "message text is empty", "message is too long")
	if rep != nil {
		return *rep
	}
	mk, rep := parseMarkup(r.params.Get("reply_markup"))
	if rep != nil {
		return *rep
	}
	return s.storeSent(r.method, chatID, &storedMsg{
		hasText: true, text: f.raw, plain: f.plain, parse: f.parseMode, entities: f.entities, textKey: f.key, markup: mk,
	})
}

func sendDocument(s *Server, r *request) reply {
	chatID, rep := chatParam(r)
	if rep != nil {
		return *rep
	}
	name := r.params.Get("document")
	size := 0
	if up, has := r.files["document"]; has {
		name, size = up.FileName, len(up.Data)
	}
	if name == "" {
		return badRequest("there is no document in the request")
	}
	f, rep := formatText(r.params.Get("caption"), r.params.Get("parse_mode"), r.params.Get("caption_entities"),
		maxCaptionLen, "", "message caption is too long")
	if rep != nil {
		return *rep
	}
	mk, rep := parseMarkup(r.params.Get("reply_markup"))
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	id, uid := s.fileLocked("BQACAgUA")
	s.mu.Unlock()
	doc := map[string]any{"file_id": id, "file_unique_id": uid, "file_name": name, "file_size": max(size, 1)}
	if up, has := r.files["document"]; has {
		doc["mime_type"] = "application/octet-stream"
		if strings.HasSuffix(strings.ToLower(up.FileName), ".pdf") {
			doc["mime_type"] = "application/pdf"
		}
	}
	return s.storeSent(r.method, chatID, &storedMsg{
		text: f.raw, plain: f.plain, parse: f.parseMode, entities: f.entities, textKey: f.key, markup: mk,
		document: doc, docName: name,
	})
}

// storeSent gives a new bot message the chat's next id and logs it.
func (s *Server) storeSent(method string, chatID int64, m *storedMsg) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	c.nextID++
	m.id, m.date = c.nextID, time.Now().Unix()
	c.msgs[m.id] = m
	c.log = append(c.log, m.sent(method, chatID))
	c.sent++
	return ok(s.messageJSONLocked(chatID, m.id))
}

// editTarget finds the bot message an edit refers to.
func (s *Server) editTargetLocked(chatID int64, r *request) (*storedMsg, *reply) {
	id, err := strconv.Atoi(r.params.Get("message_id"))
	if err != nil || id <= 0 {
		return nil, errReply(badRequest("message identifier is not specified"))
	}
	m := s.chatLocked(chatID).msgs[id]
	if m == nil {
		return nil, errReply(badRequest("message to edit not found"))
	}
	if m.fromUser != 0 {
		return nil, errReply(badRequest("message can't be edited"))
	}
	return m, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func editMessageText(s *Server, r *request) reply {
	f, rep := formatText(r.params.Get("text"), r.params.Get("parse_mode"), r.params.Get("entities"),
		maxTextLen, "message text is empty", "message is too long")
	if rep != nil {
		return *rep
	}
	mk, rep := parseMarkup(r.params.Get("reply_markup"))
	if rep != nil {
		return *rep
	}
	return s.edit(r, func(m *storedMsg) *reply {
		if !m.hasText {
			rep := badRequest("there is no text in the message to edit")
			return &rep
		}
		if m.textKey == f.key && m.markup.key == mk.key {
			rep := badRequest(notModified)
			return &rep
		}
		m.text, m.plain, m.parse, m.entities, m.textKey, m.markup = f.raw, f.plain, f.parseMode, f.entities, f.key, mk
		return nil
	})
}

func editMessageReplyMarkup(s *Server, r *request) reply {
	mk, rep := parseMarkup(r.params.Get("reply_markup"))
	if rep != nil {
		return *rep
	}
	return s.edit(r, func(m *storedMsg) *reply {
		if m.markup.key == mk.key {
			rep := badRequest(notModified)
			return &rep
		}
		m.markup = mk
		return nil
	})
}

// edit is what every edit method shares: inline messages are accepted
// blindly (the fake does not store them); otherwise the target message is
// found, change applies the edit or refuses it, and the result is logged.
func (s *Server) edit(r *request, change func(m *storedMsg) *reply) reply {
	if r.params.Get("inline_message_id") != "" {
		return ok(true)
	}
	chatID, rep := chatParam(r)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rep := s.editTargetLocked(chatID, r)
	if rep != nil {
		return *rep
	}
	if rep := change(m); rep != nil {
		return *rep
	}
	c := s.chatLocked(chatID)
	c.log = append(c.log, m.sent(r.method, chatID))
	return ok(s.messageJSONLocked(chatID, m.id))
}

func deleteMessage(s *Server, r *request) reply {
	chatID, rep := chatParam(r)
	if rep != nil {
		return *rep
	}
	id, err := strconv.Atoi(r.params.Get("message_id"))
	if err != nil || id <= 0 {
		return badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	if c.msgs[id] == nil {
		return badRequest("message to delete not found")
	}
	delete(c.msgs, id)
	return ok(true)
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func sendChatAction(s *Server, r *request) reply {
	if _, rep := chatParam(r); rep != nil {
		return *rep
	}
	if !chatActions[r.params.Get("action")] {
		return badRequest("wrong parameter action in request")
	}
	return ok(true)
}

// answerQuery answers callback and inline queries: each id the server issued
// can be answered once, like Telegram's QUERY_ID_INVALID.
func answerQuery(idParam string) handler {
	return func(s *Server, r *request) reply {
		id := r.params.Get(idParam)
		if idParam == "inline_query_id" {
			var results []json.RawMessage
			if json.Unmarshal([]byte(r.params.Get("results")), &results) != nil {
				return badRequest("can't parse JSON-serialized array of inline query results")
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.queries[id] {
			return badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		delete(s.queries, id)
		return ok(true)
	}
}

func setMyCommands(_ *Server, r *request) reply {
	var cmds []map[string]any
	raw := r.params.Get("commands")
	if json.Unmarshal([]byte(raw), &cmds) != nil {
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			return badRequest("can't parse commands JSON object")
		}
		return badRequest("expected an Array of BotCommand")
	}
	for _, c := range cmds {
		name, _ := c["command"].(string)
		if !validCommand(name) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if d, _ := c["description"].(string); d == "" || utf16Len(d) > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	return ok(true)
}

// validCommand: 1-32 lowercase letters, digits and underscores.
func validCommand(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func acceptTrue(*Server, *request) reply { return ok(true) }
