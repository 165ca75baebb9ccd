package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bot identity answered by getMe.
const (
	BotFirstName = "Mekong Bot"
	BotUsername  = "mekong_test_bot"
)

// Server is a fake Telegram Bot API server. Create it with New.
type Server struct {
	tb      testing.TB
	token   string
	botID   int64
	http    *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu    sync.Mutex
	gen   int // bumped by Reset
	calls []Call

	// updates.go
	nextUpdateID int
	queue        []queued
	wake         chan struct{}
	poll         *longPoll
	allowedSeen  []string
	allowed      map[string]bool
	webhookURL   string
	// webhook.go
	webhookSecret   string
	deliveries      []Delivery
	delivering      bool            // the delivery loop runs
	webhookMaxConns int             // concurrent deliveries at most
	lanes           map[string]lane // delivery state of each queue that has one
	inFlight        int             // deliveries under way
	queries         map[string]bool // callback and inline query ids not yet answered
	users           map[int64]userInfo
	seq             int64

	// methods.go
	chats map[int64]*chatState

	// faults.go
	faults  []fault
	rate    float64
	rng     *rand.Rand
	rateFor map[string]bool
	delays  map[string]time.Duration
	blocked map[int64]bool

	// ratelimit.go
	limits rateLimits
}

// Call is one request the fake received with a valid token.
type Call struct {
	Method string            // canonical method name, e.g. "sendMessage"
	Params url.Values        // form, multipart or JSON parameters
	Files  map[string]Upload // multipart file parts by field name
	At     time.Time         // when the request arrived
	Status int               // HTTP status answered; 0 while still in flight
}

// Upload is a file part of a multipart request.
type Upload struct {
	FileName string
	Data     []byte
}

// StatusClientGone is the Status recorded for a call whose client gave up
// while SetDelay held it; such a call is not carried out.
const StatusClientGone = 499

// reply is what a method handler answers.
type reply struct {
	code       int // 0 or 200 means ok
	desc       string
	retryAfter int
	result     any
}

func ok(result any) reply { return reply{result: result} }

func fail(code int, desc string) reply { return reply{code: code, desc: desc} }

func badRequest(desc string) reply { return fail(400, "Bad Request: "+desc) }

type request struct {
	ctx    context.Context
	method string
	params url.Values
	files  map[string]Upload
}

type handler func(s *Server, r *request) reply

// New starts a fake Bot API server accepting token and closes it when the
// test ends.
func New(tb testing.TB, token string) *Server {
	tb.Helper()
	s := &Server{
		tb:      tb,
		token:   token,
		botID:   botIDFromToken(token),
		closing: make(chan struct{}),
	}
	s.resetLocked()
	s.http = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server. Pending long polls and delays are cut short so
// that closing never waits for them. It is called automatically on cleanup.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.http.Close()
	})
}

// Endpoint returns the format string for tgbotapi.NewBotAPIWithAPIEndpoint
// and BotAPI.SetAPIEndpoint, e.g. "http://127.0.0.1:PORT/bot%s/%s".
func (s *Server) Endpoint() string { return s.http.URL + "/bot%s/%s" }

// URL returns the server's base URL, e.g. "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.http.URL }

// Token returns the only token the server accepts.
func (s *Server) Token() string { return s.token }

// BotID returns the bot's user id (the numeric prefix of the token, if any).
func (s *Server) BotID() int64 { return s.botID }

// Reset forgets calls, queued updates, messages, faults, delays, blocked
// chats, rate limits, webhook and allowed_updates. Update ids keep increasing so that a
// running bot's offset stays meaningful.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.gen++
	s.calls = nil
	s.queue = nil
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	s.allowedSeen, s.allowed = nil, nil
	s.webhookURL, s.webhookSecret, s.deliveries = "", "", nil
	s.webhookMaxConns, s.lanes = defaultMaxConns, map[string]lane{}
	s.queries = map[string]bool{}
	s.users = map[int64]userInfo{}
	s.chats = map[int64]*chatState{}
	s.faults = nil
	s.rate, s.rng, s.rateFor = 0, nil, nil
	s.delays = map[string]time.Duration{}
	s.blocked = map[int64]bool{}
	s.limits = rateLimits{}
}

// Calls returns every request received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the requests to one method (case-insensitive), in order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c.clone())
		}
	}
	return out
}

// WaitFor polls cond until it returns true and fails the test if that does
// not happen within timeout. Call it from the test goroutine.
func (s *Server) WaitFor(t testing.TB, cond func() bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("telegramtest: condition not met within %v; last calls:\n%s", timeout, s.describeCalls(10))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) describeCalls(n int) string {
	calls := s.Calls()
	if len(calls) > n {
		calls = calls[len(calls)-n:]
	}
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "  %s %d %s\n", c.Method, c.Status, c.Params.Encode())
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

func (c Call) clone() Call {
	p := make(url.Values, len(c.Params))
	for k, v := range c.Params {
		p[k] = append([]string(nil), v...)
	}
	c.Params = p
	if c.Files != nil {
		f := make(map[string]Upload, len(c.Files))
		for k, v := range c.Files {
			f[k] = v
		}
		c.Files = f
	}
	return c
}

// ServeHTTP implements the Bot API: /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, found := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, hasMethod := strings.Cut(rest, "/")
	if !found || !hasMethod || name == "" {
		writeReply(w, fail(404, "Not Found"))
		return
	}
	if token != s.token {
		writeReply(w, fail(401, "Unauthorized"))
		return
	}
	params, files, err := parseRequest(r)
	if err != nil {
		writeReply(w, badRequest(err.Error()))
		return
	}
	m, known := methods[strings.ToLower(name)]
	if known {
		name = m.name
	}
	s.mu.Lock()
	idx, gen := len(s.calls), s.gen
	s.calls = append(s.calls, Call{Method: name, Params: params, Files: files, At: time.Now()})
	s.mu.Unlock()

	rep := fail(404, "Not Found")
	if known {
		rep = s.dispatch(&request{ctx: r.Context(), method: name, params: params, files: files}, m.fn)
	}
	status := rep.code
	if status == 0 {
		status = http.StatusOK
	}
	s.mu.Lock()
	if gen == s.gen { // Reset may have run meanwhile
		s.calls[idx].Status = status
	}
	s.mu.Unlock()
	writeReply(w, rep)
}

// dispatch applies delays and faults, then runs the method.
func (s *Server) dispatch(r *request, fn handler) reply {
	if d := s.delayFor(r.method); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.ctx.Done():
			// The client gave up (a timeout): the request is not carried
			// out, as one lost on the way, and nobody reads the answer.
			return fail(StatusClientGone, "Client Closed Request")
		case <-s.closing:
		}
	}
	if rep, limited := s.overLimit(r); limited {
		return rep
	}
	if rep, failed := s.injectedFault(r); failed {
		return rep
	}
	return fn(s, r)
}

func writeReply(w http.ResponseWriter, rep reply) {
	body := map[string]any{"ok": true, "result": rep.result}
	code := http.StatusOK
	if rep.code != 0 && rep.code != http.StatusOK {
		code = rep.code
		body = map[string]any{"ok": false, "error_code": rep.code, "description": rep.desc}
		if rep.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": rep.retryAfter}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// parseRequest accepts query strings, urlencoded and multipart forms and JSON
// bodies, as Telegram does.
func parseRequest(r *http.Request) (url.Values, map[string]Upload, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, nil, fmt.Errorf("can't parse multipart form: %v", err)
		}
		params := url.Values{}
		for k, v := range r.MultipartForm.Value {
			params[k] = v
		}
		files := map[string]Upload{}
		for field, hs := range r.MultipartForm.File {
			f, err := hs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[field] = Upload{FileName: hs[0].Filename, Data: data}
		}
		for k, v := range r.URL.Query() {
			params[k] = v
		}
		return params, files, nil
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			return nil, nil, fmt.Errorf("can't parse JSON object")
		}
		params := r.URL.Query()
		for k, raw := range obj {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				params.Set(k, str)
			} else {
				params.Set(k, string(raw))
			}
		}
		return params, nil, nil
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("can't parse request: %v", err)
		}
		return r.Form, nil, nil
	}
}

func botIDFromToken(token string) int64 {
	prefix, _, _ := strings.Cut(token, ":")
	if id, err := strconv.ParseInt(prefix, 10, 64); err == nil && id > 0 {
		return id
	}
	return 7000000001
}

func (s *Server) botUser() map[string]any {
	return map[string]any{
		"id":                          s.botID,
		"is_bot":                      true,
		"first_name":                  BotFirstName,
		"username":                    BotUsername,
		"can_join_groups":             true,
		"can_read_all_group_messages": false,
		"supports_inline_queries":     false,
	}
}
