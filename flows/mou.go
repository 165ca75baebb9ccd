package flows

// Procedure is one bilateral MoU's recruitment procedure (Thailand and an
// origin country), as structured data.
type Procedure struct {
	Corridor string // origin country: kh, la, mm, vn
	Page     string // the handbook page with the MoU's overview
	Reviewed string
	Sources  []Source
	Steps    []Step
}

// Step is one step of a procedure.
type Step struct {
	ID      string
	Actor   string // employer, doe, ministry, agency, worker, embassy, immigration, centre
	Sources []int  // indexes into Procedure.Sources, from 0
}

// StepText is a step's words in one language; empty fields are not sourced.
type StepText struct {
	What, Documents, Fees, Time, Legal string
}

// Aspects can be compared across corridors.
var Aspects = []string{"documents", "fees", "time", "stay", "break"}

// Procedures serves the MoU procedures.
//
// Corridors lists them in display order. StepText and Aspect fall back to
// English when lang lacks the text; Aspect returns "" when no source says it.
type Procedures interface {
	Corridors() []string
	Procedure(corridor string) (*Procedure, bool)
	StepText(corridor string, step int, lang string) StepText
	Aspect(corridor, aspect, lang string) string
}
