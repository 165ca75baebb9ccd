package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/telegramtest"
	"mekongbot/bot/wait"
	"mekongbot/flows"
)

const (
	testToken  = "123456:TEST-broadcast"
	reportChat = 42
	firstChat  = 1_000_000 // recipients are firstChat, firstChat+1, ...
)

// httpSender is a minimal Sender over net/http for tests (bot.Sender is the
// production one): plain text, one attempt per chat and second, retries of
// 429 after retry_after and of 5xx and network errors with backoff, five
// attempts. Retries, posts and edits are reported to the budget like
// interactive sends.
type httpSender struct {
	client *http.Client
	base   string // http://host/bot<token>/
	budget *Budget
	bulk   atomic.Int64 // SendBulk calls that succeeded

	mu   sync.Mutex
	last map[int64]time.Time // last attempt per chat
}

// perChat is Telegram's one message a second in a chat, with a margin: the
// fake's bucket is exact and requests arrive with jitter.
const perChat = time.Second + 20*time.Millisecond

const senderAttempts = 5

func newHTTPSender(baseURL, token string, budget *Budget) *httpSender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 512 // one connection per worker, as a real sender needs
	return &httpSender{
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		base:   baseURL + "/bot" + token + "/",
		budget: budget,
		last:   map[int64]time.Time{},
	}
}

// chatTurn waits until the chat may get another attempt.
func (s *httpSender) chatTurn(ctx context.Context, chatID int64) error {
	s.mu.Lock()
	at := time.Now()
	if next := s.last[chatID].Add(perChat); next.After(at) {
		at = next
	}
	s.last[chatID] = at
	s.mu.Unlock()
	return wait.Sleep(ctx, time.Until(at))
}

// apiError is a Bot API answer with ok=false.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (e *apiError) Error() string { return fmt.Sprintf("telegram: %d %s", e.code, e.desc) }

// gone is Config.Gone for httpSender's errors.
func gone(err error) bool {
	var e *apiError
	return errors.As(err, &e) && (e.code == 403 || e.code == 400 && strings.Contains(e.desc, "chat not found"))
}

func (s *httpSender) SendBulk(ctx context.Context, chatID int64, r flows.Reply) error {
	_, err := s.retrying(ctx, "sendMessage", messageParams(chatID, r))
	if err == nil {
		s.bulk.Add(1)
	}
	return err
}

func (s *httpSender) Post(ctx context.Context, chatID int64, r flows.Reply) (int, error) {
	s.consume(1)
	res, err := s.retrying(ctx, "sendMessage", messageParams(chatID, r))
	if err != nil {
		return 0, err
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(res, &m); err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	return m.MessageID, nil
}

func (s *httpSender) Edit(ctx context.Context, chatID int64, messageID int, r flows.Reply) error {
	s.consume(1)
	p := messageParams(chatID, r)
	p.Set("message_id", strconv.Itoa(messageID))
	_, err := s.retrying(ctx, "editMessageText", p)
	var e *apiError
	if errors.As(err, &e) && e.code == 400 && strings.Contains(e.desc, "not modified") {
		return nil
	}
	return err
}

func (s *httpSender) consume(n int) {
	if s.budget != nil {
		s.budget.Consume(n)
	}
}

func messageParams(chatID int64, r flows.Reply) url.Values {
	text := r.Text
	if r.Title != "" {
		text = r.Title + "\n" + text
	}
	return url.Values{"chat_id": {strconv.FormatInt(chatID, 10)}, "text": {text}}
}

func (s *httpSender) retrying(ctx context.Context, method string, p url.Values) (json.RawMessage, error) {
	chat, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	for attempt := 1; ; attempt++ {
		if method == "sendMessage" {
			if err := s.chatTurn(ctx, chat); err != nil {
				return nil, err
			}
		}
		res, err := s.call(ctx, method, p)
		if err == nil || attempt == senderAttempts || ctx.Err() != nil {
			return res, err
		}
		pause := time.Duration(100<<attempt) * time.Millisecond
		var e *apiError
		if errors.As(err, &e) {
			switch {
			case e.code == 429:
				pause = time.Duration(max(1, e.retryAfter)) * time.Second
			case e.code < 500:
				return nil, err
			}
		}
		if err := wait.Sleep(ctx, pause); err != nil {
			return nil, err
		}
		s.consume(1) // a retry is a call Take did not count
	}
}

func (s *httpSender) call(ctx context.Context, method string, p url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+method, strings.NewReader(p.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, err)
	}
	var ans struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Code        int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("telegram %s: %d %w", method, resp.StatusCode, err)
	}
	if !ans.OK {
		return nil, &apiError{code: ans.Code, desc: ans.Description, retryAfter: ans.Parameters.RetryAfter}
	}
	return ans.Result, nil
}

// testTexts words messages so tests can read them back.
type testTexts struct{}

func (testTexts) Message(lang, text string) flows.Reply {
	return flows.Reply{Title: "[" + lang + "]", Text: text}
}

func (testTexts) Progress(lang string, st flows.BroadcastStatus) flows.Reply {
	return flows.Reply{Text: fmt.Sprintf("%s #%d %s: %d/%d sent, %d failed", lang, st.ID, st.State, st.Sent, st.Total, st.Failed)}
}

// redisSubs is the part of flows.Subscribers the Runner uses, on the
// subscriber hash.
type redisSubs struct {
	rdb  redis.UniversalClient
	key  string
	gone atomic.Int64
}

func (s *redisSubs) Unsubscribe(ctx context.Context, chatID int64) error {
	s.gone.Add(1)
	return s.rdb.HDel(ctx, s.key, strconv.FormatInt(chatID, 10)).Err()
}

func (s *redisSubs) Subscription(context.Context, int64) (flows.Profile, bool, error) {
	return flows.Profile{}, false, errors.New("not used")
}

func (s *redisSubs) Subscribe(context.Context, int64, flows.Profile) error {
	return errors.New("not used")
}

func (s *redisSubs) Count(context.Context, flows.Audience) (flows.AudienceCount, error) {
	return flows.AudienceCount{}, errors.New("not used")
}

// env is one test's Redis prefix, fake Bot API and store.
type env struct {
	t      testing.TB
	rdb    redis.UniversalClient
	prefix string
	srv    *telegramtest.Server
	store  *Store
	subs   *redisSubs
}

func newEnv(t testing.TB) *env {
	rdb, prefix := redistest.Client(t)
	return newEnvOn(t, rdb, prefix)
}

func newEnvOn(t testing.TB, rdb redis.UniversalClient, prefix string) *env {
	return &env{
		t: t, rdb: rdb, prefix: prefix,
		srv:   telegramtest.New(t, testToken),
		store: NewStore(rdb, prefix, nil),
		subs:  &redisSubs{rdb: rdb, key: redisstore.Keys{Prefix: prefix}.Subscribers()},
	}
}

// subscribe adds n subscribers, chats firstChat.., with profile(i).
func (e *env) subscribe(n int, profile func(i int) flows.Profile) {
	e.t.Helper()
	ctx := context.Background()
	const chunk = 1000
	for lo := 0; lo < n; lo += chunk {
		vals := make([]any, 0, 2*chunk)
		for i := lo; i < min(n, lo+chunk); i++ {
			vals = append(vals, strconv.Itoa(firstChat+i), profile(i).Encode())
		}
		if err := e.rdb.HSet(ctx, e.subs.key, vals...).Err(); err != nil {
			e.t.Fatal(err)
		}
	}
}

func english(int) flows.Profile {
	return flows.Profile{Lang: "en", Role: flows.RoleUnknown, Topics: flows.AllTopics}
}

// news is a broadcast to everyone in English, reported to reportChat.
func news() flows.Broadcast {
	return flows.Broadcast{By: 7, Texts: map[string]string{"en": "Registration opens Monday"}, Fallback: "en",
		ReportChat: reportChat, ReportLang: "en"}
}

// config is a Runner config for tests: fast polls and short leases.
func (e *env) config(sender Sender, budget *Budget) Config {
	return Config{
		Redis: e.rdb, Prefix: e.prefix, Sender: sender, Texts: testTexts{}, Gone: gone,
		Subscribers: e.subs, Budget: budget, Workers: 16, RangeSize: 10, Lease: time.Second,
		Poll: 20 * time.Millisecond, ProgressEvery: 100 * time.Millisecond,
	}
}

func (e *env) sender(budget *Budget) *httpSender {
	return newHTTPSender(e.srv.URL(), testToken, budget)
}

// run starts a Runner until the test ends or stop is called.
func (e *env) run(cfg Config) (stop func()) {
	e.t.Helper()
	r, err := NewRunner(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := r.Run(ctx); err != nil {
			e.t.Errorf("Run: %v", err)
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	e.t.Cleanup(stop)
	return stop
}

// waitFor polls the job's details until cond holds.
func (e *env) waitFor(id int64, what string, cond func(Details) bool, timeout time.Duration) Details {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d, err := e.store.Details(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("broadcast %d: not %s within %v: %+v", id, what, timeout, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func reported(d Details) bool { return d.Reported }

// deliveries compares what the fake received with n recipients: missing
// got nothing, dups counts the messages beyond one.
func (e *env) deliveries(n int) (missing, dups int) {
	counts := e.srv.SentCounts()
	for i := range n {
		switch c := counts[int64(firstChat+i)]; {
		case c == 0:
			missing++
		case c > 1:
			dups += c - 1
		}
	}
	return missing, dups
}

func (e *env) start(b flows.Broadcast) int64 {
	e.t.Helper()
	id, err := e.store.Start(context.Background(), b)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// delivered is how many of the n recipients got at least one message.
func (e *env) delivered(n int) int {
	missing, _ := e.deliveries(n)
	return n - missing
}
