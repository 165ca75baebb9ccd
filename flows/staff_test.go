package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mekongbot/flows"
)

const (
	staffUser = 900   // a staff member, in BOT_ADMIN_IDS
	staffChat = -1001 // the staff group
	person    = 42
)

// world is an engine with every store, in memory.
type world struct {
	store  *flows.MemStore
	subs   *memSubs
	roster *memRoster
	cases  *memCases
	drafts *memDrafts
	bcasts *memBroadcasts
	ins    *memInsights
	fb     *memFeedback
	rems   *memReminders
	out    *memOutbox
	e      *flows.Engine
}

var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, flows.Bangkok)

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{store: flows.NewMemStore(), subs: newMemSubs(), roster: newRoster(staffUser), cases: newMemCases(),
		drafts: newMemDrafts(), bcasts: newMemBroadcasts(), ins: newMemInsights(), fb: newMemFeedback(),
		rems: newMemReminders(), out: newMemOutbox()}
	w.e = flows.NewEngine(flows.Config{
		Store: w.store, Catalog: newFakeCatalog(), Text: fakeText{}, Insights: w.ins, Feedback: w.fb,
		Subscribers: w.subs, Broadcasts: w.bcasts, Drafts: w.drafts, Roster: w.roster,
		Cases: w.cases, StaffChat: staffChat, Reminders: w.rems, Outbox: w.out, Now: func() time.Time { return testNow },
	})
	for _, chat := range []int64{staffUser, person, 43} {
		if err := w.store.Save(context.Background(), chat, flows.Session{Lang: "en", Role: flows.RoleWorker, Page: "root"}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) do(t *testing.T, ev flows.Event) []flows.Reply {
	t.Helper()
	replies, err := w.e.Process(context.Background(), ev)
	if err != nil {
		t.Fatalf("Process(%+v): %v", ev, err)
	}
	return replies
}

func (w *world) session(t *testing.T, chat int64) flows.Session {
	t.Helper()
	s, _, err := w.store.Load(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Events from someone in their private chat with the bot.
func cmdFrom(user int64, name, args string) flows.Event {
	return flows.Event{ChatID: user, UserID: user, Kind: flows.KindCommand, Command: name, Text: args}
}
func textFrom(user int64, s string) flows.Event {
	return flows.Event{ChatID: user, UserID: user, Kind: flows.KindText, Text: s}
}
func pressFrom(user int64, a flows.Action, arg string) flows.Event {
	return flows.Event{ChatID: user, UserID: user, Kind: flows.KindButton, MessageID: 5, Data: flows.Press{Action: a, Arg: arg}.Encode()}
}

func allText(replies []flows.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		b.WriteString(r.Note + "|" + r.Title + "|" + r.Text + "|" + strings.Join(labels(r), ",") + "\n")
	}
	return b.String()
}

func TestNonStaffCannotRunStaffActions(t *testing.T) {
	tests := []struct {
		name  string
		event flows.Event
		want  string // the note a non-staff person gets
	}{
		{"start a broadcast", cmdFrom(person, "broadcast", ""), "en:UnknownCommand"},
		{"see stats", cmdFrom(person, "stats", ""), "en:UnknownCommand"},
		{"see staff", cmdFrom(person, "staff", ""), "en:UnknownCommand"},
		{"make a link", cmdFrom(person, "link", "pre.fees km"), "en:UnknownCommand"},
		{"add themselves", cmdFrom(person, "staff", "add 42"), "en:UnknownCommand"},
		{"press everyone", pressFrom(person, flows.ActStaff, "all"), "en:StaleButton"},
		{"confirm", pressFrom(person, flows.ActStaff, "send"), "en:StaleButton"},
		{"cancel", pressFrom(person, flows.ActStaff, "stop-1"), "en:StaleButton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			// A draft and a running broadcast exist, so a forged press would have something to act on.
			if err := w.drafts.SaveDraft(context.Background(), person, []byte(`{"t":{"en":"hi"},"f":"en","fa":true}`)); err != nil {
				t.Fatal(err)
			}
			if _, err := w.bcasts.Start(context.Background(), flows.Broadcast{Texts: map[string]string{"en": "x"}}); err != nil {
				t.Fatal(err)
			}
			replies := w.do(t, tt.event)
			if len(replies) != 1 || replies[0].Note != tt.want {
				t.Fatalf("replies %s, want one with note %s", allText(replies), tt.want)
			}
			if got := allText(replies); strings.Contains(got, "Stats") || strings.Contains(got, "Staff") || strings.Contains(got, "Broadcast") {
				t.Errorf("a non-staff reply shows a staff screen: %s", got)
			}
			if len(w.bcasts.started) != 1 || w.bcasts.status[1].State != flows.BroadcastRunning {
				t.Errorf("broadcasts changed: %+v %+v", w.bcasts.started, w.bcasts.status)
			}
			if ok, _ := w.roster.IsStaff(context.Background(), person); ok {
				t.Error("the person made themselves staff")
			}
		})
	}
}

func TestStaffRemovedMidFlowCannotConfirm(t *testing.T) {
	w := newWorld(t)
	w.roster.members[77] = false // added in chat, so removable
	_ = w.store.Save(context.Background(), 77, flows.Session{Lang: "en", Role: flows.RoleWorker, Page: "root"})
	w.do(t, cmdFrom(77, "broadcast", ""))
	w.do(t, pressFrom(77, flows.ActStaff, "all"))
	w.do(t, textFrom(77, "Registration opens Monday"))
	if err := w.roster.Remove(context.Background(), staffUser, 77); err != nil {
		t.Fatal(err)
	}
	replies := w.do(t, pressFrom(77, flows.ActStaff, "send"))
	if len(w.bcasts.started) != 0 {
		t.Fatalf("a removed staff member sent a broadcast: %s", allText(replies))
	}
	if replies[0].Note != "en:StaleButton" {
		t.Errorf("reply %s, want the stale-button answer", allText(replies))
	}
}

func TestUrgentBroadcastIsThreeSteps(t *testing.T) {
	w := newWorld(t)
	for chat, lang := range map[int64]string{1: "km", 2: "lo", 3: "en"} {
		_ = w.subs.Subscribe(context.Background(), chat, flows.Profile{Lang: lang, Role: flows.RoleWorker, Topics: flows.AllTopics})
	}
	w.do(t, cmdFrom(staffUser, "broadcast", ""))
	ask := w.do(t, pressFrom(staffUser, flows.ActStaff, "all"))
	if !strings.Contains(ask[0].Text, "AskOneText") {
		t.Fatalf("after Everyone: %s, want the one-text prompt", allText(ask))
	}
	preview := w.do(t, textFrom(staffUser, "New hotline opens today"))
	if len(preview) != 3 {
		t.Fatalf("preview = %s, want intro, the message, the summary", allText(preview))
	}
	if got, want := preview[1], w.e.BroadcastMessage("en", "New hotline opens today"); got.Title != want.Title || got.Text != want.Text {
		t.Errorf("preview message %+v, want exactly what recipients get %+v", got, want)
	}
	if !strings.Contains(preview[2].Text, "Count=3") {
		t.Errorf("summary %q, want 3 recipients", preview[2].Text)
	}
	done := w.do(t, pressFrom(staffUser, flows.ActStaff, "send"))
	if len(w.bcasts.started) != 1 {
		t.Fatalf("no broadcast started: %s", allText(done))
	}
	b := w.bcasts.started[0]
	if !b.Audience.Everyone() || b.Texts["en"] != "New hotline opens today" || b.Fallback != "en" || b.ReportChat != staffUser || b.By != staffUser || !b.At.IsZero() {
		t.Errorf("started %+v", b)
	}
	if s := w.session(t, staffUser); s.State != flows.StateNone {
		t.Errorf("state after sending = %q, want none", s.State)
	}
	if d, _ := w.drafts.LoadDraft(context.Background(), staffUser); d != nil {
		t.Error("the draft was kept after sending")
	}
}

func TestTargetedBroadcastPerLanguageScheduled(t *testing.T) {
	w := newWorld(t)
	subs := []flows.Profile{
		{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: "r"},
		{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: "h"},
		{Lang: "lo", Role: flows.RoleWorker, Country: "la", Topics: "r"},
		{Lang: "en", Role: flows.RoleWorker, Country: "kh", Topics: "r"},
		{Lang: "km", Role: flows.RoleOfficial, Country: "kh", Topics: "r"},
	}
	for i, p := range subs {
		_ = w.subs.Subscribe(context.Background(), int64(i+1), p)
	}
	steps := []flows.Event{
		cmdFrom(staffUser, "broadcast", ""),
		pressFrom(staffUser, flows.ActStaff, "dim-r"),
		pressFrom(staffUser, flows.ActStaff, "r-w"),
		pressFrom(staffUser, flows.ActStaff, "dim-t"),
		pressFrom(staffUser, flows.ActStaff, "t-r"),
		pressFrom(staffUser, flows.ActStaff, "aud"),
		pressFrom(staffUser, flows.ActStaff, "texts"), // asks km, lo, en: the languages of the 3 matching workers
		textFrom(staffUser, "ការចុះឈ្មោះបើក"),
		pressFrom(staffUser, flows.ActStaff, "skip"), // no Lao text
		textFrom(staffUser, "Registration opens"),
	}
	var last []flows.Reply
	for _, ev := range steps {
		last = w.do(t, ev)
	}
	if !strings.Contains(last[0].Text, "AskFallback") || !strings.Contains(last[0].Text, "lo:LanguageName") {
		t.Fatalf("after the texts: %s, want the fallback question for Lao", allText(last))
	}
	w.do(t, pressFrom(staffUser, flows.ActStaff, "fb-none"))
	w.do(t, pressFrom(staffUser, flows.ActStaff, "when"))
	bad := w.do(t, textFrom(staffUser, "yesterday"))
	if !strings.Contains(bad[0].Text, "WhenInvalid") {
		t.Errorf("a bad time got %s", allText(bad))
	}
	preview := w.do(t, textFrom(staffUser, "2026-12-01 09:00"))
	summary := preview[len(preview)-1]
	if !strings.Contains(summary.Text, "Count=2") || !strings.Contains(summary.Text, "When=2026-12-01 09:00 (Bangkok)") {
		t.Errorf("summary %q, want 2 recipients (km and en workers on topic r) at 09:00 Bangkok", summary.Text)
	}
	w.do(t, pressFrom(staffUser, flows.ActStaff, "send"))
	if len(w.bcasts.started) != 1 {
		t.Fatal("not started")
	}
	b := w.bcasts.started[0]
	wantAt := time.Date(2026, 12, 1, 9, 0, 0, 0, flows.Bangkok)
	if !b.At.Equal(wantAt) || b.Fallback != "" || len(b.Texts) != 2 || b.Texts["lo"] != "" {
		t.Errorf("started %+v", b)
	}
	if len(b.Audience.Roles) != 1 || len(b.Audience.Topics) != 1 {
		t.Errorf("audience %+v, want workers on topic r", b.Audience)
	}
}

func TestStaffCancelsBroadcast(t *testing.T) {
	w := newWorld(t)
	id, _ := w.bcasts.Start(context.Background(), flows.Broadcast{Texts: map[string]string{"en": "x"}})
	replies := w.do(t, pressFrom(staffUser, flows.ActStaff, "stop-1"))
	if w.bcasts.status[id].State != flows.BroadcastCancelled {
		t.Fatalf("state %s after cancel: %s", w.bcasts.status[id].State, allText(replies))
	}
	if len(replies[0].Buttons) != 0 || !replies[0].Edit {
		t.Errorf("the progress message still offers cancel or is not edited: %+v", replies[0])
	}
}

func TestStatsShowCountsOnly(t *testing.T) {
	w := newWorld(t)
	for i := int64(1); i <= 6; i++ {
		_ = w.subs.Subscribe(context.Background(), i, flows.Profile{Lang: "km", Role: flows.RoleWorker, Country: "kh"})
	}
	_ = w.subs.Subscribe(context.Background(), 99, flows.Profile{Lang: "lo", Role: flows.RoleWorker, Country: "la"})
	w.do(t, cmdFrom(person, "menu", "")) // counted active, opens root
	replies := w.do(t, cmdFrom(staffUser, "stats", ""))
	got := replies[0].Text
	for _, want := range []string{"km:LanguageName 6", "lo:LanguageName <5", "StatsSubscribers{Count=7}", "StatsOpenCases{Count=0}", "en:T:root (1)"} {
		if !strings.Contains(got, want) {
			t.Errorf("stats lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "42") || strings.Contains(got, "99") {
		t.Errorf("stats name a chat:\n%s", got)
	}
}

func TestStaffRoster(t *testing.T) {
	w := newWorld(t)
	w.do(t, cmdFrom(staffUser, "staff", "add 77"))
	if ok, _ := w.roster.IsStaff(context.Background(), 77); !ok {
		t.Fatal("77 not added")
	}
	r := w.do(t, cmdFrom(staffUser, "staff", "remove 900"))
	if !strings.Contains(r[0].Note, "StaffFixed") {
		t.Errorf("removing a configured member: %s", allText(r))
	}
	r = w.do(t, cmdFrom(staffUser, "staff", "remove nobody"))
	if !strings.Contains(r[0].Note, "StaffUsage") {
		t.Errorf("bad id: %s", allText(r))
	}
	w.do(t, cmdFrom(staffUser, "staff", "remove 77"))
	if ok, _ := w.roster.IsStaff(context.Background(), 77); ok {
		t.Fatal("77 not removed")
	}
}
