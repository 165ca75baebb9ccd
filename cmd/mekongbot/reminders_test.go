package main

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mekongbot/bot/telegramtest"
	"mekongbot/flows"
)

// testClock is a clock the test moves; it starts 2026-11-27 10:00 Bangkok.
type testClock struct{ unix atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.unix.Store(time.Date(2026, 11, 27, 10, 0, 0, 0, flows.Bangkok).Unix())
	return c
}

func (c *testClock) now() time.Time   { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) set(at time.Time) { c.unix.Store(at.Unix()) }
func bangkok(y, m, d, hour int) time.Time {
	return time.Date(y, time.Month(m), d, hour, 0, 0, 0, flows.Bangkok)
}

// TestServeReminderEndToEnd: a person sets a visa reminder through the date
// picker; the bot is stopped and a new one started on the same Redis; the
// person switches to Lao; the clock passes the reminder's time; the
// reminder arrives once, in Lao (its handbook page in Lao), and the next one
// is scheduled; then the person deletes it.
func TestServeReminderEndToEnd(t *testing.T) {
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	clock := newTestClock()
	rb := startServeAt(t, env, clock.now)
	p := &person{t: t, api: api, id: 5301, lang: "km"}
	menu := p.chooseRole(p.press(p.command("/start"), "l:km"), "r:w")

	list := p.press(menu, "R:list")
	kinds := p.press(list, "R:new")
	years := p.press(kinds, "R:k-v")
	months := p.press(years, "R:y-v.2027")
	days := p.press(months, "R:m-v.2027.3")
	saved := p.press(days, "R:d-v.2027.3.15")
	mustContain(t, "saved", saved.Plain, "2027-03-15", "2027-01-14, 2027-02-13, 2027-03-08")
	if !hasButton(saved, "R:del-v") {
		t.Fatalf("the list after saving has no delete button: %+v", saved.Buttons)
	}
	rb.stop(t)

	startServeAt(t, env, clock.now)
	p.press(p.command("/language"), "l:lo")
	clock.set(bangkok(2027, 1, 14, 8))  // an hour before: nothing yet
	time.Sleep(1500 * time.Millisecond) // more than a poll of the reminder runner
	if got := reminderMessages(api, p.id); len(got) != 0 {
		t.Fatalf("a reminder came before its time: %q", got[0].Plain)
	}
	clock.set(bangkok(2027, 1, 14, 9))
	api.WaitFor(t, func() bool { return len(reminderMessages(api, p.id)) > 0 }, 10*time.Second)
	time.Sleep(1500 * time.Millisecond) // a duplicate would come within a poll
	got := reminderMessages(api, p.id)
	if len(got) != 1 {
		t.Fatalf("the reminder came %d times, want once", len(got))
	}
	mustContain(t, "reminder", got[0].Plain, "2027-03-15", "60")
	if page := buttonText(got[0], "p:pre.docs"); !strings.Contains(page, "ເອກະສານຂອງທ່ານ") {
		t.Errorf("the reminder links the papers page as %q, want its Lao title", page)
	}
	p.seen = len(api.MessagesTo(p.id))

	listed := p.press(got[0], "R:list")
	mustContain(t, "list after the reminder", listed.Plain, "2027-03-15", "2027-02-13")
	emptied := p.press(listed, "R:del-v")
	if hasButton(emptied, "R:del-v") || strings.Contains(emptied.Plain, "2027-02-13") {
		t.Errorf("the reminder is still listed after deleting it: %s", emptied.Plain)
	}
	clock.set(bangkok(2027, 2, 13, 9))
	time.Sleep(1500 * time.Millisecond)
	if n := len(reminderMessages(api, p.id)); n != 1 {
		t.Errorf("a deleted reminder was sent: %d reminders", n)
	}
}

// reminderMessages are the messages to chat that are a reminder: they link
// the handbook page about papers.
func reminderMessages(api *telegramtest.Server, chat int64) []telegramtest.Sent {
	var out []telegramtest.Sent
	for _, m := range api.MessagesTo(chat) {
		if hasButton(m, "p:pre.docs") && hasButton(m, "R:list") {
			out = append(out, m)
		}
	}
	return out
}
