package flows_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"mekongbot/flows"
)

const chat = 42

func cmd(name, args string) flows.Event {
	return flows.Event{ChatID: chat, Kind: flows.KindCommand, Command: name, Text: args}
}
func press(a flows.Action, arg string) flows.Event {
	return flows.Event{ChatID: chat, Kind: flows.KindButton, Data: flows.Press{Action: a, Arg: arg}.Encode(), MessageID: 7}
}
func raw(data string) flows.Event {
	return flows.Event{ChatID: chat, Kind: flows.KindButton, Data: data, MessageID: 7}
}
func text(s string) flows.Event { return flows.Event{ChatID: chat, Kind: flows.KindText, Text: s} }
func other(kind string) flows.Event {
	return flows.Event{ChatID: chat, Kind: flows.KindOther, Other: kind}
}

var (
	worker   = flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "root"}
	official = flows.Session{Lang: "vi", Role: flows.RoleOfficial, Page: "root"}
	onFees   = flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees", Back: []string{"root", "pre"}}
)

// labels flattens a reply's buttons to their texts.
func labels(r flows.Reply) []string {
	var out []string
	for _, row := range r.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

func TestEngine(t *testing.T) {
	tests := []struct {
		name      string
		start     *flows.Session // nil: a chat never seen
		clientLng string
		event     flows.Event
		want      flows.Session
		wantTitle string
		wantNote  string
		wantEdit  bool
		wantBtns  []string // nil: not checked
	}{
		{name: "first /start picks the app language and asks for a language",
			clientLng: "km-KH", event: cmd("start", ""),
			want: flows.Session{State: flows.StateChooseLang}, wantTitle: "km:ChooseLanguage",
			wantBtns: []string{"km:LanguageName", "lo:LanguageName", "my:LanguageName", "vi:LanguageName", "th:LanguageName", "zh:LanguageName", "en:LanguageName"}},
		{name: "unknown app language falls back to English",
			clientLng: "fr", event: cmd("start", ""),
			want: flows.Session{State: flows.StateChooseLang}, wantTitle: "en:ChooseLanguage"},
		{name: "choosing a language asks the role in it",
			start: &flows.Session{State: flows.StateChooseLang}, event: press(flows.ActLang, "lo"),
			want: flows.Session{Lang: "lo", State: flows.StateChooseRole}, wantTitle: "lo:ChooseRole", wantEdit: true},
		{name: "a forged language is refused and the question asked again",
			start: &flows.Session{State: flows.StateChooseLang}, event: press(flows.ActLang, "xx"),
			want: flows.Session{State: flows.StateChooseLang}, wantTitle: "en:ChooseLanguage"},
		{name: "typing during onboarding repeats the question",
			start: &flows.Session{Lang: "my", State: flows.StateChooseRole}, event: text("hello"),
			want: flows.Session{Lang: "my", State: flows.StateChooseRole}, wantTitle: "my:ChooseRole"},
		{name: "choosing worker shows the main menu",
			start: &flows.Session{Lang: "km", State: flows.StateChooseRole}, event: press(flows.ActRole, "w"),
			want: worker, wantTitle: "km:T:root", wantEdit: true,
			wantBtns: []string{"km:T:pre", "km:T:mou", "km:T:help", "km:BtnLanguage", "km:BtnSettings"}},
		{name: "officials see the MoU section first",
			start: &flows.Session{Lang: "vi", State: flows.StateChooseRole}, event: press(flows.ActRole, "o"),
			want: official, wantTitle: "vi:T:root", wantEdit: true,
			wantBtns: []string{"vi:T:mou", "vi:T:pre", "vi:T:help", "vi:BtnLanguage", "vi:BtnSettings"}},
		{name: "stored language wins over the app language",
			start: &worker, clientLng: "th", event: cmd("menu", ""),
			want: worker, wantTitle: "km:T:root"},
		{name: "opening a page remembers where we were",
			start: &worker, event: press(flows.ActOpen, "pre"),
			want: flows.Session{Lang: "km", Role: 'w', Page: "pre", Back: []string{"root"}}, wantTitle: "km:T:pre", wantEdit: true,
			wantBtns: []string{"km:T:pre.fees", "km:BtnBack", "km:BtnMenu", "km:BtnHelp"}},
		{name: "a leaf page has related pages, sources and navigation",
			start: &flows.Session{Lang: "km", Role: 'w', Page: "pre", Back: []string{"root"}}, event: press(flows.ActOpen, "pre.fees"),
			want: onFees, wantTitle: "km:T:pre.fees", wantEdit: true,
			wantBtns: []string{"↪ km:T:help", "km:BtnSources", "km:BtnBack", "km:BtnMenu", "km:BtnHelp"}},
		{name: "help pages do not offer help again",
			start: &worker, event: press(flows.ActOpen, "help"),
			want: flows.Session{Lang: "km", Role: 'w', Page: "help", Back: []string{"root"}}, wantTitle: "km:T:help", wantEdit: true,
			wantBtns: []string{"km:BtnSources", "km:BtnBack", "km:BtnMenu"}},
		{name: "back returns to the previous page",
			start: &onFees, event: press(flows.ActBack, ""),
			want: flows.Session{Lang: "km", Role: 'w', Page: "pre", Back: []string{"root"}}, wantTitle: "km:T:pre", wantEdit: true},
		{name: "back with no history goes to the parent",
			start: &flows.Session{Lang: "km", Role: 'w', Page: "pre.fees"}, event: press(flows.ActBack, ""),
			want: flows.Session{Lang: "km", Role: 'w', Page: "pre"}, wantTitle: "km:T:pre", wantEdit: true},
		{name: "main menu clears the history",
			start: &onFees, event: press(flows.ActMenu, ""),
			want: worker, wantTitle: "km:T:root", wantEdit: true},
		{name: "sources list notes, links and the review date, and keep the page",
			start: &onFees, event: press(flows.ActSources, "pre.fees"),
			want: onFees, wantTitle: "km:SourcesTitle{Count=1,Page=km:T:pre.fees}", wantEdit: true,
			wantBtns: []string{"km:BtnBack", "km:BtnMenu"}},
		{name: "a forged button re-shows the current page with a note",
			start: &onFees, event: raw("p:../../etc"),
			want: onFees, wantTitle: "km:T:pre.fees", wantNote: "km:StaleButton"},
		{name: "a button for a page that no longer exists is stale",
			start: &onFees, event: press(flows.ActOpen, "gone.page"),
			want: onFees, wantTitle: "km:T:pre.fees", wantNote: "km:StaleButton"},
		{name: "garbage bytes are stale",
			start: &worker, event: raw("\xff\xfe"),
			want: worker, wantTitle: "km:T:root", wantNote: "km:StaleButton"},
		{name: "a sticker gets a note and the current page",
			start: &onFees, event: other("sticker"),
			want: onFees, wantTitle: "km:T:pre.fees", wantNote: "km:UnsupportedMessage"},
		{name: "typed text gets a note",
			start: &worker, event: text(strings.Repeat("ក", 5000)),
			want: worker, wantTitle: "km:T:root", wantNote: "km:TypedText"},
		{name: "an unknown command gets a note",
			start: &worker, event: cmd("sudo", "rm"),
			want: worker, wantTitle: "km:T:root", wantNote: "km:UnknownCommand"},
		{name: "/start with a page opens it, also for a newcomer",
			clientLng: "th", event: cmd("start", "pre.fees"),
			want: flows.Session{Lang: "th", Page: "pre.fees"}, wantTitle: "th:T:pre.fees"},
		{name: "/start with an unknown payload greets a newcomer normally",
			clientLng: "th", event: cmd("start", "nope"),
			want: flows.Session{State: flows.StateChooseLang}, wantTitle: "th:ChooseLanguage"},
		{name: "/start for someone known shows the main menu",
			start: &onFees, event: cmd("start", ""),
			want: worker, wantTitle: "km:T:root"},
		{name: "/language offers every language",
			start: &worker, event: cmd("language", ""),
			want: worker, wantTitle: "km:ChooseLanguage"},
		{name: "changing language keeps the page",
			start: &onFees, event: press(flows.ActLang, "zh"),
			want: flows.Session{Lang: "zh", Role: 'w', Page: "pre.fees", Back: []string{"root", "pre"}}, wantTitle: "zh:T:pre.fees", wantEdit: true},
		{name: "/help explains the buttons",
			start: &worker, event: cmd("help", ""),
			want: worker, wantTitle: "km:HelpTitle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			if tt.start != nil {
				mustSave(t, store, *tt.start)
			}
			e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}})
			ev := tt.event
			ev.ClientLang = tt.clientLng
			r := mustReply(t, e, ev)
			if r.Title != tt.wantTitle || r.Note != tt.wantNote || r.Edit != tt.wantEdit {
				t.Errorf("reply title=%q note=%q edit=%v, want %q %q %v", r.Title, r.Note, r.Edit, tt.wantTitle, tt.wantNote, tt.wantEdit)
			}
			if tt.wantBtns != nil && !reflect.DeepEqual(labels(r), tt.wantBtns) {
				t.Errorf("buttons = %q, want %q", labels(r), tt.wantBtns)
			}
			got, _, _ := store.Load(context.Background(), chat)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("session = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// mustReply processes ev and returns its one reply.
func mustReply(t *testing.T, e *flows.Engine, ev flows.Event) flows.Reply {
	t.Helper()
	replies, err := e.Process(context.Background(), ev)
	if err != nil || len(replies) != 1 {
		t.Fatalf("Process = %d replies %+v, %v; want one reply", len(replies), replies, err)
	}
	return replies[0]
}

func mustSave(t *testing.T, s flows.Store, sess flows.Session) {
	t.Helper()
	if err := s.Save(context.Background(), chat, sess); err != nil {
		t.Fatal(err)
	}
}

// panicCatalog blows up on every lookup, like a bug in a flow would.
type panicCatalog struct{ fakeCatalog }

func (panicCatalog) Text(string, string) (string, string) { panic("boom") }

func TestPanicIsAnApologyAndTheSessionIsKept(t *testing.T) {
	store := flows.NewMemStore()
	mustSave(t, store, onFees)
	e := flows.NewEngine(flows.Config{Store: store, Catalog: panicCatalog{newFakeCatalog()}, Text: fakeText{}})
	replies, err := e.Process(context.Background(), press(flows.ActOpen, "pre"))
	var perr *flows.PanicError
	if !errors.As(err, &perr) || errors.Is(err, flows.ErrStore) {
		t.Fatalf("err = %v, want a PanicError, not a store failure", err)
	}
	if len(replies) != 1 || replies[0].Text != "km:Apology" {
		t.Errorf("replies = %+v, want one km apology", replies)
	}
	got, _, _ := store.Load(context.Background(), chat)
	if !reflect.DeepEqual(got, onFees) {
		t.Errorf("session changed to %+v after a failure", got)
	}
}

// failingStore fails every call, like Redis being down.
type failingStore struct{ flows.MemStore }

func (*failingStore) Load(context.Context, int64) (flows.Session, bool, error) {
	return flows.Session{}, false, errors.New("connection refused")
}

func (*failingStore) Claim(_ context.Context, chat int64) (flows.Claim, error) {
	return flows.Claim{ChatID: chat}, errors.New("connection refused")
}

func TestStoreFailureIsAnApology(t *testing.T) {
	e := flows.NewEngine(flows.Config{Store: &failingStore{}, Catalog: newFakeCatalog(), Text: fakeText{}})
	ev := cmd("menu", "")
	ev.ClientLang = "lo"
	replies, err := e.Process(context.Background(), ev)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !errors.Is(err, flows.ErrStore) {
		t.Fatalf("err = %v, want the store's error, marked ErrStore", err)
	}
	if len(replies) != 1 || replies[0].Text != "lo:Apology" {
		t.Errorf("replies = %+v, want one lo apology", replies)
	}
}

// TestRedeliveryIsDropped: an event whose update id the session records as
// handled gets no answer and changes nothing; any other is handled and
// recorded. Messages and presses are counted apart: Telegram's webhook
// queues them apart, so a press may come before a message typed earlier.
func TestRedeliveryIsDropped(t *testing.T) {
	handled := worker
	handled.Page, handled.LastUpdate, handled.LastPress = "pre", 500, 600
	msg := func(id int64) flows.Event { ev := cmd("menu", ""); ev.UpdateID = id; return ev }
	btn := func(id int64) flows.Event { ev := press(flows.ActMenu, ""); ev.UpdateID = id; return ev }
	tests := []struct {
		name        string
		event       flows.Event
		wantHandled bool  // dropped as a redelivery
		wantLast    int64 // LastUpdate afterwards
		wantPress   int64 // LastPress afterwards
	}{
		{"the last message again", msg(500), true, 500, 600},
		{"an older message", msg(499), true, 500, 600},
		{"a new message", msg(501), false, 501, 600},
		{"a message typed before the last press", msg(550), false, 550, 600},
		{"the last press again", btn(600), true, 500, 600},
		{"an older press", btn(450), true, 500, 600},
		{"a new press", btn(601), false, 500, 601},
		{"no update id (terminal chat)", msg(0), false, 500, 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, handled)
			e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}})
			replies, err := e.Process(context.Background(), tc.event)
			if got := errors.Is(err, flows.ErrHandled); got != tc.wantHandled {
				t.Fatalf("Process = %v, ErrHandled %v; want %v", err, got, tc.wantHandled)
			}
			if tc.wantHandled && len(replies) != 0 {
				t.Errorf("a redelivery was answered: %+v", replies)
			}
			if !tc.wantHandled && (err != nil || len(replies) != 1) {
				t.Errorf("Process = %+v, %v; want one reply", replies, err)
			}
			got, _, _ := store.Load(context.Background(), chat)
			if got.LastUpdate != tc.wantLast || got.LastPress != tc.wantPress {
				t.Errorf("recorded %d, %d; want %d, %d", got.LastUpdate, got.LastPress, tc.wantLast, tc.wantPress)
			}
			if wantPage := map[bool]string{true: "pre", false: "root"}[tc.wantHandled]; got.Page != wantPage {
				t.Errorf("page %q, want %q", got.Page, wantPage)
			}
		})
	}
}

// racingStore changes the session behind the engine's first claim of each
// event, as another process handling the chat at the same time would.
type racingStore struct {
	*flows.MemStore
	meddle func()
	claims int
}

func (s *racingStore) Claim(ctx context.Context, chat int64) (flows.Claim, error) {
	c, err := s.MemStore.Claim(ctx, chat)
	s.claims++
	if s.claims == 1 {
		s.meddle()
	}
	return c, err
}

// TestConflictRunsTheEventAgain: the session changed between claim and
// commit; the event is handled again on the fresh session, and only that
// run's replies come out.
func TestConflictRunsTheEventAgain(t *testing.T) {
	store := &racingStore{MemStore: flows.NewMemStore()}
	mustSave(t, store, worker)
	store.meddle = func() { mustSave(t, store.MemStore, flows.Session{Lang: "lo", Role: flows.RoleWorker, Page: "root"}) }
	e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}})
	ev := press(flows.ActOpen, "pre")
	ev.UpdateID = 77
	r := mustReply(t, e, ev)
	if r.Title != "lo:T:pre" || store.claims != 2 {
		t.Errorf("reply %q after %d claims, want lo:T:pre (the second run, on the fresh session) after 2", r.Title, store.claims)
	}
	got, _, _ := store.Load(context.Background(), chat)
	if got.Lang != "lo" || got.Page != "pre" || got.LastPress != 77 {
		t.Errorf("session %+v, want the fresh one moved to pre with the press recorded", got)
	}
}

// TestEndlessConflictIsAStoreFailure: a session that changes under every
// claim is given up on after a few runs, as a store failure to retry later.
func TestEndlessConflictIsAStoreFailure(t *testing.T) {
	store := conflictingStore{&racingStore{MemStore: flows.NewMemStore(), meddle: func() {}}}
	e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}})
	_, err := e.Process(context.Background(), cmd("menu", ""))
	if !errors.Is(err, flows.ErrStore) || !errors.Is(err, flows.ErrConflict) {
		t.Errorf("err = %v, want a store failure from a conflict", err)
	}
	if store.claims != 3 {
		t.Errorf("%d runs, want 3", store.claims)
	}
}

// conflictingStore refuses every Commit.
type conflictingStore struct{ *racingStore }

func (conflictingStore) Commit(context.Context, flows.Claim, flows.Session) error {
	return flows.ErrConflict
}
