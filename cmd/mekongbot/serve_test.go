package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/telegramtest"
)

const testToken = "123456:TEST-token_for-the-fake-api"

// runningBot is `mekongbot serve` running in this process against a fake Bot API.
type runningBot struct {
	cancel context.CancelFunc
	done   chan int
	logs   *syncBuffer
}

// startServe runs the real serve command with env until stop is called.
func startServe(t *testing.T, env map[string]string) *runningBot {
	t.Helper()
	return startServeAt(t, env, nil)
}

// startServeAt is startServe on the clock now (nil: time.Now).
func startServeAt(t *testing.T, env map[string]string, now func() time.Time) *runningBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rb := &runningBot{cancel: cancel, done: make(chan int, 1), logs: &syncBuffer{}}
	e := Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: rb.logs,
		Getenv: func(k string) string { return env[k] }, Now: now}
	go func() { rb.done <- run(ctx, []string{"serve"}, e) }()
	t.Cleanup(func() { rb.stop(t) })
	return rb
}

func (rb *runningBot) stop(t *testing.T) {
	t.Helper()
	if rb.cancel == nil {
		return
	}
	rb.cancel()
	rb.cancel = nil
	select {
	case code := <-rb.done:
		if code != exitOK {
			t.Errorf("serve exited with %d; log:\n%s", code, rb.logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not stop within 10s; log:\n%s", rb.logs)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func serveEnv(t *testing.T, api *telegramtest.Server) map[string]string {
	spec := redistest.Spec(t)
	_, prefix := redistest.ClientAt(t, spec)
	return map[string]string{
		"TELEGRAM_BOT_TOKEN":    testToken,
		"TELEGRAM_API_ENDPOINT": api.Endpoint(),
		"REDIS_URL":             spec,
		"REDIS_KEY_PREFIX":      prefix,
		"LISTEN_ADDR":           "127.0.0.1:0",
		"POLL_TIMEOUT":          "1s",
		"SEND_RATE":             "1000",
		"FLOOD_RATE":            "0", // the walks press faster than any person
	}
}

// person is one Telegram user talking to the bot through the fake API.
type person struct {
	t    *testing.T
	api  *telegramtest.Server
	id   int64
	lang string
	seen int // messages to this chat already read
}

// await waits for the next message (sent or edited) to the chat.
func (p *person) await() telegramtest.Sent {
	p.t.Helper()
	p.api.WaitFor(p.t, func() bool { return len(p.api.MessagesTo(p.id)) > p.seen }, 10*time.Second)
	msgs := p.api.MessagesTo(p.id)
	p.seen = len(msgs)
	return msgs[len(msgs)-1]
}

// awaitButton waits for a message to the chat that has a button with data.
func (p *person) awaitButton(data string) telegramtest.Sent {
	p.t.Helper()
	var found telegramtest.Sent
	p.api.WaitFor(p.t, func() bool {
		msgs := p.api.MessagesTo(p.id)
		for i := len(msgs) - 1; i >= p.seen; i-- {
			if hasButton(msgs[i], data) {
				found = msgs[i]
				return true
			}
		}
		return false
	}, 10*time.Second)
	p.seen = len(p.api.MessagesTo(p.id))
	return found
}

func (p *person) command(c string) telegramtest.Sent {
	p.api.SendCommand(p.id, p.id, p.lang, c)
	return p.await()
}

// press presses the button with data on msg, failing if msg has no such button.
func (p *person) press(msg telegramtest.Sent, data string) telegramtest.Sent {
	p.t.Helper()
	if !hasButton(msg, data) {
		p.t.Fatalf("message %q has no button %q: %+v", firstLine(msg.Plain), data, msg.Buttons)
	}
	p.api.PressButton(p.id, p.id, p.lang, msg.MessageID, data)
	return p.await()
}

// chooseRole presses a role button and returns the main menu it shows (the
// pressed message, edited), after the updates offer that follows it arrived.
func (p *person) chooseRole(msg telegramtest.Sent, data string) telegramtest.Sent {
	p.t.Helper()
	if !hasButton(msg, data) {
		p.t.Fatalf("message %q has no button %q", firstLine(msg.Plain), data)
	}
	p.api.PressButton(p.id, p.id, p.lang, msg.MessageID, data)
	p.awaitButton("u:on") // the menu (an edit) and the offer may arrive in either order of polling
	menu, ok := p.api.Message(p.id, msg.MessageID)
	if !ok || !hasButton(menu, "p:pre") {
		p.t.Fatalf("the role message did not become the main menu: %+v", menu)
	}
	return menu
}

func hasButton(msg telegramtest.Sent, data string) bool {
	for _, row := range msg.Buttons {
		for _, b := range row {
			if b.Data == data {
				return true
			}
		}
	}
	return false
}

func buttonText(msg telegramtest.Sent, data string) string {
	for _, row := range msg.Buttons {
		for _, b := range row {
			if b.Data == data {
				return b.Text
			}
		}
	}
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q does not contain %q", what, firstLine(got), w)
		}
	}
}

// TestServeKhmerConversationSurvivesRestart holds a whole conversation in
// Khmer against the fake Bot API, restarts the bot, and continues.
func TestServeKhmerConversationSurvivesRestart(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	rb := startServe(t, env)
	p := &person{t: t, api: api, id: 5001, lang: "km"}

	welcome := p.command("/start")
	mustContain(t, "welcome", welcome.Plain, "👋")
	if got := buttonText(welcome, "l:km"); got != "ភាសាខ្មែរ" {
		t.Errorf("Khmer is offered as %q, want its own name", got)
	}
	role := p.press(welcome, "l:km")
	menu := p.chooseRole(role, "r:w")
	mustContain(t, "main menu", menu.Plain, "🏠")
	page := p.press(menu, "p:pre")
	if page.Method != "editMessageText" {
		t.Errorf("a page opened by a button should edit the message, got %s", page.Method)
	}
	back := p.press(page, "b")
	if back.Plain != menu.Plain {
		t.Errorf("back did not return to the main menu:\n%s", back.Plain)
	}
	rb.stop(t)

	startServe(t, env)
	again := p.command("/menu")
	if again.Plain != menu.Plain {
		t.Errorf("after a restart the menu is not the Khmer one:\n%s", again.Plain)
	}
	if presses, answers := 4, len(api.CallsTo("answerCallbackQuery")); answers != presses {
		t.Errorf("%d button presses, %d answered", presses, answers)
	}
	if got := api.AllowedUpdates(); len(got) == 0 {
		t.Error("getUpdates was called without allowed_updates")
	}
}

// TestServeAnswersEveryKindOfInput sends what people really send and checks
// that each gets an answer and the bot keeps running.
func TestServeAnswersEveryKindOfInput(t *testing.T) {
	api := telegramtest.New(t, testToken)
	startServe(t, serveEnv(t, api))
	p := &person{t: t, api: api, id: 5002, lang: "en"}
	menu := p.chooseRole(p.press(p.command("/start"), "l:en"), "r:w")

	inputs := []struct {
		name string
		send func()
		want string
	}{
		{"sticker", func() { api.SendSticker(p.id, p.id, "en", "😀") }, "📎"},
		{"photo", func() { api.SendPhoto(p.id, p.id, "en", "my passport") }, "📎"},
		{"voice", func() { api.SendVoice(p.id, p.id, "en", 3) }, "📎"},
		{"location", func() { api.SendLocation(p.id, p.id, "en", 13.7, 100.5) }, "📎"},
		{"5,000 characters", func() { api.SendText(p.id, p.id, "en", strings.Repeat("help ", 1000)) }, "🔎"},
		{"invalid UTF-8", func() { api.SendText(p.id, p.id, "en", "passport\xff\xfe") }, "🔎"},
		{"forged button", func() { api.PressButton(p.id, p.id, "en", menu.MessageID, "p:../../../etc/passwd") }, "⚠️"},
		{"unknown command", func() { api.SendCommand(p.id, p.id, "en", "/root") }, "🤔"},
	}
	for _, in := range inputs {
		in.send()
		got := p.await()
		mustContain(t, in.name, got.Plain, in.want)
	}
}

func TestServeRefusesBadConfigWithOneLinePerProblem(t *testing.T) {
	var stderr syncBuffer
	env := map[string]string{"TELEGRAM_API_ENDPOINT": "ftp://x", "SEND_RATE": "-1", "BOT_ADMIN_IDS": "12,abc", "REDIS_URL": "redis://:hunter2@127.0.0.1:1"}
	code := run(context.Background(), []string{"serve"}, Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }})
	if code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	for _, v := range []string{"TELEGRAM_BOT_TOKEN", "TELEGRAM_API_ENDPOINT", "SEND_RATE", "BOT_ADMIN_IDS"} {
		mustContain(t, "config errors", stderr.String(), "\n  "+v+": ")
	}
	if strings.Contains(stderr.String(), "hunter2") {
		t.Error("the Redis password appears in the output")
	}
}

func TestServeNeverLogsTheToken(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	api.FailNext("getUpdates", 2, 502, 0)
	rb := startServe(t, env)
	p := &person{t: t, api: api, id: 5003, lang: "en"}
	p.command("/start")
	rb.stop(t)
	if strings.Contains(rb.logs.String(), testToken) {
		t.Errorf("the token appears in the log:\n%s", rb.logs)
	}
}

// TestServeInlineQueryAnswersInThePersonsLanguage asks "@bot words" as a
// person whose stored language is Thai while their app says English.
func TestServeInlineQueryAnswersInThePersonsLanguage(t *testing.T) {
	api := telegramtest.New(t, testToken)
	startServe(t, serveEnv(t, api))
	p := &person{t: t, api: api, id: 5004, lang: "en"}
	p.chooseRole(p.press(p.command("/start"), "l:th"), "r:w")
	api.SendInlineQuery(p.id, "en", "passport")
	answered := func() bool {
		calls := api.CallsTo("answerInlineQuery")
		return len(calls) > 0 && calls[0].Status != 0 // Status is set once the fake has answered
	}
	api.WaitFor(t, answered, 10*time.Second)
	call := api.CallsTo("answerInlineQuery")[0]
	results := call.Params.Get("results")
	if call.Status != 200 || !strings.Contains(results, "rights.docs") {
		t.Fatalf("answerInlineQuery status %d, results %.300s", call.Status, results)
	}
	if !inScript("th", results) {
		t.Errorf("inline results are not in Thai: %.300s", results)
	}
	if !strings.Contains(results, "t.me/mekong_test_bot?start=rights_docs-TH") {
		t.Errorf("results have no deep link into the bot: %.300s", results)
	}
}

// TestServeAnswersEveryButtonItShows walks every button the bot shows, from
// the main menu outwards, as an official reading in Khmer; every press must
// be answered, and Telegram (the fake) must accept every message: no HTML it
// cannot parse, nothing over its limits.
func TestServeAnswersEveryButtonItShows(t *testing.T) {
	api := telegramtest.New(t, testToken)
	startServe(t, serveEnv(t, api))
	p := &person{t: t, api: api, id: 5005, lang: "km"}
	last := p.chooseRole(p.press(p.command("/start"), "l:km"), "r:o")
	seen := map[string]bool{}
	jobAnswers := map[int]int{} // job-check answers pressed, by length of data
	queue := buttonData(last)
	presses := 0
	for len(queue) > 0 && presses < 600 {
		data := queue[0]
		queue = queue[1:]
		key := walkKey(data)
		if seen[key] || data == "L" || strings.HasPrefix(data, "l:") || data == "F:yes" {
			continue // language changes and deleting one's data are tested elsewhere
		}
		if data == "f:ok" || strings.HasPrefix(data, "f:d-") {
			continue // the thanks after a vote answers nothing; a 👎 would make the same thanks as the 👍 just before it
		}
		if jobAnswer(data) {
			if jobAnswers[len(data)] == 4 {
				continue // the job check's answer paths multiply: a few per question reach every screen
			}
			jobAnswers[len(data)]++
		}
		seen[key] = true
		api.PressButton(p.id, p.id, p.lang, last.MessageID, data)
		last = p.await()
		presses++
		queue = append(queue, buttonData(last)...)
	}
	if presses < 100 {
		t.Errorf("only %d buttons reached", presses)
	}
	if n := len(api.CallsTo("answerCallbackQuery")); n != presses+2 {
		t.Errorf("%d presses (+2 onboarding), %d answered", presses, n)
	}
	for _, c := range api.Calls() {
		if c.Status != 200 && c.Method != "getUpdates" { // a long poll cut short by the end of the test
			t.Errorf("%s was refused with %d: %v", c.Method, c.Status, c.Params)
		}
	}
	t.Logf("pressed %d distinct buttons", presses)
}

// jobAnswer reports whether data answers a question of the job-offer check.
func jobAnswer(data string) bool { return strings.HasPrefix(data, "j:a") && len(data) > 3 }

// walkKey is what the walk remembers a press by. The tools' buttons that
// open a page beside them ("k:o-<page>", "j:o-<page>") each send a new
// message, which the per-chat limit holds to one a second, and their pages
// are reached anyway: one press of each kind is enough.
func walkKey(data string) string {
	if len(data) > 4 && (data[0] == 'k' || data[0] == 'j') && data[1:4] == ":o-" {
		return data[:4]
	}
	return data
}

func buttonData(msg telegramtest.Sent) []string {
	var out []string
	for _, row := range msg.Buttons {
		for _, b := range row {
			out = append(out, b.Data)
		}
	}
	return out
}
