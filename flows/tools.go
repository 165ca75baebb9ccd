package flows

import "context"

// MaxChecklistItems is how many ticks Session.Checklist can hold.
const MaxChecklistItems = 32

// Checklist is the pre-departure checklist in one language.
type Checklist struct {
	Title string
	Intro string
	Items []ChecklistItem // in display order
}

// ChecklistItem is one thing to have done before leaving.
type ChecklistItem struct {
	// Bit is the item's bit in Session.Checklist (0 to 31): fixed for ever,
	// whatever the display order.
	Bit   int
	Page  string // the handbook page that explains it
	Label string // short: it is a button label
}

// JobCheck is "Is this job offer safe?" in one language: questions whose
// answers raise red flags.
type JobCheck struct {
	Title     string
	Intro     string
	Questions []JobQuestion
	// Flags are every red flag, in the order a result lists them.
	Flags []RedFlag
	// Clear is what a check that raises no flag says (Title empty).
	Clear Finding
}

// JobQuestion is one question with its answers, in order.
type JobQuestion struct {
	Text    string
	Answers []JobAnswer
}

// JobAnswer is one answer: a button label and the ids of the red flags it raises.
type JobAnswer struct {
	Label string
	Flags []string
}

// RedFlag is a warning sign a job offer can show.
type RedFlag struct {
	ID string
	Finding
}

// Finding is what the check tells the person, where to read more and get
// help, and where it comes from.
type Finding struct {
	Title    string
	Text     string
	Page     string // the handbook page that explains it
	Help     string // the page with the right help or hotline
	Reviewed string // YYYY-MM-DD: when the sources were last checked
	Sources  []Source
}

// Tools serves the data of the interactive tools in a language, falling back
// to English where lang lacks a text; nil when the content has no such tool.
type Tools interface {
	Checklist(lang string) *Checklist
	JobCheck(lang string) *JobCheck
}

// openAside sends a handbook page as a new message, leaving the tool's
// message where it is on screen, and makes it the current page.
func (e *Engine) openAside(ctx context.Context, r *Request, id string) error {
	if _, ok := e.catalog.Page(id); !ok {
		return e.stale(ctx, r)
	}
	if r.Session.State == StateChooseRole {
		return e.onboardingPrompt(ctx, r)
	}
	return e.showPage(r, id, false)
}

// toolButtons are the tools a page offers: both on the main menu, each on
// the handbook page it belongs to.
func (e *Engine) toolButtons(lang, page string) [][]Button {
	var rows [][]Button
	if cl := e.checklist(lang); cl != nil && (page == RootPage || page == checklistHome) {
		rows = append(rows, []Button{{Text: cl.Title, Data: checklistPress("v")}})
	}
	if jc := e.jobCheck(lang); jc != nil && (page == RootPage || page == jobCheckHome) {
		rows = append(rows, []Button{{Text: jc.Title, Data: jobCheckPress("a")}})
	}
	return rows
}
