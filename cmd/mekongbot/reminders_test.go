package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
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
// is scheduled; then the person deletes it and its schedule goes too. A
// 90-day report set by typing the date is dropped when the person blocks the
// bot.
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
	schedule := openSchedule(t, env)
	if at, ok := schedule.next(p.id, "v"); !ok || !at.Equal(bangkok(2027, 1, 14, 9)) {
		t.Fatalf("after the restart the first message is scheduled at %v (%v), want 2027-01-14 09:00", at, ok)
	}
	clock.set(bangkok(2027, 1, 14, 9))
	api.WaitFor(t, func() bool { return len(reminderMessages(api, p.id)) > 0 }, 15*time.Second)
	// Once the claim is ended and the next message scheduled, nothing can
	// send this one again.
	api.WaitFor(t, func() bool {
		at, ok := schedule.next(p.id, "v")
		return ok && at.Equal(bangkok(2027, 2, 13, 9)) && schedule.inFlight() == 0
	}, 10*time.Second)
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
	if _, ok := schedule.next(p.id, "v"); ok {
		t.Error("a deleted reminder is still scheduled")
	}

	// A typed date sets the 90-day report; blocking the bot drops it.
	p.press(p.press(emptied, "R:new"), "R:k-r")
	api.SendText(p.id, p.id, "lo", "01/05/2027")
	mustContain(t, "typed date", p.await().Plain, "2027-05-01")
	if _, ok := schedule.next(p.id, "r"); !ok {
		t.Fatal("the 90-day report is not scheduled")
	}
	bot := map[string]any{"id": 1, "is_bot": true, "first_name": "bot"}
	api.Push(map[string]any{"my_chat_member": map[string]any{
		"chat":            map[string]any{"id": p.id, "type": "private", "first_name": "A"},
		"from":            map[string]any{"id": p.id, "is_bot": false, "first_name": "A"},
		"date":            time.Now().Unix(),
		"old_chat_member": map[string]any{"status": "member", "user": bot},
		"new_chat_member": map[string]any{"status": "kicked", "until_date": 0, "user": bot},
	}})
	api.WaitFor(t, func() bool { _, ok := schedule.next(p.id, "r"); return !ok }, 10*time.Second)
}

// schedule reads the reminder schedule the bot keeps in Redis.
type schedule struct {
	t    *testing.T
	rdb  redis.UniversalClient
	keys redisstore.Keys
}

func openSchedule(t *testing.T, env map[string]string) schedule {
	t.Helper()
	rdb, err := redisstore.Open(t.Context(), env["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return schedule{t, rdb, redisstore.Keys{Prefix: env["REDIS_KEY_PREFIX"]}}
}

// next is when the chat's reminder of kind is next due.
func (s schedule) next(chat int64, kind string) (time.Time, bool) {
	score, err := s.rdb.ZScore(context.Background(), s.keys.Reminder("due"), strconv.FormatInt(chat, 10)+":"+kind).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return time.Unix(int64(score), 0), true
}

// inFlight counts the messages claimed and not yet ended.
func (s schedule) inFlight() int64 {
	return s.rdb.ZCard(context.Background(), s.keys.Reminder("flight")).Val()
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
