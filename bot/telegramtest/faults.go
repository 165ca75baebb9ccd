package telegramtest

import (
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"time"
)

// Any matches every method except getUpdates and getMe in FailNext and
// SetDelay, so that a polling loop cannot swallow faults meant for sends.
// Target those two by name.
const Any = "*"

type fault struct {
	method     string
	n          int
	code       int
	retryAfter int
}

// FailNext makes the next n calls of method (or Any) fail with code, with
// Telegram's description for it: 429 "Too Many Requests: retry after N" and
// parameters.retry_after N (retryAfter, at least 1), 403 "Forbidden: bot was
// blocked by the user", 500 "Internal Server Error", 502 "Bad Gateway", and
// so on. Rules are consumed in the order they were added.
func (s *Server) FailNext(method string, n int, code int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, n: n, code: code, retryAfter: retryAfter})
}

// SetFailureRate makes each call fail with probability p, drawn from a
// generator seeded with seed: half of the failures are 429 with retry_after
// 1, a quarter 500 and a quarter 502. Without methods it applies to all but
// getUpdates and getMe. p = 0 turns it off.
func (s *Server) SetFailureRate(p float64, seed int64, methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate, s.rng, s.rateFor = p, rand.New(rand.NewSource(seed)), nil
	if len(methods) > 0 {
		s.rateFor = map[string]bool{}
		for _, m := range methods {
			s.rateFor[m] = true
		}
	}
}

// SetDelay makes the server wait d before answering method (or Any); a
// method's own delay wins over Any. d = 0 removes it. The wait ends early if
// the client gives up, so a client timeout shorter than d sees a timeout;
// the call is then not carried out (recorded with StatusClientGone).
func (s *Server) SetDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, method)
		return
	}
	s.delays[method] = d
}

// BlockChat makes every call addressed to chatID fail with 403, as when the
// user blocked the bot (or the bot was removed from a group).
func (s *Server) BlockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// UnblockChat undoes BlockChat.
func (s *Server) UnblockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

func matchesAny(method string) bool { return method != "getUpdates" && method != "getMe" }

func (s *Server) delayFor(method string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, has := s.delays[method]; has {
		return d
	}
	if matchesAny(method) {
		return s.delays[Any]
	}
	return 0
}

// injectedFault decides whether a call fails for a test-injected reason.
func (s *Server) injectedFault(r *request) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.n > 0 && (f.method == r.method || f.method == Any && matchesAny(r.method)) {
			f.n--
			return faultReply(f.code, f.retryAfter), true
		}
	}
	if s.rate > 0 && (s.rateFor[r.method] || s.rateFor == nil && matchesAny(r.method)) && s.rng.Float64() < s.rate {
		switch s.rng.Intn(4) {
		case 0, 1:
			return faultReply(http.StatusTooManyRequests, 1), true
		case 2:
			return faultReply(http.StatusInternalServerError, 0), true
		default:
			return faultReply(http.StatusBadGateway, 0), true
		}
	}
	if id, err := strconv.ParseInt(r.params.Get("chat_id"), 10, 64); err == nil && s.blocked[id] {
		switch {
		case id <= -1000000000000:
			return fail(403, "Forbidden: bot was kicked from the supergroup chat"), true
		case id < 0:
			return fail(403, "Forbidden: bot was kicked from the group chat"), true
		}
		return fail(403, "Forbidden: bot was blocked by the user"), true
	}
	return reply{}, false
}

func faultReply(code, retryAfter int) reply {
	switch code {
	case http.StatusBadRequest:
		return badRequest("injected failure")
	case http.StatusForbidden:
		return fail(code, "Forbidden: bot was blocked by the user")
	case http.StatusConflict:
		return fail(code, conflictPoll)
	case http.StatusTooManyRequests:
		retryAfter = max(retryAfter, 1)
		return reply{code: code, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
	}
	if text := http.StatusText(code); text != "" {
		return fail(code, text)
	}
	return fail(code, fmt.Sprintf("Error %d", code))
}
