package flows_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"mekongbot/flows"
)

type fakeSearcher struct{}

func (fakeSearcher) Search(lang, query string, limit int) []flows.SearchHit {
	if !strings.Contains(query, "fee") {
		return nil
	}
	return []flows.SearchHit{{ID: "pre.fees", Title: lang + ":T:pre.fees", Snippet: "who pays"}}
}

type recordingInsights struct{ got []string }

func (r *recordingInsights) Unanswered(_ context.Context, lang, q string) error {
	r.got = append(r.got, lang+"|"+q)
	return nil
}

func (r *recordingInsights) Seen(context.Context, flows.Day, flows.Profile, int64) error { return nil }
func (r *recordingInsights) PageOpened(string, string)                                   {}
func (r *recordingInsights) Report(context.Context, flows.Day) (flows.InsightReport, error) {
	return flows.InsightReport{}, nil
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name       string
		event      flows.Event
		wantTitle  string
		wantNote   string
		wantBtns   []string
		wantCounts []string
	}{
		{"typed question with an answer", text("agency fee?"), "km:SearchResults{Count=1}", "",
			[]string{"km:T:pre.fees", "km:BtnMenu"}, nil},
		{"/search with words", cmd("search", "fees"), "km:SearchResults{Count=1}", "", nil, nil},
		{"/search without words explains", cmd("search", ""), "km:T:pre.fees", "km:SearchHow", nil, nil},
		{"no answer: menu, note, and an anonymous count", text("Call me on +855 12 345 678, @somchai"), "km:T:root", "km:SearchNothing",
			nil, []string{"km|call me on # ,"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, onFees)
			ins := &recordingInsights{}
			e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}, Search: fakeSearcher{}, Insights: ins})
			r := mustReply(t, e, tt.event)
			if r.Title != tt.wantTitle || r.Note != tt.wantNote {
				t.Errorf("title %q note %q, want %q %q", r.Title, r.Note, tt.wantTitle, tt.wantNote)
			}
			if tt.wantBtns != nil && !reflect.DeepEqual(labels(r), tt.wantBtns) {
				t.Errorf("buttons %q, want %q", labels(r), tt.wantBtns)
			}
			if !reflect.DeepEqual(ins.got, tt.wantCounts) {
				t.Errorf("counted %q, want %q", ins.got, tt.wantCounts)
			}
		})
	}
}

func TestAnonymize(t *testing.T) {
	tests := map[string]string{
		"My passport no. is A1234567":          "my passport no. is a# ",
		"email me: somchai@example.com please": "email me: please",
		"see https://evil.example/x?id=99":     "see",
		"@someone   help":                      "help",
		strings.Repeat("ก", 200):               strings.Repeat("ก", 80),
	}
	for in, want := range tests {
		if got := flows.Anonymize(in); got != strings.TrimSpace(want) {
			t.Errorf("Anonymize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInline(t *testing.T) {
	store := flows.NewMemStore()
	if err := store.Save(context.Background(), 77, flows.Session{Lang: "lo"}); err != nil {
		t.Fatal(err)
	}
	e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}, Search: fakeSearcher{}})
	e.SetBotUsername("mekong_bot")
	const link = "https://t.me/mekong_bot?start=pre_fees-"
	tests := []struct {
		user       int64
		clientLang string
		query      string
		wantIDs    []string
		wantTitle  string
		wantLink   string // opens the page in the language the shared text is in
	}{
		{77, "th", "fees", []string{"pre.fees"}, "lo:T:pre.fees", link + "LO"}, // stored choice wins
		{78, "th", "fees", []string{"pre.fees"}, "th:T:pre.fees", link + "TH"}, // else the app language
		{78, "th", "weather", nil, "", ""},
	}
	for _, tt := range tests {
		got, err := e.Inline(context.Background(), tt.user, tt.clientLang, tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tt.wantIDs) {
			t.Errorf("Inline(%d, %q) = %v, want %v", tt.user, tt.query, ids, tt.wantIDs)
		}
		if len(got) > 0 && (got[0].Title != tt.wantTitle || got[0].Link != tt.wantLink) {
			t.Errorf("title %q link %q, want %q %q", got[0].Title, got[0].Link, tt.wantTitle, tt.wantLink)
		}
	}
}
