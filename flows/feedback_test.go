package flows_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mekongbot/flows"
)

func TestVoteButtonsOnlyOnContentPages(t *testing.T) {
	tests := []struct {
		name     string
		event    flows.Event
		feedback bool
		wantBtns []string
	}{
		{"a content page asks, in one row above Sources", pressFrom(person, flows.ActOpen, "pre.fees"), true,
			[]string{"↪ en:T:help", "en:BtnHelpful", "en:BtnNotHelpful", "en:BtnSources", "en:BtnBack", "en:BtnMenu", "en:BtnHelp"}},
		{"a section menu does not", pressFrom(person, flows.ActOpen, "pre"), true,
			[]string{"en:T:pre.fees", "en:BtnBack", "en:BtnMenu", "en:BtnHelp"}},
		{"the main menu does not", cmdFrom(person, "menu", ""), true, nil},
		{"a page's sources do not", pressFrom(person, flows.ActSources, "pre.fees"), true, []string{"en:BtnBack", "en:BtnMenu"}},
		{"without a Feedback store nothing asks", pressFrom(person, flows.ActOpen, "pre.fees"), false,
			[]string{"↪ en:T:help", "en:BtnSources", "en:BtnBack", "en:BtnMenu", "en:BtnHelp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if !tt.feedback {
				w.e = flows.NewEngine(flows.Config{Store: w.store, Catalog: newFakeCatalog(), Text: fakeText{}})
			}
			r := w.do(t, tt.event)[0]
			got := labels(r)
			if tt.wantBtns != nil && !reflect.DeepEqual(got, tt.wantBtns) {
				t.Errorf("buttons %q, want %q", got, tt.wantBtns)
			}
			asks := slices.Contains(got, "en:BtnHelpful")
			if wantAsks := slices.Contains(tt.wantBtns, "en:BtnHelpful"); asks != wantAsks {
				t.Errorf("vote buttons shown: %v, want %v (%q)", asks, wantAsks, got)
			}
			for _, row := range r.Buttons {
				if len(row) > 0 && row[0].Text == "en:BtnHelpful" && len(row) != 2 {
					t.Errorf("the vote row has %d buttons, want 2", len(row))
				}
			}
		})
	}
}

func TestVote(t *testing.T) {
	tests := []struct {
		name       string
		arg        string
		feedback   bool
		wantCounts []string // "page +up -down", sorted
		wantNote   string
		wantThanks bool // the message is edited: the vote row becomes the thanks
		wantNone   bool // no reply at all
	}{
		{"👍 counts one helpful vote", "u-pre.fees", true, []string{"pre.fees +1 -0"}, "", true, false},
		{"👎 counts one unhelpful vote", "d-pre.fees", true, []string{"pre.fees +0 -1"}, "", true, false},
		{"a vote for a menu is forged", "u-pre", true, nil, "en:StaleButton", false, false},
		{"a vote for a page that is gone is stale", "d-gone.page", true, nil, "en:StaleButton", false, false},
		{"an unknown vote is forged", "x-pre.fees", true, nil, "en:StaleButton", false, false},
		{"no page is forged", "u", true, nil, "en:StaleButton", false, false},
		{"pressing the thanks does nothing", "ok", true, nil, "", false, true},
		{"votes not counted: an old vote button is stale", "u-pre.fees", false, nil, "en:StaleButton", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if !tt.feedback {
				w.e = flows.NewEngine(flows.Config{Store: w.store, Catalog: newFakeCatalog(), Text: fakeText{}, Insights: w.ins})
			}
			before := w.session(t, person)
			replies := w.do(t, pressFrom(person, flows.ActFeedback, tt.arg))
			if got := w.fb.counts(); !reflect.DeepEqual(got, tt.wantCounts) {
				t.Errorf("counts %q, want %q", got, tt.wantCounts)
			}
			if tt.wantNone {
				if len(replies) != 0 {
					t.Errorf("replies %s, want none", allText(replies))
				}
				return
			}
			r := replies[0]
			if r.Note != tt.wantNote {
				t.Errorf("note %q, want %q", r.Note, tt.wantNote)
			}
			got := labels(r)
			if thanks := slices.Contains(got, "en:FeedbackThanks"); thanks != tt.wantThanks {
				t.Errorf("buttons %q: thanks shown %v, want %v", got, thanks, tt.wantThanks)
			}
			if !tt.wantThanks {
				return
			}
			if !r.Edit || r.Title != "en:T:pre.fees" || slices.Contains(got, "en:BtnHelpful") || !slices.Contains(got, "en:BtnSources") {
				t.Errorf("reply %s edit=%v, want the same page edited, the vote row replaced by the thanks", allText(replies), r.Edit)
			}
			if n := w.ins.pages["pre.fees"]; n != 0 {
				t.Errorf("the thanks counted the page as opened %d times", n)
			}
			if s := w.session(t, person); !reflect.DeepEqual(s.Back, before.Back) || s.Page != before.Page {
				t.Errorf("a vote moved the person: %+v, was %+v", s, before)
			}
		})
	}
}

func TestStatsShowPageFeedback(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	votes := []struct {
		page    string
		helpful bool
		n       int
	}{
		{"pre.fees", true, 7}, {"pre.fees", false, 1},
		{"help", false, 3},
		{"mou", true, 2},
		{"removed.page", false, 9}, // counted before the page was removed
	}
	for _, v := range votes {
		for range v.n {
			_ = w.fb.Vote(ctx, v.page, v.helpful)
		}
	}
	got := w.do(t, cmdFrom(staffUser, "stats", ""))[0].Text
	want := "en:StatsFeedback\n1. en:T:help: 👍 0 · 👎 3\n2. en:T:pre.fees: 👍 7 · 👎 1\n3. en:T:mou: 👍 2 · 👎 0"
	if !strings.Contains(got, want) {
		t.Errorf("stats lack the feedback, most 👎 first, exact counts:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "removed.page") {
		t.Errorf("stats list a page that no longer exists:\n%s", got)
	}
}

func TestStatsWithoutVotes(t *testing.T) {
	w := newWorld(t)
	got := w.do(t, cmdFrom(staffUser, "stats", ""))[0].Text
	if !strings.Contains(got, "en:StatsFeedback\n–") {
		t.Errorf("stats with no votes:\n%s", got)
	}
}
