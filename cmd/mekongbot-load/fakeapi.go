package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeAPI is a lean Bot API on loopback, made to hand out thousands of
// updates a second: bot/telegramtest checks and records every call, which is
// right for tests and too heavy here. It answers the methods the bot uses,
// gives updates by long polling or POSTs them to the webhook the bot sets,
// and passes every message the bot sends or edits to the crowd, which times
// and checks it.
type fakeAPI struct {
	token  string
	crowd  *crowd
	server *http.Server
	url    string

	nextUpdate atomic.Int64
	calls      sync.Map // method -> *atomic.Int64
	retries    atomic.Int64
	closing    chan struct{}
	closeOnce  sync.Once

	mu       sync.Mutex
	queue    []queued      // polling: updates not yet confirmed by an offset
	wake     chan struct{} // closed and replaced when an update is queued
	poll     chan struct{} // closed to end the current long poll with 409
	hook     *webhook      // nil: polling
	hookSet  chan struct{} // closed at the first setWebhook
	chatQs   map[int64]*chatQueue
	inFlight chan struct{} // webhook requests at once, like Telegram's max_connections
}

type queued struct {
	id  int64
	raw []byte
}

type webhook struct{ url, secret string }

// chatQueue holds a chat's updates for the webhook: one request at a time
// per chat, the next only after the previous one was answered 2xx.
type chatQueue struct {
	items [][]byte
	busy  bool
}

// maxConnections is Telegram's default max_connections for a webhook.
const maxConnections = 40

const (
	webhookRetry   = 100 * time.Millisecond
	webhookTimeout = 30 * time.Second
)

func startFakeAPI(token string, c *crowd) (*fakeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake Bot API: %w", err)
	}
	f := &fakeAPI{token: token, crowd: c, closing: make(chan struct{}), wake: make(chan struct{}),
		hookSet: make(chan struct{}), chatQs: map[int64]*chatQueue{}, inFlight: make(chan struct{}, maxConnections)}
	f.url = "http://" + ln.Addr().String()
	f.server = &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.server.Serve(ln) }()
	return f, nil
}

// Endpoint is the TELEGRAM_API_ENDPOINT format for the bot.
func (f *fakeAPI) Endpoint() string { return f.url + "/bot%s/%s" }

func (f *fakeAPI) Close() {
	f.closeOnce.Do(func() {
		close(f.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = f.server.Shutdown(ctx)
	})
}

// Calls returns how many times each method was called.
func (f *fakeAPI) Calls() map[string]int64 {
	out := map[string]int64{}
	f.calls.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (f *fakeAPI) count(method string) {
	n, _ := f.calls.LoadOrStore(method, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// Enqueue makes an update available: to the long poll, or to the webhook
// when one is set. build gets the update_id. It returns when the update was
// made available, the start of its reply latency.
func (f *fakeAPI) Enqueue(chat int64, build func(id int64) []byte) time.Time {
	f.mu.Lock() // ids in queue order, or an offset could confirm one not yet given out
	defer f.mu.Unlock()
	id := f.nextUpdate.Add(1)
	raw := build(id)
	if f.hook != nil {
		q := f.chatQs[chat]
		if q == nil {
			q = &chatQueue{}
			f.chatQs[chat] = q
		}
		q.items = append(q.items, raw)
		if !q.busy {
			q.busy = true
			go f.deliver(q)
		}
		return time.Now()
	}
	f.queue = append(f.queue, queued{id: id, raw: raw})
	close(f.wake)
	f.wake = make(chan struct{})
	return time.Now()
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/bot"+f.token+"/")
	if !ok {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	method := path
	f.count(method)
	switch strings.ToLower(method) {
	case "getme":
		writeOK(w, `{"id":123456,"is_bot":true,"first_name":"Mekong Bot","username":"mekong_load_bot"}`)
	case "getupdates":
		f.getUpdates(w, r)
	case "sendmessage", "editmessagetext":
		f.message(w, r, method)
	case "setwebhook":
		f.setWebhook(r.Form.Get("url"), r.Form.Get("secret_token"))
		writeOK(w, "true")
	case "deletewebhook":
		f.setWebhook("", "")
		writeOK(w, "true")
	case "answercallbackquery", "setmycommands", "deletemycommands", "setmydescription", "setmyshortdescription":
		writeOK(w, "true")
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

func writeOK(w http.ResponseWriter, result string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true,"result":` + result + `}`))
}

func writeError(w http.ResponseWriter, code int, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]any{"ok": false, "error_code": code, "description": desc})
	_, _ = w.Write(b)
}

// message takes a sendMessage or editMessageText to a person.
func (f *fakeAPI) message(w http.ResponseWriter, r *http.Request, method string) {
	at := time.Now()
	chat, err := strconv.ParseInt(r.Form.Get("chat_id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	msgID, _ := strconv.Atoi(r.Form.Get("message_id"))
	buttons, err := parseKeyboard(r.Form.Get("reply_markup"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: can't parse reply keyboard markup JSON object")
		return
	}
	rep := reply{edit: strings.EqualFold(method, "editMessageText"), msgID: msgID, text: r.Form.Get("text"), buttons: buttons}
	id, ok := f.crowd.Receive(chat, rep, at)
	if !ok {
		writeError(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	writeOK(w, fmt.Sprintf(`{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"text":"."}`, id, at.Unix(), chat))
}

// parseKeyboard reads an inline keyboard's buttons, in order.
func parseKeyboard(raw string) ([]button, error) {
	if raw == "" {
		return nil, nil
	}
	var mk struct {
		InlineKeyboard [][]struct {
			Text string `json:"text"`
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return nil, err
	}
	var out []button
	for _, row := range mk.InlineKeyboard {
		for _, b := range row {
			out = append(out, button{text: b.Text, data: b.Data})
		}
	}
	return out, nil
}

// getUpdates confirms the updates below offset and answers those queued
// after, waiting up to timeout seconds for one. A second poll ends the first
// with 409 Conflict, as Telegram does.
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.ParseInt(r.Form.Get("offset"), 10, 64)
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	timer := time.NewTimer(time.Duration(timeout) * time.Second)
	defer timer.Stop()

	f.mu.Lock()
	if f.hook != nil {
		f.mu.Unlock()
		writeError(w, http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active")
		return
	}
	f.confirmLocked(offset)
	if f.poll != nil {
		close(f.poll)
	}
	mine := make(chan struct{})
	f.poll = mine
	defer func() {
		f.mu.Lock()
		if f.poll == mine {
			f.poll = nil
		}
		f.mu.Unlock()
	}()
	for {
		if len(f.queue) > 0 {
			batch := f.queue[:min(limit, len(f.queue))]
			body := updatesJSON(batch)
			f.mu.Unlock()
			writeOK(w, body)
			return
		}
		wake := f.wake
		f.mu.Unlock()
		select {
		case <-wake:
		case <-mine:
			writeError(w, http.StatusConflict, "Conflict: terminated by other getUpdates request")
			return
		case <-timer.C:
			writeOK(w, "[]")
			return
		case <-r.Context().Done():
			return
		case <-f.closing:
			writeOK(w, "[]")
			return
		}
		f.mu.Lock()
	}
}

func (f *fakeAPI) confirmLocked(offset int64) {
	i := 0
	for i < len(f.queue) && f.queue[i].id < offset {
		i++
	}
	f.queue = f.queue[i:]
}

func updatesJSON(batch []queued) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, q := range batch {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(q.raw)
	}
	b.WriteByte(']')
	return b.String()
}

func (f *fakeAPI) setWebhook(url, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if url == "" {
		f.hook = nil
		return
	}
	f.hook = &webhook{url: url, secret: secret}
	select {
	case <-f.hookSet:
	default:
		close(f.hookSet)
	}
}

// WebhookSet is closed once the bot has set a webhook.
func (f *fakeAPI) WebhookSet() <-chan struct{} { return f.hookSet }

var webhookClient = &http.Client{Timeout: webhookTimeout, Transport: &http.Transport{
	MaxIdleConns: 2 * maxConnections, MaxIdleConnsPerHost: 2 * maxConnections, IdleConnTimeout: time.Minute,
}}

// deliver POSTs a chat's queued updates to the webhook in order, retrying
// one that is not answered 2xx, within the max_connections limit.
func (f *fakeAPI) deliver(q *chatQueue) {
	select {
	case f.inFlight <- struct{}{}:
	case <-f.closing:
		return
	}
	defer func() { <-f.inFlight }()
	for {
		f.mu.Lock()
		if len(q.items) == 0 || f.hook == nil {
			q.busy = false
			f.mu.Unlock()
			return
		}
		raw, hook := q.items[0], *f.hook
		f.mu.Unlock()
		for !f.post(hook, raw) {
			f.retries.Add(1)
			select {
			case <-f.closing:
				return
			case <-time.After(webhookRetry):
			}
		}
		f.mu.Lock()
		q.items = q.items[1:]
		f.mu.Unlock()
	}
}

func (f *fakeAPI) post(hook webhook, raw []byte) bool {
	req, err := http.NewRequest(http.MethodPost, hook.url, bytes.NewReader(raw))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
	resp, err := webhookClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode <= 299
}
