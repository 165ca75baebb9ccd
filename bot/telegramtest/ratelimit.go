package telegramtest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// bucket is a token bucket: it holds up to burst tokens and gains rate per
// second. A call takes one token or is refused.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// take takes a token, or says how long until one is there.
func (b *bucket) take(now time.Time) (wait time.Duration, ok bool) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second)), false
}

// rateLimits is the state of SetRateLimit.
type rateLimits struct {
	global          *bucket
	perChat         float64
	chats           map[int64]*bucket
	overall, inChat int // calls refused by each limit
}

// SetRateLimit makes the server refuse calls beyond Telegram's flood limits,
// as Telegram does: 429 "Too Many Requests: retry after N" with
// parameters.retry_after N, N being the whole seconds until the call would
// have been accepted (at least 1). perSecond bounds the messages sent or
// edited in all chats together (Telegram: about 30/s), with a burst of
// perSecond/20 (at least 1): over any window of w seconds at most
// perSecond*w + burst are accepted. perChatPerSecond bounds the messages
// sent to one chat (Telegram: about 1/s), without burst; edits do not count
// there. A value <= 0 leaves that limit off; SetRateLimit(0, 0) turns both
// off. Every call counts, those that then fail for an injected fault
// included, as Telegram counts requests and not deliveries.
func (s *Server) SetRateLimit(perSecond, perChatPerSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.global = nil
	if perSecond > 0 {
		s.limits.global = newBucket(perSecond, max(1, perSecond/20), time.Now())
	}
	s.limits.perChat = max(0, perChatPerSecond)
	s.limits.chats = map[int64]*bucket{}
}

// RateLimited is how many calls SetRateLimit's limits refused with 429:
// overall for exceeding perSecond, perChat for exceeding perChatPerSecond
// (the faults injected by FailNext and SetFailureRate are not counted).
func (s *Server) RateLimited() (overall, perChat int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits.overall, s.limits.inChat
}

// countsForGlobal: Telegram's overall limit is on messages, sent or edited.
var countsForGlobal = map[string]bool{
	"sendMessage": true, "sendDocument": true, "editMessageText": true, "editMessageReplyMarkup": true,
}

// countsForChat: a chat's limit is on new messages in it.
var countsForChat = map[string]bool{"sendMessage": true, "sendDocument": true}

// overLimit decides whether a call exceeds SetRateLimit's limits. A call
// refused by the chat's limit does not take a token from the global one.
func (s *Server) overLimit(r *request) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.limits.perChat > 0 && countsForChat[r.method] {
		if id, err := strconv.ParseInt(r.params.Get("chat_id"), 10, 64); err == nil {
			b := s.limits.chats[id]
			if b == nil {
				b = newBucket(s.limits.perChat, 1, now)
				s.limits.chats[id] = b
			}
			if wait, ok := b.take(now); !ok {
				s.limits.inChat++
				return tooMany(wait), true
			}
		}
	}
	if s.limits.global != nil && countsForGlobal[r.method] {
		if wait, ok := s.limits.global.take(now); !ok {
			s.limits.overall++
			return tooMany(wait), true
		}
	}
	return reply{}, false
}

func tooMany(wait time.Duration) reply {
	return faultReply(http.StatusTooManyRequests, int(math.Ceil(wait.Seconds())))
}

// SentCount is how many messages the bot sent to a chat (sendMessage and
// sendDocument that succeeded; edits are not counted). It is cheap for any
// number of chats, unlike MessagesTo.
func (s *Server) SentCount(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return c.sent
	}
	return 0
}

// SentCounts is SentCount for every chat the bot sent a message to.
func (s *Server) SentCounts() map[int64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]int, len(s.chats))
	for id, c := range s.chats {
		if c.sent > 0 {
			out[id] = c.sent
		}
	}
	return out
}
