package flows_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"mekongbot/flows"
)

func TestOnboardingOffersUpdatesOnce(t *testing.T) {
	w := newWorld(t)
	const newcomer = 7
	w.do(t, cmdFrom(newcomer, "start", ""))
	w.do(t, pressFrom(newcomer, flows.ActLang, "km"))
	replies := w.do(t, pressFrom(newcomer, flows.ActRole, "w"))
	if len(replies) != 2 || replies[1].Text != "km:UpdatesOffer" {
		t.Fatalf("after the role: %s, want the menu and the updates offer", allText(replies))
	}
	again := w.do(t, pressFrom(newcomer, flows.ActRole, "o")) // changing role later
	if len(again) != 1 {
		t.Errorf("changing role offered updates again: %s", allText(again))
	}
}

func TestSubscriptionFlow(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	steps := []struct {
		name    string
		event   flows.Event
		wantMsg string        // a message id the first reply must contain
		want    flows.Profile // the subscription after the step ("" Lang: none)
	}{
		{"yes asks the country", pressFrom(person, flows.ActUpdates, "on"), "en:CountryQuestion", flows.Profile{}},
		{"country subscribes to all topics", pressFrom(person, flows.ActUpdates, "c-mm"), "en:UpdatesOn",
			flows.Profile{Lang: "en", Role: flows.RoleWorker, Country: "mm", Topics: flows.AllTopics}},
		{"a topic is turned off", pressFrom(person, flows.ActUpdates, "t-h"), "en:SettingsTitle",
			flows.Profile{Lang: "en", Role: flows.RoleWorker, Country: "mm", Topics: "rls"}},
		{"and on again, in order", pressFrom(person, flows.ActUpdates, "t-h"), "en:SettingsTitle",
			flows.Profile{Lang: "en", Role: flows.RoleWorker, Country: "mm", Topics: "rlhs"}},
		{"a new language follows", pressFrom(person, flows.ActLang, "vi"), "",
			flows.Profile{Lang: "vi", Role: flows.RoleWorker, Country: "mm", Topics: "rlhs"}},
		{"a new role follows", pressFrom(person, flows.ActRole, "o"), "",
			flows.Profile{Lang: "vi", Role: flows.RoleOfficial, Country: "mm", Topics: "rlhs"}},
		{"a forged topic is stale", pressFrom(person, flows.ActUpdates, "t-z"), "vi:StaleButton",
			flows.Profile{Lang: "vi", Role: flows.RoleOfficial, Country: "mm", Topics: "rlhs"}},
		{"/stop unsubscribes", cmdFrom(person, "stop", ""), "vi:UpdatesOff", flows.Profile{}},
		{"/subscribe again skips the known country", cmdFrom(person, "subscribe", ""), "vi:UpdatesOn",
			flows.Profile{Lang: "vi", Role: flows.RoleOfficial, Country: "mm", Topics: flows.AllTopics}},
		{"the stop button in a broadcast", pressFrom(person, flows.ActUpdates, "off"), "vi:UpdatesOff", flows.Profile{}},
	}
	for _, st := range steps {
		replies := w.do(t, st.event)
		if got := allText(replies); st.wantMsg != "" && !strings.Contains(got, st.wantMsg) {
			t.Errorf("%s: replies %s lack %s", st.name, got, st.wantMsg)
		}
		p, ok, _ := w.subs.Subscription(ctx, person)
		if ok != (st.want.Lang != "") || p != st.want {
			t.Errorf("%s: subscription %+v (%v), want %+v", st.name, p, ok, st.want)
		}
	}
}

func TestSettingsShowWhatWasChosen(t *testing.T) {
	w := newWorld(t)
	_ = w.subs.Subscribe(context.Background(), person, flows.Profile{Lang: "en", Role: flows.RoleWorker, Country: "kh", Topics: "r"})
	r := w.do(t, cmdFrom(person, "settings", ""))[0]
	for _, want := range []string{"SettingsUpdatesOn{Country=en:CountryKH}", "✅ en:TopicRegistration", "⬜ en:TopicRules", "en:BtnForget", "en:BtnBeOfficial"} {
		if !strings.Contains(allText([]flows.Reply{r}), want) {
			t.Errorf("settings lack %q: %s", want, allText([]flows.Reply{r}))
		}
	}
}

func TestForgetDeletesEverything(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_ = w.subs.Subscribe(ctx, person, flows.Profile{Lang: "en", Topics: "r"})
	_, _ = w.cases.Open(ctx, person, "en", "root")
	_ = w.drafts.SaveDraft(ctx, person, []byte("{}"))
	ask := w.do(t, cmdFrom(person, "forget", ""))
	if _, ok, _ := w.subs.Subscription(ctx, person); !ok || !strings.Contains(allText(ask), "ForgetQuestion") {
		t.Fatalf("/forget deleted before asking: %s", allText(ask))
	}
	done := w.do(t, pressFrom(person, flows.ActForget, "yes"))
	if !strings.Contains(allText(done), "en:ForgetDone") {
		t.Errorf("reply %s", allText(done))
	}
	if _, ok, _ := w.subs.Subscription(ctx, person); ok {
		t.Error("subscription kept")
	}
	if n, _ := w.cases.OpenCount(ctx); n != 0 {
		t.Error("case kept")
	}
	if d, _ := w.drafts.LoadDraft(ctx, person); d != nil {
		t.Error("draft kept")
	}
	if _, found, _ := w.store.Load(ctx, person); found {
		t.Error("session kept")
	}
}

func TestGroupChatsAreToldToWritePrivately(t *testing.T) {
	w := newWorld(t)
	ev := cmdFrom(person, "start", "")
	ev.ChatID, ev.Group = -555, true
	replies := w.do(t, ev)
	if len(replies) != 1 || replies[0].Text != "en:PrivateOnly" {
		t.Errorf("group /start: %s", allText(replies))
	}
	ev = textFrom(person, "hello everyone")
	ev.ChatID, ev.Group = -555, true
	if replies := w.do(t, ev); len(replies) != 0 {
		t.Errorf("group chatter was answered: %s", allText(replies))
	}
}

func staffEvent(user int64, kind flows.EventKind, text, replyTo string) flows.Event {
	ev := flows.Event{ChatID: staffChat, UserID: user, Kind: kind, Text: text, Group: true, ReplyToText: replyTo}
	if kind == flows.KindCommand {
		ev.Command, ev.Text, _ = strings.Cut(text, " ")
	}
	return ev
}

func TestHandoverRoundTrip(t *testing.T) {
	w := newWorld(t)
	_ = w.store.Save(context.Background(), person, flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees"})

	intro := w.do(t, pressFrom(person, flows.ActTalk, "start"))
	if !strings.Contains(allText(intro), "km:TalkIntro") {
		t.Fatalf("talk start: %s", allText(intro))
	}
	sent := w.do(t, textFrom(person, "My employer keeps my passport. Call me 0812345678, I am Sokha"))
	if len(sent) != 2 || sent[0].ChatID != staffChat || sent[1].ChatID != 0 {
		t.Fatalf("first message: %+v, want one to the staff chat and an acknowledgement", sent)
	}
	toStaff := sent[0].Text
	if !strings.HasPrefix(toStaff, "en:CaseHeader{Case=1,Language=km:LanguageName,Page=en:T:pre.fees}") {
		t.Errorf("staff see %q, want case number, language and page first", toStaff)
	}
	if strings.Contains(toStaff, strconv.Itoa(person)) || strings.Contains(sent[0].Title, strconv.Itoa(person)) {
		t.Errorf("staff see the person's chat id: %q", toStaff)
	}

	// A staff member answers the case message in the staff chat; it reads
	// as the real header does (fakeText shows message ids, not the text).
	toStaff = "📨 Case #1 · ខ្មែរ · page: Fees\n\nMy employer keeps my passport."
	answer := w.do(t, staffEvent(staffUser, flows.KindText, "Please see the numbers on the Help page.", toStaff))
	if len(answer) != 2 || answer[0].ChatID != person || answer[0].Text != "Please see the numbers on the Help page." {
		t.Fatalf("staff answer: %+v", answer)
	}
	if !strings.Contains(answer[0].Title, "km:TalkAnswerTitle") || !strings.Contains(answer[1].Text, "CaseDelivered") {
		t.Errorf("answer %+v", answer)
	}

	// Someone in the staff chat who is not staff is not heard.
	if got := w.do(t, staffEvent(555, flows.KindText, "hi", toStaff)); len(got) != 0 {
		t.Errorf("non-staff in the staff chat got %s", allText(got))
	}

	// The person writes again to the same case, then staff close it.
	more := w.do(t, textFrom(person, "Thank you"))
	if !strings.Contains(more[0].Text, "Case=1") {
		t.Errorf("second message went to %q, want case 1", more[0].Text)
	}
	closed := w.do(t, staffEvent(staffUser, flows.KindCommand, "close 1", ""))
	if len(closed) != 2 || closed[0].ChatID != person || closed[0].Text != "km:TalkClosedByStaff" {
		t.Fatalf("close: %s", allText(closed))
	}
	late := w.do(t, textFrom(person, "Hello?"))
	if len(late) != 1 || late[0].ChatID != 0 || late[0].Text != "km:TalkClosed" {
		t.Errorf("writing to a closed case: %+v", late)
	}
	if s := w.session(t, person); s.State != flows.StateNone {
		t.Errorf("state %q after the case closed, want none", s.State)
	}
	gone := w.do(t, staffEvent(staffUser, flows.KindText, "one more thing", toStaff))
	if len(gone) != 1 || !strings.Contains(gone[0].Text, "CaseGone") {
		t.Errorf("answering a closed case: %s", allText(gone))
	}
}

func TestPersonEndsHandover(t *testing.T) {
	w := newWorld(t)
	w.do(t, pressFrom(person, flows.ActTalk, "start"))
	w.do(t, textFrom(person, "help"))
	photo := w.do(t, flows.Event{ChatID: person, UserID: person, Kind: flows.KindOther, Other: "photo"})
	if photo[0].Text != "en:TalkTextOnly" {
		t.Errorf("photo while talking: %s", allText(photo))
	}
	ended := w.do(t, pressFrom(person, flows.ActTalk, "end-1"))
	if len(ended) != 2 || ended[0].ChatID != staffChat || !strings.Contains(ended[0].Text, "CaseClosedByPerson") {
		t.Fatalf("end: %s", allText(ended))
	}
	if n, _ := w.cases.OpenCount(context.Background()); n != 0 {
		t.Error("case still open")
	}
	// Another person cannot end or resume someone else's case.
	w.do(t, pressFrom(person, flows.ActTalk, "start"))
	w.do(t, textFrom(person, "again"))
	other := w.do(t, pressFrom(43, flows.ActTalk, "reply-2"))
	if !strings.Contains(allText(other), "TalkClosed") {
		t.Errorf("someone else resumed case 2: %s", allText(other))
	}
	w.do(t, pressFrom(43, flows.ActTalk, "end-2"))
	if n, _ := w.cases.OpenCount(context.Background()); n != 1 {
		t.Error("someone else closed case 2")
	}
}

func TestMigrateMovesAGroupSession(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	group := flows.Session{Lang: "lo", Role: flows.RoleWorker, Page: "pre"}
	if err := w.store.Save(ctx, -555, group); err != nil {
		t.Fatal(err)
	}
	if err := w.e.Migrate(ctx, -555, -1000000000555); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := w.store.Load(ctx, -555); found {
		t.Error("the old group id still has a session")
	}
	got, found, _ := w.store.Load(ctx, -1000000000555)
	if !found || got.Lang != "lo" || got.Page != "pre" {
		t.Errorf("supergroup session %+v (%v), want the group's", got, found)
	}
	if err := w.e.Migrate(ctx, -777, -1000000000777); err != nil {
		t.Errorf("migrating a group the bot never saw: %v", err)
	}
}
