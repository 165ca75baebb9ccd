package reminders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

// fakeSender records what was sent; chats in fail get errFail, in gone
// errGone.
type fakeSender struct {
	mu   sync.Mutex
	sent map[int64][]string
	fail map[int64]bool
	gone map[int64]bool
}

var (
	errFail = errors.New("telegram is down")
	errGone = errors.New("forbidden: bot was blocked by the user")
)

func (s *fakeSender) SendBulk(_ context.Context, chat int64, r flows.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.gone[chat]:
		return fmt.Errorf("send to chat %d: %w", chat, errGone)
	case s.fail[chat]:
		return errFail
	}
	s.sent[chat] = append(s.sent[chat], r.Text)
	return nil
}

func (s *fakeSender) to(chat int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent[chat]...)
}

// world is a store and runners on one clock the test moves.
type world struct {
	client redis.UniversalClient
	keys   redisstore.Keys
	store  *redisstore.Reminders
	sender *fakeSender
	clock  *atomic.Int64
}

func newWorld(t *testing.T) *world { return newWorldTB(t) }

func newWorldTB(t testing.TB) *world {
	client, prefix := redistest.Client(t)
	w := &world{client: client, keys: redisstore.Keys{Prefix: prefix}, sender: &fakeSender{sent: map[int64][]string{}, fail: map[int64]bool{}, gone: map[int64]bool{}},
		clock: &atomic.Int64{}}
	w.clock.Store(time.Date(2026, 11, 27, 10, 0, 0, 0, flows.Bangkok).Unix())
	w.store = redisstore.NewReminders(client, prefix, w.now)
	return w
}

func (w *world) now() time.Time { return time.Unix(w.clock.Load(), 0) }

func (w *world) setClock(t *testing.T, date string, hour int) {
	t.Helper()
	w.clock.Store(day(t, date).At(hour).Unix())
}

func (w *world) runner(t *testing.T) *Runner { return w.runnerTB(t) }

func (w *world) runnerTB(t testing.TB) *Runner {
	t.Helper()
	r, err := NewRunner(Config{
		Store: w.store, Sender: w.sender, Gone: func(err error) bool { return errors.Is(err, errGone) },
		Message: func(lang string, r flows.Reminder, now time.Time) flows.Reply {
			return flows.Reply{Text: fmt.Sprintf("%s %c %s on %s", lang, r.Kind, r.DueOn(flows.DayOf(now)), flows.DayOf(now))}
		},
		Now: w.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) set(t *testing.T, chat int64, k flows.ReminderKind, date, lang string) flows.Reminder {
	t.Helper()
	r := flows.Reminder{Kind: k, Date: day(t, date)}
	if err := w.store.Set(t.Context(), chat, r, lang); err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) list(t *testing.T, chat int64) string {
	t.Helper()
	list, err := w.store.List(t.Context(), chat)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, r := range list {
		out += fmt.Sprintf("%c:%s ", r.Kind, r.Date)
	}
	return out
}

func day(t *testing.T, s string) flows.Day { return dayTB(t, s) }

func dayTB(t testing.TB, s string) flows.Day {
	t.Helper()
	d, err := flows.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRunnerDeliversOnSchedule follows one visa reminder and one 90-day
// report through their messages, moving the clock from one to the next.
func TestRunnerDeliversOnSchedule(t *testing.T) {
	w := newWorld(t)
	r := w.runner(t)
	w.set(t, 1, flows.ReminderVisa, "2027-03-15", "km")
	w.set(t, 2, flows.ReminderReport, "2026-12-01", "lo")
	steps := []struct {
		date      string
		hour      int
		lang      string // a language change before the step
		want1     []string
		want2     []string
		reminders string // chat 1's afterwards
	}{
		{"2026-12-01", 9, "", nil, []string{"lo r 2026-12-01 on 2026-12-01"}, "v:2027-03-15 "},
		{"2027-01-14", 8, "", nil, nil, "v:2027-03-15 "},
		{"2027-01-14", 9, "", []string{"km v 2027-03-15 on 2027-01-14"}, nil, "v:2027-03-15 "},
		{"2027-01-14", 10, "", nil, nil, "v:2027-03-15 "},
		{"2027-02-13", 9, "vi", []string{"vi v 2027-03-15 on 2027-02-13"}, nil, "v:2027-03-15 "},
		{"2027-02-22", 9, "", nil, []string{"lo r 2027-03-01 on 2027-02-22"}, "v:2027-03-15 "},
		{"2027-03-01", 9, "", nil, []string{"lo r 2027-03-01 on 2027-03-01"}, "v:2027-03-15 "},
		{"2027-03-08", 9, "", []string{"vi v 2027-03-15 on 2027-03-08"}, nil, "v:2027-03-15 "},
		{"2027-03-15", 9, "", []string{"vi v 2027-03-15 on 2027-03-15"}, nil, ""},
		{"2027-05-23", 9, "", nil, []string{"lo r 2027-05-30 on 2027-05-23"}, ""},
	}
	var got1, got2 []string
	for _, st := range steps {
		if st.lang != "" {
			if err := w.store.SetLang(t.Context(), 1, st.lang); err != nil {
				t.Fatal(err)
			}
		}
		w.setClock(t, st.date, st.hour)
		r.round(t.Context())
		got1, got2 = append(got1, st.want1...), append(got2, st.want2...)
		if fmt.Sprint(w.sender.to(1)) != fmt.Sprint(got1) || fmt.Sprint(w.sender.to(2)) != fmt.Sprint(got2) {
			t.Fatalf("at %s %d:00: chat 1 got %q, chat 2 %q; want %q and %q",
				st.date, st.hour, w.sender.to(1), w.sender.to(2), got1, got2)
		}
		if l := w.list(t, 1); l != st.reminders {
			t.Errorf("at %s: chat 1 has reminders %q, want %q", st.date, l, st.reminders)
		}
	}
}

// TestRunnerSendsNothingUnwanted: a reminder deleted, changed, blocked or
// come too late sends nothing, and its schedule follows what is stored.
func TestRunnerSendsNothingUnwanted(t *testing.T) {
	w := newWorld(t)
	r := w.runner(t)
	ctx := t.Context()
	w.set(t, 1, flows.ReminderVisa, "2026-12-01", "en")     // deleted before it is due
	w.set(t, 2, flows.ReminderPassport, "2026-11-30", "en") // the bot is down past its day
	w.set(t, 3, flows.ReminderPermit, "2026-12-01", "en")   // the person blocked the bot
	w.set(t, 4, flows.ReminderPermit, "2026-12-01", "en")   // Telegram fails
	if err := w.store.Delete(ctx, 1, flows.ReminderVisa); err != nil {
		t.Fatal(err)
	}
	w.sender.gone[3], w.sender.fail[4] = true, true

	w.setClock(t, "2026-12-01", 9)
	r.round(ctx)
	if l := w.list(t, 3); l != "" {
		t.Errorf("a chat that blocked the bot keeps reminders %q", l)
	}
	if l := w.list(t, 4); l != "w:2026-12-01 " {
		t.Errorf("a failed send lost the reminder: %q", l)
	}
	w.sender.fail[4] = false
	r.round(ctx)
	if got := w.sender.to(4); len(got) != 0 {
		t.Errorf("a failed send was retried at once, not after RetryAfter: %q", got)
	}

	for chat := int64(1); chat <= 3; chat++ {
		if got := w.sender.to(chat); len(got) != 0 {
			t.Errorf("chat %d got %q", chat, got)
		}
	}
	if l := w.list(t, 2); l != "" {
		t.Errorf("a reminder whose day passed unsent is kept: %q", l)
	}
}

// TestRunnerReschedulesAChangedDate: a schedule that does not match the
// stored date (a Set whose second step failed left the new date's time with
// the old date) sends nothing and is corrected.
func TestRunnerReschedulesAChangedDate(t *testing.T) {
	w := newWorld(t)
	r := w.runner(t)
	w.set(t, 1, flows.ReminderVisa, "2027-01-20", "en") // messages 2026-12-21, 2027-01-13, 2027-01-20
	stray := redis.Z{Score: float64(day(t, "2026-12-03").At(9).Unix()), Member: "1:v"}
	if err := w.client.ZAdd(t.Context(), w.keys.Reminder("due"), stray).Err(); err != nil {
		t.Fatal(err)
	}
	w.setClock(t, "2026-12-03", 9)
	r.round(t.Context())
	if got := w.sender.to(1); len(got) != 0 {
		t.Errorf("a message off the schedule went out: %q", got)
	}
	w.setClock(t, "2026-12-21", 9)
	r.round(t.Context())
	if got := w.sender.to(1); len(got) != 1 || got[0] != "en v 2027-01-20 on 2026-12-21" {
		t.Errorf("the first message on the schedule: %q", got)
	}
}

// TestRunnersShareTheWork: four runners on one Redis deliver 300 due
// messages, each exactly once.
func TestRunnersShareTheWork(t *testing.T) {
	w := newWorld(t)
	for chat := int64(1); chat <= 300; chat++ {
		w.set(t, chat, flows.ReminderReport, "2026-12-01", "my")
	}
	w.setClock(t, "2026-12-01", 9)
	var wg sync.WaitGroup
	for range 4 {
		r := w.runner(t)
		wg.Go(func() {
			for r.round(context.Background()) > 0 {
			}
		})
	}
	wg.Wait()
	for chat := int64(1); chat <= 300; chat++ {
		if got := w.sender.to(chat); len(got) != 1 {
			t.Fatalf("chat %d got %d messages, want 1", chat, len(got))
		}
	}
}
