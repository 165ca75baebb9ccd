package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// languages are the bot's, in the order people are given them.
var languages = []string{"km", "lo", "my", "vi", "th", "zh", "en"}

// firstChatID is the chat (and user) id of person 0; ids are made up and
// never leave the loopback fake.
const firstChatID = 700_000_000

// crowd is every simulated person, found by chat id when a reply comes in.
type crowd struct {
	people []*person
	byChat map[int64]*person

	violations atomic.Int64 // replies that do not answer the person's latest step
	mu         sync.Mutex
	examples   []string // the first few violations, for the report
}

func newCrowd(n int) *crowd {
	c := &crowd{byChat: make(map[int64]*person, n)}
	for i := range n {
		p := &person{id: firstChatID + int64(i), lang: languages[i%len(languages)], crowd: c}
		c.people = append(c.people, p)
		c.byChat[p.id] = p
	}
	return c
}

// Receive takes a message the bot sent (or edited) in chat at time at, and
// returns the message id it is given.
func (c *crowd) Receive(chat int64, r reply, at time.Time) (int, bool) {
	p := c.byChat[chat]
	if p == nil {
		return 0, false
	}
	return p.receive(r, at), true
}

func (c *crowd) violation(p *person, what string) {
	if c.violations.Add(1) <= 5 {
		c.mu.Lock()
		c.examples = append(c.examples, fmt.Sprintf("chat %d: %s", p.id, what))
		c.mu.Unlock()
	}
}

// Examples returns the first violations seen.
func (c *crowd) Examples() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.examples)
}

// Onboarded counts the people who went through the onboarding.
func (c *crowd) Onboarded() int {
	n := 0
	for _, p := range c.people {
		if p.onboarded.Load() {
			n++
		}
	}
	return n
}

// person is one simulated Telegram user in a private chat with the bot.
type person struct {
	id        int64
	lang      string
	crowd     *crowd
	busy      atomic.Bool // a walker is taking this person through a visit
	onboarded atomic.Bool

	mu     sync.Mutex
	nextID int   // message ids of the chat: the person's and the bot's
	step   *step // the step waiting for its replies; nil when none is
}

// reply is a message the bot sent or edited.
type reply struct {
	edit    bool
	msgID   int // the message edited; for a new one, the id it was given
	text    string
	buttons []button
}

type button struct{ text, data string }

func (r reply) has(data string) bool {
	return slices.ContainsFunc(r.buttons, func(b button) bool { return b.data == data })
}

// pages are the buttons that open a handbook page.
func (r reply) pages() []button {
	var out []button
	for _, b := range r.buttons {
		if strings.HasPrefix(b.data, "p:") {
			out = append(out, b)
		}
	}
	return out
}

func (r reply) keyboard() string {
	var b strings.Builder
	for _, btn := range r.buttons {
		b.WriteString(btn.data)
		b.WriteByte(' ')
	}
	return b.String()
}

// step is one thing a person does (a command, a press, a question), and
// what must come back: expect[i] checks the i-th reply that has buttons.
// A message without buttons is the first part of a long text split by the
// bot; its buttons come with the last part.
type step struct {
	name    string
	expect  []func(reply) error
	at      time.Time // made available to the bot
	first   time.Duration
	replies []reply
	done    chan struct{}
}

// expectation helpers: what a reply to a step must be.
func isNew(then func(reply) error) func(reply) error {
	return func(r reply) error {
		if r.edit {
			return fmt.Errorf("an edit of message %d, want a new message", r.msgID)
		}
		return then(r)
	}
}

func edits(msgID int, then func(reply) error) func(reply) error {
	return func(r reply) error {
		if !r.edit || r.msgID != msgID {
			return fmt.Errorf("edit %v of message %d, want an edit of message %d", r.edit, r.msgID, msgID)
		}
		return then(r)
	}
}

func withButton(data string) func(reply) error {
	return func(r reply) error {
		if !r.has(data) {
			return fmt.Errorf("no button %q in [%s]", data, r.keyboard())
		}
		return nil
	}
}

func withPages(r reply) error {
	if len(r.pages()) == 0 {
		return fmt.Errorf("no page buttons in [%s]", r.keyboard())
	}
	return nil
}

func withKeyboard(want string) func(reply) error {
	return func(r reply) error {
		if r.keyboard() != want {
			return fmt.Errorf("buttons [%s], want [%s]", r.keyboard(), want)
		}
		return nil
	}
}

func anything(reply) error { return nil }

// begin makes st the person's outstanding step; send makes its update
// available and returns when that happened.
func (p *person) begin(st *step, send func() time.Time) {
	st.done = make(chan struct{})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.step = st
	st.at = send() // under the lock, so that a reply never sees st.at unset
}

// newMessageID gives the person's next message its id.
func (p *person) newMessageID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	return p.nextID
}

// abandon gives up the outstanding step (it timed out).
func (p *person) abandon(st *step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.step == st {
		p.step = nil
	}
}

func (p *person) receive(r reply, at time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !r.edit {
		p.nextID++
		r.msgID = p.nextID
	}
	st := p.step
	if st == nil {
		p.crowd.violation(p, "a reply while no step waits for one: "+firstLine(r.text))
		return r.msgID
	}
	if st.first == 0 {
		st.first = max(at.Sub(st.at), time.Nanosecond)
	}
	if len(r.buttons) == 0 {
		return r.msgID
	}
	if err := st.expect[len(st.replies)](r); err != nil {
		p.crowd.violation(p, st.name+": "+err.Error())
	}
	st.replies = append(st.replies, r)
	if len(st.replies) == len(st.expect) {
		p.step = nil
		close(st.done)
	}
	return r.msgID
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// errLost is a step whose replies did not all come within the step timeout.
var errLost = errors.New("no reply")
