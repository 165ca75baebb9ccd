package flows_test

import (
	"strings"
	"testing"

	"mekongbot/flows"
)

// fakeMoU has two corridors: kh with three steps, la with one.
type fakeMoU struct{}

func (fakeMoU) Corridors() []string { return []string{"kh", "la"} }

func (fakeMoU) Procedure(c string) (*flows.Procedure, bool) {
	src := []flows.Source{{URL: "https://example.org/s", Note: "Src, 2018"}}
	switch c {
	case "kh":
		return &flows.Procedure{Corridor: "kh", Page: "mou", Reviewed: "2026-11-27", Sources: src, Steps: []flows.Step{
			{ID: "demand", Actor: "employer", Sources: []int{0}}, {ID: "quota", Actor: "ministry", Sources: []int{0}}, {ID: "visa", Actor: "worker", Sources: []int{0}},
		}}, true
	case "la":
		return &flows.Procedure{Corridor: "la", Page: "mou", Sources: src, Steps: []flows.Step{{ID: "demand", Actor: "employer", Sources: []int{0}}}}, true
	}
	return nil, false
}

func (fakeMoU) StepText(c string, i int, lang string) flows.StepText {
	t := flows.StepText{What: lang + ":" + c + ":what" + string(rune('1'+i)) + ". More."}
	if i == 0 {
		t.Fees = "100 baht (as of 2017)"
	}
	return t
}

func (fakeMoU) Aspect(c, a, lang string) string {
	if c == "la" && a == "break" {
		return ""
	}
	return lang + ":" + c + ":" + a
}

func TestMoULookup(t *testing.T) {
	tests := []struct {
		name      string
		event     flows.Event
		wantTitle string
		wantText  []string
		wantBtns  []string // a subset, in order
		wantNote  string
	}{
		{"the MoU section offers each corridor and compare", press(flows.ActOpen, "mou"), "vi:T:mou", nil,
			[]string{"🪜 vi:CorridorKH", "🪜 vi:CorridorLA", "vi:BtnCompare"}, ""},
		{"a corridor lists its steps", press(flows.ActCorridor, "kh"), "vi:ProcedureTitle{Corridor=vi:CorridorKH}",
			[]string{"1. vi:ActorEmployer: vi:kh:what1.", "3. vi:ActorWorker: vi:kh:what3."}, []string{"1", "2", "3", "vi:BtnWhole", "vi:BtnOverview"}, ""},
		{"the first step has next but no previous", press(flows.ActStep, "kh.1"), "vi:StepTitle{Corridor=vi:CorridorKH,N=1,Total=3}",
			[]string{"👤 vi:ActorEmployer", "vi:LabelFees: 100 baht (as of 2017)", "Src, 2018 — https://example.org/s"}, []string{"vi:BtnNext", "vi:BtnAllSteps"}, ""},
		{"a middle step has both", press(flows.ActStep, "kh.2"), "vi:StepTitle{Corridor=vi:CorridorKH,N=2,Total=3}",
			nil, []string{"vi:BtnPrev", "vi:BtnNext"}, ""},
		{"the whole procedure in one message", press(flows.ActWhole, "kh"), "vi:ProcedureTitle{Corridor=vi:CorridorKH}",
			[]string{"1/3.", "2/3.", "3/3.", "vi:SourcesReviewed{Date=2026-11-27}"}, nil, ""},
		{"compare an aspect: unsourced says so", press(flows.ActCompare, "break"), "vi:AspectBreak",
			[]string{"vi:CorridorKH\nvi:kh:break", "vi:CorridorLA\nvi:NotSourced"}, nil, ""},
		{"compare menu lists every aspect", press(flows.ActCompareMenu, ""), "vi:CompareTitle", nil,
			[]string{"vi:AspectDocuments", "vi:AspectFees", "vi:AspectTime", "vi:AspectStay", "vi:AspectBreak"}, ""},
		{"a step past the end is stale", press(flows.ActStep, "kh.4"), "vi:T:root", nil, nil, "vi:StaleButton"},
		{"an unknown corridor is stale", press(flows.ActCorridor, "xx"), "vi:T:root", nil, nil, "vi:StaleButton"},
		{"an unknown aspect is stale", press(flows.ActCompare, "salary"), "vi:T:root", nil, nil, "vi:StaleButton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := flows.NewMemStore()
			mustSave(t, store, official)
			e := flows.NewEngine(flows.Config{Store: store, Catalog: newFakeCatalog(), Text: fakeText{}, MoU: fakeMoU{}})
			r := mustReply(t, e, tt.event)
			if r.Title != tt.wantTitle || r.Note != tt.wantNote {
				t.Errorf("title %q note %q, want %q %q", r.Title, r.Note, tt.wantTitle, tt.wantNote)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			if !inOrder(labels(r), tt.wantBtns) {
				t.Errorf("buttons %q do not contain %q in order", labels(r), tt.wantBtns)
			}
		})
	}
}

func inOrder(have, want []string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}
