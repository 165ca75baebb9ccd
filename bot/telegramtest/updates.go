package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// maxLongPoll is Telegram's cap on getUpdates' timeout, in seconds.
const maxLongPoll = 50

const (
	conflictPoll    = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	conflictWebhook = "Conflict: terminated by setWebhook request"
	conflictActive  = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)

// updateTypes are the names allowed_updates understands; the last three are
// not delivered unless asked for explicitly.
var updateTypes = []string{
	"message", "edited_message", "channel_post", "edited_channel_post",
	"business_connection", "business_message", "edited_business_message",
	"deleted_business_messages", "inline_query", "chosen_inline_result",
	"callback_query", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "my_chat_member",
	"chat_join_request", "chat_boost", "removed_chat_boost",
	"chat_member", "message_reaction", "message_reaction_count",
}

type queued struct {
	id   int
	kind string // "message", "callback_query", ...
	raw  json.RawMessage
	lane string // its webhook queue (see webhook.go)
}

// longPoll is the getUpdates request currently waiting for updates.
type longPoll struct {
	done   chan struct{}
	reason string // set before done is closed
}

func getMe(s *Server, _ *request) reply { return ok(s.botUser()) }

// getUpdates follows telegram-bot-api: confirm by offset, answer at once if
// anything is pending or timeout is 0, otherwise wait; a newer long poll
// terminates the waiting one with 409.
func getUpdates(s *Server, r *request) reply {
	offset := intParam(r, "offset", 0)
	limit := min(max(intParam(r, "limit", 100), 1), 100)
	timeout := min(max(intParam(r, "timeout", 0), 0), maxLongPoll)

	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return fail(409, conflictActive)
	}
	s.setAllowedLocked(r.params.Get("allowed_updates"))
	s.confirmLocked(offset)
	ups := s.collectLocked(limit)
	if len(ups) > 0 || timeout == 0 {
		s.mu.Unlock()
		return ok(ups)
	}
	s.abortPollLocked(conflictPoll)
	me := &longPoll{done: make(chan struct{})}
	s.poll = me
	wake := s.wake
	s.mu.Unlock()

	defer func() {
		s.mu.Lock()
		if s.poll == me {
			s.poll = nil
		}
		s.mu.Unlock()
	}()
	timer := time.NewTimer(time.Duration(timeout) * time.Second)
	defer timer.Stop()
	for {
		select {
		case <-wake:
			s.mu.Lock()
			ups = s.collectLocked(limit)
			wake = s.wake
			s.mu.Unlock()
			if len(ups) > 0 {
				return ok(ups)
			}
		case <-me.done:
			return fail(409, me.reason)
		case <-timer.C:
			return ok([]json.RawMessage{})
		case <-r.ctx.Done():
			return ok([]json.RawMessage{})
		case <-s.closing:
			return ok([]json.RawMessage{})
		}
	}
}

func (s *Server) abortPollLocked(reason string) {
	if s.poll != nil {
		s.poll.reason = reason
		close(s.poll.done)
		s.poll = nil
	}
}

// setAllowedLocked records allowed_updates. Like Telegram, a missing or
// unparsable value (v5 sends "null" when unset) keeps the previous setting
// and an empty list means the default set.
func (s *Server) setAllowedLocked(raw string) {
	var list []string
	if raw == "" || json.Unmarshal([]byte(raw), &list) != nil || list == nil {
		return
	}
	s.allowedSeen = list
	s.allowed = nil
	for _, name := range list {
		name = strings.ToLower(name)
		for _, known := range updateTypes {
			if name == known {
				if s.allowed == nil {
					s.allowed = map[string]bool{}
				}
				s.allowed[name] = true
			}
		}
	}
}

func (s *Server) isAllowedLocked(kind string) bool {
	if s.allowed == nil {
		return kind != "chat_member" && kind != "message_reaction" && kind != "message_reaction_count"
	}
	return s.allowed[kind]
}

// confirmLocked forgets updates below a positive offset, or all but the
// last -offset ones for a negative offset.
func (s *Server) confirmLocked(offset int) {
	switch {
	case offset < 0:
		if keep := -offset; len(s.queue) > keep {
			s.queue = append([]queued(nil), s.queue[len(s.queue)-keep:]...)
		}
	case offset > 0:
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			i++
		}
		s.queue = s.queue[i:]
	}
}

// collectLocked returns up to limit pending updates. Updates of types not in
// allowed_updates are dropped, as Telegram would never have stored them.
func (s *Server) collectLocked(limit int) []json.RawMessage {
	out := []json.RawMessage{}
	kept := s.queue[:0:0]
	for _, q := range s.queue {
		if !s.isAllowedLocked(q.kind) {
			continue
		}
		kept = append(kept, q)
		if len(out) < limit {
			out = append(out, q.raw)
		}
	}
	s.queue = kept
	return out
}

// PendingUpdates returns how many updates are queued and not yet confirmed
// by a getUpdates offset.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// AllowedUpdates returns the last allowed_updates list a getUpdates call
// sent, or nil if none did. An empty non-nil slice means "[]" was sent.
func (s *Server) AllowedUpdates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allowedSeen == nil {
		return nil
	}
	return append([]string{}, s.allowedSeen...)
}

func (s *Server) enqueueLocked(update map[string]any) int {
	s.nextUpdateID++
	id := s.nextUpdateID
	update["update_id"] = id
	kind := ""
	var body any
	for k, v := range update {
		if k == "update_id" {
			continue
		}
		kind, body = k, v
		if obj, isObj := v.(map[string]any); isObj && (k == "callback_query" || k == "inline_query") {
			if qid, isStr := obj["id"].(string); isStr {
				s.queries[qid] = true
			}
		}
	}
	raw, err := json.Marshal(update)
	if err != nil {
		s.tb.Errorf("telegramtest: can't encode update: %v", err)
	}
	s.queue = append(s.queue, queued{id: id, kind: kind, raw: raw, lane: webhookLane(id, kind, body)})
	s.wakeLocked()
	return id
}

// wakeLocked tells whoever waits for updates (a long poll, the webhook
// deliverer) to look again.
func (s *Server) wakeLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

func setWebhook(s *Server, r *request) reply {
	if secret := r.params.Get("secret_token"); !validSecretToken(secret) {
		return badRequest("secret token contains unallowed characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = r.params.Get("url")
	s.webhookSecret = r.params.Get("secret_token")
	s.webhookMaxConns = min(max(intParam(r, "max_connections", defaultMaxConns), 1), 100)
	s.setAllowedLocked(r.params.Get("allowed_updates"))
	if s.webhookURL != "" {
		s.abortPollLocked(conflictWebhook)
	}
	if boolParam(r, "drop_pending_updates") {
		s.queue = nil
	}
	s.startDeliveryLocked()
	return ok(true)
}

func deleteWebhook(s *Server, r *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = ""
	if boolParam(r, "drop_pending_updates") {
		s.queue = nil
	}
	return ok(true)
}

func getWebhookInfo(s *Server, _ *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(map[string]any{
		"url":                    s.webhookURL,
		"has_custom_certificate": false,
		"pending_update_count":   len(s.queue),
	})
}

// WebhookURL returns the URL set by setWebhook ("" if none). While it is a
// loopback URL, queued updates are delivered to it (see webhook.go).
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL
}

func intParam(r *request, key string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.params.Get(key)))
	if err != nil {
		return def
	}
	return n
}

func boolParam(r *request, key string) bool {
	v := r.params.Get(key)
	return strings.EqualFold(v, "true") || v == "1"
}

// validSecretToken follows setWebhook: 1-256 characters A-Z, a-z, 0-9, _
// and -, or none at all.
func validSecretToken(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
