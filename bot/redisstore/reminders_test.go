package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

func TestReminders(t *testing.T) { testReminders(t, redistest.Client) }

func testReminders(t *testing.T, newClient clientFunc) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, newClient clientFunc)
	}{
		{"SetListDelete", testReminderSetListDelete},
		{"ClaimedOnceAcrossProcesses", testReminderClaimedOnce},
		{"DoneSchedulesTheNext", testReminderDone},
		{"ExpiredClaimIsTakenOver", testReminderTakeover},
		{"ReleaseRetries", testReminderRelease},
		{"ForgetDuringDelivery", testReminderForgetDuringDelivery},
		{"FinishedOnlyIfUnchanged", testReminderFinished},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newClient) })
	}
}

// remEnv is a Reminders on a clock the test moves.
type remEnv struct {
	rem    *redisstore.Reminders
	client redis.UniversalClient
	keys   redisstore.Keys
	clock  *atomic.Int64 // Unix seconds
}

var remStart = time.Date(2026, 11, 27, 10, 0, 0, 0, flows.Bangkok)

func newRemEnv(t *testing.T, newClient clientFunc) remEnv {
	client, prefix := newClient(t)
	clock := &atomic.Int64{}
	clock.Store(remStart.Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	return remEnv{redisstore.NewReminders(client, prefix, now), client, redisstore.Keys{Prefix: prefix}, clock}
}

func (e remEnv) setClock(at time.Time) { e.clock.Store(at.Unix()) }

func (e remEnv) set(t *testing.T, chat int64, k flows.ReminderKind, date string) flows.Reminder {
	t.Helper()
	d, err := flows.ParseDay(date)
	if err != nil {
		t.Fatal(err)
	}
	r := flows.Reminder{Kind: k, Date: d}
	if err := e.rem.Set(t.Context(), chat, r, "km"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	return r
}

func (e remEnv) claim(t *testing.T, token string, n int, lease time.Duration) []redisstore.DueReminder {
	t.Helper()
	got, err := e.rem.Claim(t.Context(), token, n, lease)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func (e remEnv) scheduled(t *testing.T, chat int64, k flows.ReminderKind) (time.Time, bool) {
	t.Helper()
	score, err := e.client.ZScore(t.Context(), e.keys.Reminder("due"), dueName(chat, k)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(int64(score), 0), true
}

func dueName(chat int64, k flows.ReminderKind) string {
	return strconv.FormatInt(chat, 10) + ":" + string(k)
}

func testReminderSetListDelete(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	ctx := t.Context()
	const chat = -1001234567890 // any chat id, negative ones too
	e.set(t, chat, flows.ReminderReport, "2026-12-01")
	visa := e.set(t, chat, flows.ReminderVisa, "2027-03-15")
	list, err := e.rem.List(ctx, chat)
	if err != nil || len(list) != 2 || list[0] != visa || list[1].Kind != flows.ReminderReport {
		t.Fatalf("List = %+v, %v; want the visa, then the report", list, err)
	}
	if at, ok := e.scheduled(t, chat, flows.ReminderVisa); !ok || !at.Equal(time.Date(2027, 1, 14, 9, 0, 0, 0, flows.Bangkok)) {
		t.Errorf("visa scheduled at %v (%v), want 60 days before at 09:00", at, ok)
	}
	if h := e.client.HGetAll(ctx, e.keys.Reminders(chat)).Val(); len(h) != 3 || h["l"] != "km" || h["v"] != "2027-03-15" {
		t.Errorf("the chat's hash holds %v, want kind -> date and the language only", h)
	}
	if err := e.rem.SetLang(ctx, chat, "vi"); err != nil {
		t.Fatal(err)
	}
	if _, lang, ok, _ := e.rem.Reminder(ctx, chat, flows.ReminderVisa); !ok || lang != "vi" {
		t.Errorf("language after SetLang: %q (%v), want vi", lang, ok)
	}
	if err := e.rem.SetLang(ctx, 77, "vi"); err != nil || e.client.Exists(ctx, e.keys.Reminders(77)).Val() != 0 {
		t.Errorf("SetLang created reminders for a chat without any (%v)", err)
	}
	for _, k := range []flows.ReminderKind{flows.ReminderVisa, flows.ReminderReport} {
		if err := e.rem.Delete(ctx, chat, k); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.scheduled(t, chat, k); ok {
			t.Errorf("%c still scheduled after Delete", k)
		}
	}
	if n := e.client.Exists(ctx, e.keys.Reminders(chat)).Val(); n != 0 {
		t.Error("the chat's hash outlived its last reminder")
	}
}

// testReminderClaimedOnce: eight processes claim from 200 due messages at
// once; every message is claimed by exactly one.
func testReminderClaimedOnce(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	for chat := int64(1); chat <= 200; chat++ {
		e.set(t, chat, flows.ReminderPassport, "2026-12-02") // 7 days before has passed: next, the day itself
	}
	e.set(t, 999, flows.ReminderPassport, "2026-12-03") // not yet
	e.setClock(time.Date(2026, 12, 2, 9, 0, 0, 0, flows.Bangkok))
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Go(func() {
			for {
				got, err := e.rem.Claim(context.Background(), "p"+strconv.Itoa(p), 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.Chat]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Errorf("%d chats claimed, want 200 (and not 999, not due)", len(seen))
	}
	for chat, n := range seen {
		if n != 1 || chat == 999 {
			t.Errorf("chat %d claimed %d times", chat, n)
		}
	}
}

func testReminderDone(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	r := e.set(t, 5, flows.ReminderVisa, "2027-03-15")
	if got := e.claim(t, "a", 10, time.Minute); len(got) != 0 {
		t.Fatalf("claimed %+v before it was due", got)
	}
	first := time.Date(2027, 1, 14, 9, 0, 0, 0, flows.Bangkok)
	e.setClock(first)
	got := e.claim(t, "a", 10, time.Minute)
	if len(got) != 1 || got[0].Chat != 5 || got[0].Kind != flows.ReminderVisa || !got[0].At.Equal(first) {
		t.Fatalf("claimed %+v, want chat 5's visa due %v", got, first)
	}
	if _, ok := e.scheduled(t, 5, flows.ReminderVisa); ok {
		t.Error("a claimed message is still scheduled")
	}
	next, _ := r.Next(first)
	if held, err := e.rem.Done(t.Context(), got[0], next); !held || err != nil {
		t.Fatalf("Done = %v, %v", held, err)
	}
	if at, ok := e.scheduled(t, 5, flows.ReminderVisa); !ok || !at.Equal(next) {
		t.Errorf("next message at %v (%v), want %v", at, ok, next)
	}
	if n := e.client.ZCard(t.Context(), e.keys.Reminder("flight")).Val(); n != 0 {
		t.Errorf("%d claims left in flight", n)
	}
	if again := e.claim(t, "b", 10, time.Minute); len(again) != 0 {
		t.Errorf("claimed again: %+v", again)
	}
}

func testReminderTakeover(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	r := e.set(t, 6, flows.ReminderPermit, "2026-12-01")
	e.setClock(time.Date(2026, 12, 1, 9, 0, 0, 0, flows.Bangkok))
	dead := e.claim(t, "dead", 10, time.Millisecond)
	if len(dead) != 1 {
		t.Fatalf("claimed %d", len(dead))
	}
	time.Sleep(20 * time.Millisecond) // the lease (Redis clock) runs out
	taken := e.claim(t, "alive", 10, time.Minute)
	if len(taken) != 1 || taken[0].Chat != 6 || !taken[0].At.Equal(dead[0].At) {
		t.Fatalf("takeover claimed %+v, want the dead process's message", taken)
	}
	if held, _ := e.rem.Done(t.Context(), dead[0], time.Time{}); held {
		t.Error("the dead process's Done still held the claim after a takeover")
	}
	if held, err := e.rem.Done(t.Context(), taken[0], time.Time{}); !held || err != nil {
		t.Errorf("the taker's Done = %v, %v", held, err)
	}
	if err := e.rem.Finished(t.Context(), 6, r); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.rem.List(t.Context(), 6); len(list) != 0 {
		t.Errorf("a finished reminder was kept: %+v", list)
	}
}

func testReminderRelease(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	e.set(t, 7, flows.ReminderPassport, "2026-12-01")
	e.setClock(time.Date(2026, 12, 1, 9, 0, 0, 0, flows.Bangkok))
	got := e.claim(t, "a", 10, time.Minute)
	if err := e.rem.Release(t.Context(), got[0], time.Hour); err != nil {
		t.Fatal(err)
	}
	if again := e.claim(t, "b", 10, time.Minute); len(again) != 0 {
		t.Errorf("a message handed back for an hour was claimed at once: %+v", again)
	}
	if err := e.rem.Release(t.Context(), got[0], 0); err != nil {
		t.Fatal(err)
	}
	if again := e.claim(t, "b", 10, time.Minute); len(again) != 1 || again[0].Chat != 7 {
		t.Errorf("a message handed back at once was not claimed: %+v", again)
	}
}

// testReminderForgetDuringDelivery: /forget runs while a message is out;
// the next message Done schedules is taken back.
func testReminderForgetDuringDelivery(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	r := e.set(t, 8, flows.ReminderReport, "2026-12-01")
	e.setClock(time.Date(2026, 12, 1, 9, 0, 0, 0, flows.Bangkok))
	got := e.claim(t, "a", 10, time.Minute)
	if err := e.rem.Forget(t.Context(), 8); err != nil {
		t.Fatal(err)
	}
	next, _ := r.Next(got[0].At)
	if held, err := e.rem.Done(t.Context(), got[0], next); !held || err != nil {
		t.Fatalf("Done = %v, %v", held, err)
	}
	if _, ok := e.scheduled(t, 8, flows.ReminderReport); ok {
		t.Error("a forgotten reminder was scheduled again")
	}
	n, err := e.client.Exists(t.Context(), e.keys.Reminders(8)).Result()
	if err != nil || n != 0 {
		t.Errorf("forgotten reminders still stored (%v)", err)
	}
}

func testReminderFinished(t *testing.T, newClient clientFunc) {
	e := newRemEnv(t, newClient)
	old := e.set(t, 9, flows.ReminderVisa, "2026-12-01")
	e.set(t, 9, flows.ReminderVisa, "2027-06-01") // set anew meanwhile
	if err := e.rem.Finished(t.Context(), 9, old); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.rem.List(t.Context(), 9); len(list) != 1 || list[0].Date.String() != "2027-06-01" {
		t.Errorf("Finished on the old date touched the new one: %+v", list)
	}
}
