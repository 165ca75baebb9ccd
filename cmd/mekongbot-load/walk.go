package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// sample is one step handled: when its update was made available and how
// long until the first reply.
type sample struct {
	at      time.Time
	latency time.Duration
}

// load runs `active` walkers, each taking one person at a time through a
// visit, until stopped.
type load struct {
	api   *fakeAPI
	crowd *crowd
	opts  loadOptions

	next    atomic.Int64 // the person the next visit takes, modulo the crowd
	lost    atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []sample
}

type loadOptions struct {
	active      int
	depth       int           // pages opened per visit
	think       time.Duration // pause between a reply and the next step
	stepTimeout time.Duration
}

func startLoad(api *fakeAPI, c *crowd, o loadOptions) *load {
	l := &load{api: api, crowd: c, opts: o, stop: make(chan struct{})}
	for i := range o.active {
		l.wg.Add(1)
		go l.walker(uint64(i))
	}
	return l
}

// Stop lets each walker finish its step in flight and returns the samples.
func (l *load) Stop() []sample {
	close(l.stop)
	l.wg.Wait()
	return l.samples
}

func (l *load) walker(seed uint64) {
	defer l.wg.Done()
	w := &walker{load: l, rng: rand.New(rand.NewPCG(seed, 7))}
	for !l.stopped() {
		p := l.nextFree()
		if p == nil {
			time.Sleep(time.Millisecond)
			continue
		}
		_ = w.visit(p) // a lost step is counted; the person is let go
		p.busy.Store(false)
	}
	l.mu.Lock()
	l.samples = append(l.samples, w.samples...)
	l.mu.Unlock()
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// nextFree takes the next person no other walker has, in turn.
func (l *load) nextFree() *person {
	n := int64(len(l.crowd.people))
	for range n {
		p := l.crowd.people[(l.next.Add(1)-1)%n]
		if p.busy.CompareAndSwap(false, true) {
			return p
		}
	}
	return nil
}

// walker takes people through visits and keeps its own samples.
type walker struct {
	load    *load
	rng     *rand.Rand
	samples []sample
}

// visit is one person's script. A newcomer: /start, their language, the
// worker role, no updates, the menu; someone returning: /start (the menu).
// Then both open pages by the buttons of the last reply, go back once, and
// type the title of a page they saw as a question, so that search runs.
func (w *walker) visit(p *person) error {
	var menu reply
	if !p.onboarded.Load() {
		var err error
		if menu, err = w.onboard(p); err != nil {
			return err
		}
		p.onboarded.Store(true)
	} else {
		got, err := w.text(p, "/start", "start (returning)", isNew(withPages))
		if err != nil {
			return err
		}
		menu = got[0]
	}
	seen := []reply{menu}
	titles := menu.pages()
	for range w.load.opts.depth {
		last := seen[len(seen)-1]
		choices := last.pages()
		if len(choices) == 0 {
			break
		}
		b := choices[w.rng.IntN(len(choices))]
		got, err := w.press(p, last.msgID, b.data, "open "+b.data, edits(last.msgID, withButton("b")))
		if err != nil {
			return err
		}
		seen = append(seen, got[0])
		titles = append(titles, got[0].pages()...)
	}
	if len(seen) > 1 {
		last, before := seen[len(seen)-1], seen[len(seen)-2]
		if _, err := w.press(p, last.msgID, "b", "back", edits(last.msgID, withKeyboard(before.keyboard()))); err != nil {
			return err
		}
	}
	question := titles[w.rng.IntN(len(titles))].text
	_, err := w.text(p, question, "question", isNew(anything))
	return err
}

func (w *walker) onboard(p *person) (reply, error) {
	got, err := w.text(p, "/start", "start", isNew(withButton("l:"+p.lang)))
	if err != nil {
		return reply{}, err
	}
	welcome := got[0].msgID
	if _, err = w.press(p, welcome, "l:"+p.lang, "language", edits(welcome, withButton("r:w"))); err != nil {
		return reply{}, err
	}
	got, err = w.press(p, welcome, "r:w", "role", edits(welcome, withPages), isNew(withButton("u:no")))
	if err != nil {
		return reply{}, err
	}
	offer := got[1].msgID
	if _, err = w.press(p, offer, "u:no", "no updates", edits(offer, withButton("m"))); err != nil {
		return reply{}, err
	}
	got, err = w.press(p, offer, "m", "menu", edits(offer, withPages))
	if err != nil {
		return reply{}, err
	}
	return got[0], nil
}

func (w *walker) text(p *person, text, name string, expect ...func(reply) error) ([]reply, error) {
	msgID := p.newMessageID()
	return w.do(p, &step{name: name, expect: expect}, func(id int64) []byte { return messageUpdate(id, p, msgID, text) })
}

func (w *walker) press(p *person, msgID int, data, name string, expect ...func(reply) error) ([]reply, error) {
	return w.do(p, &step{name: name, expect: expect}, func(id int64) []byte { return callbackUpdate(id, p, msgID, data) })
}

// jitter draws a pause between half and one and a half times d: people
// do not act in step, and with one fixed pause the walkers, started
// together, would send their updates in bursts of -active at once.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// do makes the step's update available and waits for its replies.
func (w *walker) do(p *person, st *step, build func(id int64) []byte) ([]reply, error) {
	if d := w.load.opts.think; d > 0 {
		time.Sleep(jitter(d))
	}
	p.begin(st, func() time.Time { return w.load.api.Enqueue(p.id, build) })
	timer := time.NewTimer(w.load.opts.stepTimeout)
	defer timer.Stop()
	select {
	case <-st.done:
		w.samples = append(w.samples, sample{at: st.at, latency: st.first})
		return st.replies, nil
	case <-timer.C:
		p.abandon(st)
		w.load.lost.Add(1)
		return nil, fmt.Errorf("chat %d, step %s: %w", p.id, st.name, errLost)
	}
}

// Telegram's update objects, as much of them as the bot reads.
type (
	tgUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		LanguageCode string `json:"language_code,omitempty"`
	}
	tgChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name,omitempty"`
	}
	tgEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	tgMessage struct {
		MessageID int        `json:"message_id"`
		Date      int64      `json:"date"`
		Chat      tgChat     `json:"chat"`
		From      *tgUser    `json:"from,omitempty"`
		Text      string     `json:"text"`
		Entities  []tgEntity `json:"entities,omitempty"`
	}
	tgCallback struct {
		ID           string    `json:"id"`
		From         tgUser    `json:"from"`
		Message      tgMessage `json:"message"`
		ChatInstance string    `json:"chat_instance"`
		Data         string    `json:"data"`
	}
	tgUpdate struct {
		UpdateID      int64       `json:"update_id"`
		Message       *tgMessage  `json:"message,omitempty"`
		CallbackQuery *tgCallback `json:"callback_query,omitempty"`
	}
)

func (p *person) user() tgUser {
	return tgUser{ID: p.id, FirstName: "Person", LanguageCode: p.lang}
}

func (p *person) chat() tgChat { return tgChat{ID: p.id, Type: "private", FirstName: "Person"} }

func messageUpdate(id int64, p *person, msgID int, text string) []byte {
	u := p.user()
	m := &tgMessage{MessageID: msgID, Date: time.Now().Unix(), Chat: p.chat(), From: &u, Text: text}
	if len(text) > 0 && text[0] == '/' {
		m.Entities = []tgEntity{{Type: "bot_command", Length: len(utf16.Encode([]rune(text)))}}
	}
	return mustJSON(tgUpdate{UpdateID: id, Message: m})
}

func callbackUpdate(id int64, p *person, msgID int, data string) []byte {
	msg := tgMessage{MessageID: msgID, Date: time.Now().Unix(), Chat: p.chat(), From: &tgUser{ID: 123456, IsBot: true, FirstName: "Mekong Bot"}, Text: "."}
	q := &tgCallback{ID: fmt.Sprint(id), From: p.user(), Message: msg, ChatInstance: fmt.Sprint(p.id), Data: data}
	return mustJSON(tgUpdate{UpdateID: id, CallbackQuery: q})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings and numbers are marshalled
	}
	return b
}
