package flows_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"mekongbot/flows"
)

// fakeTools: a checklist of three items (bits 0, 5 and 2) and a job check of
// two questions. Answer 1 of the first raises "a"; answers 1 and 2 of the
// second raise "b", and "a" and "b". Results list "b" before "a".
type fakeTools struct{}

func (fakeTools) Checklist(lang string) *flows.Checklist {
	return &flows.Checklist{Title: lang + ":CL", Intro: lang + ":intro", Items: []flows.ChecklistItem{
		{Bit: 0, Page: "pre", Label: lang + ":route"},
		{Bit: 5, Page: "pre.fees", Label: lang + ":fees"},
		{Bit: 2, Page: "help", Label: lang + ":contacts"},
	}}
}

func (fakeTools) JobCheck(lang string) *flows.JobCheck {
	src := func(n string) []flows.Source {
		return []flows.Source{{URL: "https://example.org/" + n, Note: "Src " + n}}
	}
	return &flows.JobCheck{
		Title: lang + ":JC", Intro: lang + ":jintro",
		Questions: []flows.JobQuestion{
			{Text: lang + ":q1", Answers: []flows.JobAnswer{{Label: lang + ":ok1"}, {Label: lang + ":bad1", Flags: []string{"a"}}}},
			{Text: lang + ":q2", Answers: []flows.JobAnswer{{Label: lang + ":ok2"}, {Label: lang + ":bad2", Flags: []string{"b"}}, {Label: lang + ":both", Flags: []string{"a", "b"}}}},
		},
		Flags: []flows.RedFlag{
			{ID: "b", Finding: flows.Finding{Title: lang + ":Fb", Text: lang + ":fb", Page: "pre.fees", Help: "help", Reviewed: "2026-11-02", Sources: src("b")}},
			{ID: "a", Finding: flows.Finding{Title: lang + ":Fa", Text: lang + ":fa", Page: "pre", Help: "help", Reviewed: "2026-11-01", Sources: src("a")}},
		},
		Clear: flows.Finding{Text: lang + ":clear", Page: "pre", Help: "help", Reviewed: "2026-11-03", Sources: src("c")},
	}
}

// toolsCatalog adds Cambodia's help page to the fake handbook.
func toolsCatalog() fakeCatalog {
	c := newFakeCatalog()
	c["help.kh"] = &flows.Page{ID: "help.kh", Parent: "help", Reviewed: "2026-11-27"}
	return c
}

func TestChecklist(t *testing.T) {
	ticked := worker
	ticked.Checklist = 1<<5 | 1<<9 // bit 9: an item since removed
	tests := []struct {
		name     string
		start    flows.Session
		event    flows.Event
		want     uint32 // the ticks afterwards
		wantPage string // the page on screen afterwards
		title    string
		text     []string
		btns     []string // all of them, in order
		data     []string // a subset, in order
		edit     bool
		note     string
	}{
		{name: "/checklist shows every item unticked, as a new message",
			start: worker, event: cmd("checklist", ""), wantPage: "root", title: "km:CL",
			text: []string{"km:intro", "km:ChecklistHow", "km:ChecklistProgress{Done=0,Total=3}"},
			btns: []string{"⬜ km:route", "⬜ km:fees", "⬜ km:contacts", "km:BtnChecklistInfo", "km:BtnMenu"},
			data: []string{"k:t-0", "k:t-5", "k:t-2", "k:i", "m"}},
		{name: "the main menu's button edits the menu into the checklist",
			start: worker, event: press(flows.ActChecklist, "v"), wantPage: "root", title: "km:CL", edit: true},
		{name: "ticking an item edits the list in place and offers to untick all",
			start: worker, event: press(flows.ActChecklist, "t-5"), want: 1 << 5, wantPage: "root", title: "km:CL", edit: true,
			text: []string{"km:ChecklistProgress{Done=1,Total=3}"},
			btns: []string{"⬜ km:route", "✅ km:fees", "⬜ km:contacts", "km:BtnChecklistInfo", "km:BtnChecklistReset", "km:BtnMenu"}},
		{name: "pressing a ticked item unticks it; a removed item's tick is kept but not counted",
			start: ticked, event: press(flows.ActChecklist, "t-5"), want: 1 << 9, wantPage: "root", title: "km:CL", edit: true,
			text: []string{"km:ChecklistProgress{Done=0,Total=3}"}},
		{name: "info mode: each item opens its page",
			start: ticked, event: press(flows.ActChecklist, "i"), want: ticked.Checklist, wantPage: "root", title: "km:CL", edit: true,
			text: []string{"km:ChecklistInfoHow"},
			btns: []string{"ℹ️ km:route", "ℹ️ km:fees", "ℹ️ km:contacts", "km:BtnChecklistTick", "km:BtnMenu"},
			data: []string{"k:o-pre", "k:o-pre.fees", "k:o-help", "k:v", "m"}},
		{name: "an item's page comes as a new message, so the checklist stays above",
			start: ticked, event: press(flows.ActChecklist, "o-pre.fees"), want: ticked.Checklist, wantPage: "pre.fees", title: "km:T:pre.fees"},
		{name: "untick all asks first",
			start: ticked, event: press(flows.ActChecklist, "r"), want: ticked.Checklist, wantPage: "root", edit: true,
			text: []string{"km:ChecklistResetQuestion"}, data: []string{"k:r-y", "k:v"}},
		{name: "yes unticks every item",
			start: ticked, event: press(flows.ActChecklist, "r-y"), want: 0, wantPage: "root", title: "km:CL", edit: true,
			btns: []string{"⬜ km:route", "⬜ km:fees", "⬜ km:contacts", "km:BtnChecklistInfo", "km:BtnMenu"}},
		{name: "a bit that is no item is stale",
			start: ticked, event: press(flows.ActChecklist, "t-9"), want: ticked.Checklist, wantPage: "root", title: "km:T:root", note: "km:StaleButton"},
		{name: "a bit written oddly is stale",
			start: ticked, event: press(flows.ActChecklist, "t-05"), want: ticked.Checklist, wantPage: "root", title: "km:T:root", note: "km:StaleButton"},
		{name: "a page that is gone is stale",
			start: ticked, event: press(flows.ActChecklist, "o-gone"), want: ticked.Checklist, wantPage: "root", title: "km:T:root", note: "km:StaleButton"},
		{name: "an unknown verb is stale",
			start: ticked, event: press(flows.ActChecklist, "x"), want: ticked.Checklist, wantPage: "root", title: "km:T:root", note: "km:StaleButton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, tt.start)
			e := flows.NewEngine(flows.Config{Store: store, Catalog: toolsCatalog(), Text: fakeText{}, Tools: fakeTools{}})
			r := mustReply(t, e, tt.event)
			checkReply(t, r, tt.title, tt.note, tt.edit, tt.text, tt.btns, tt.data)
			got, _, _ := store.Load(context.Background(), chat)
			if got.Checklist != tt.want || got.Page != tt.wantPage {
				t.Errorf("ticks %b on page %q, want %b on %q", got.Checklist, got.Page, tt.want, tt.wantPage)
			}
		})
	}
}

func TestJobCheck(t *testing.T) {
	fromKH := worker
	fromKH.Country = "kh"
	tests := []struct {
		name  string
		start flows.Session
		event flows.Event
		title string
		text  []string
		btns  []string
		data  []string
		edit  bool
		note  string
	}{
		{name: "/jobcheck introduces the check and asks the first question",
			start: worker, event: cmd("jobcheck", ""), title: "km:JC",
			text: []string{"km:jintro\nkm:JobCheckHow\n\nkm:JobQuestionOf{N=1,Total=2}\nkm:q1"},
			btns: []string{"km:ok1", "km:bad1", "km:BtnMenu"}, data: []string{"j:a0", "j:a1", "m"}},
		{name: "an answer leads to the next question, which can go back",
			start: worker, event: press(flows.ActJobCheck, "a1"), title: "km:JC", edit: true,
			text: []string{"km:JobQuestionOf{N=2,Total=2}\nkm:q2"},
			btns: []string{"km:ok2", "km:bad2", "km:both", "km:BtnPrev", "km:BtnMenu"},
			data: []string{"j:a10", "j:a11", "j:a12", "j:a", "m"}},
		{name: "no red flag: says so, with what to do, its sources and date",
			start: worker, event: press(flows.ActJobCheck, "a00"), title: "km:JC", edit: true,
			text: []string{"km:JobNoFlags\n\nkm:clear\nkm:JobSource{Date=2026-11-03,Sources=Src c}"},
			btns: []string{"↪ km:T:help", "↪ km:T:pre", "km:BtnJobAgain", "km:BtnSources", "km:BtnMenu"},
			data: []string{"j:o-help", "j:o-pre", "j:a", "j:u00", "m"}},
		{name: "red flags in the check's order, each with sources and date; help pages first",
			start: worker, event: press(flows.ActJobCheck, "a12"), title: "km:JC", edit: true,
			text: []string{"km:JobFlagsFound{Count=2}",
				"🚩 km:Fb\nkm:fb\nkm:JobSource{Date=2026-11-02,Sources=Src b}\n\n🚩 km:Fa\nkm:fa\nkm:JobSource{Date=2026-11-01,Sources=Src a}",
				"km:JobReadMore"},
			btns: []string{"↪ km:T:help", "↪ km:T:pre.fees", "↪ km:T:pre", "km:BtnJobAgain", "km:BtnSources", "km:BtnMenu"}},
		{name: "a flag raised twice is explained once",
			start: worker, event: press(flows.ActJobCheck, "a11"), title: "km:JC", edit: true,
			text: []string{"km:JobFlagsFound{Count=2}"}},
		{name: "the person's country adds its help page",
			start: fromKH, event: press(flows.ActJobCheck, "a01"), title: "km:JC", edit: true,
			btns: []string{"↪ km:T:help", "↪ km:T:help.kh", "↪ km:T:pre.fees", "km:BtnJobAgain", "km:BtnSources", "km:BtnMenu"}},
		{name: "the result's sources in full, and back to the result",
			start: worker, event: press(flows.ActJobCheck, "u12"), title: "km:SourcesTitle{Count=2,Page=km:JC}", edit: true,
			text: []string{"🚩 km:Fb — km:JobReviewed{Date=2026-11-02}\n• Src b\nhttps://example.org/b", "• Src a\nhttps://example.org/a"},
			data: []string{"j:a12", "m"}},
		{name: "a page from the result comes as a new message",
			start: worker, event: press(flows.ActJobCheck, "o-pre.fees"), title: "km:T:pre.fees"},
		{name: "an answer that does not exist is stale",
			start: worker, event: press(flows.ActJobCheck, "a2"), title: "km:T:root", note: "km:StaleButton"},
		{name: "more answers than questions are stale",
			start: worker, event: press(flows.ActJobCheck, "a000"), title: "km:T:root", note: "km:StaleButton"},
		{name: "sources of an unfinished check are stale",
			start: worker, event: press(flows.ActJobCheck, "u1"), title: "km:T:root", note: "km:StaleButton"},
		{name: "letters for answers are stale",
			start: worker, event: press(flows.ActJobCheck, "a-1"), title: "km:T:root", note: "km:StaleButton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, tt.start)
			e := flows.NewEngine(flows.Config{Store: store, Catalog: toolsCatalog(), Text: fakeText{}, Tools: fakeTools{}})
			r := mustReply(t, e, tt.event)
			checkReply(t, r, tt.title, tt.note, tt.edit, tt.text, tt.btns, tt.data)
			got, _, _ := store.Load(context.Background(), chat)
			if tt.event.Kind == flows.KindCommand || tt.note != "" {
				return
			}
			if strings.HasPrefix(tt.event.Data, "j:o-") {
				got.Page, got.Back = tt.start.Page, tt.start.Back
			}
			if !reflect.DeepEqual(got, tt.start) {
				t.Errorf("the check changed the session to %+v", got)
			}
		})
	}
}

// checkReply compares a reply with what a test case wants; empty wants are
// not checked.
func checkReply(t *testing.T, r flows.Reply, title, note string, edit bool, text, btns, data []string) {
	t.Helper()
	if title != "" && r.Title != title || r.Note != note || r.Edit != edit {
		t.Errorf("title %q note %q edit %v, want %q %q %v", r.Title, r.Note, r.Edit, title, note, edit)
	}
	for _, w := range text {
		if !strings.Contains(r.Text, w) {
			t.Errorf("text lacks %q:\n%s", w, r.Text)
		}
	}
	if btns != nil && !reflect.DeepEqual(labels(r), btns) {
		t.Errorf("buttons %q, want %q", labels(r), btns)
	}
	var got []string
	for _, row := range r.Buttons {
		for _, b := range row {
			got = append(got, b.Data)
		}
	}
	if !inOrder(got, data) {
		t.Errorf("button data %q do not contain %q in order", got, data)
	}
}

func TestToolsAreOfferedWhereTheyBelong(t *testing.T) {
	tests := []struct {
		name  string
		tools flows.Tools
		event flows.Event
		want  []string // tool buttons, in order
		note  string
	}{
		{"the main menu offers both", fakeTools{}, press(flows.ActMenu, ""), []string{"km:CL", "km:JC"}, ""},
		{"Before you go offers the checklist", fakeTools{}, press(flows.ActOpen, "pre"), []string{"km:CL"}, ""},
		{"other pages offer neither", fakeTools{}, press(flows.ActOpen, "pre.fees"), nil, ""},
		{"without tools the menu offers neither", nil, press(flows.ActMenu, ""), nil, ""},
		{"without tools /checklist is unknown", nil, cmd("checklist", ""), nil, "km:UnknownCommand"},
		{"without tools /jobcheck is unknown", nil, cmd("jobcheck", ""), nil, "km:UnknownCommand"},
		{"without tools their buttons are stale", nil, press(flows.ActJobCheck, "a"), nil, "km:StaleButton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, worker)
			e := flows.NewEngine(flows.Config{Store: store, Catalog: toolsCatalog(), Text: fakeText{}, Tools: tt.tools})
			r := mustReply(t, e, tt.event)
			var got []string
			for _, row := range r.Buttons {
				for _, b := range row {
					if b.Data[0] == byte(flows.ActChecklist) || b.Data[0] == byte(flows.ActJobCheck) {
						got = append(got, b.Text)
					}
				}
			}
			if !reflect.DeepEqual(got, tt.want) || r.Note != tt.note {
				t.Errorf("tool buttons %q note %q, want %q %q", got, r.Note, tt.want, tt.note)
			}
		})
	}
}

// TestForgetDeletesTheTicks: the checklist lives in the session, which
// /forget deletes.
func TestForgetDeletesTheTicks(t *testing.T) {
	store := flows.NewMemStore()
	s := worker
	s.Checklist = 1<<0 | 1<<2
	mustSave(t, store, s)
	e := flows.NewEngine(flows.Config{Store: store, Catalog: toolsCatalog(), Text: fakeText{}, Tools: fakeTools{}})
	mustReply(t, e, press(flows.ActForget, "yes"))
	if _, found, _ := store.Load(context.Background(), chat); found {
		t.Error("the session, with its ticks, outlived /forget")
	}
}
