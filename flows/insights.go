package flows

import (
	"context"
	"time"
)

// Insights records anonymous counts for staff. Implementations must never
// store who asked or who read what: only counts and anonymised text.
type Insights interface {
	// Unanswered counts a question no page answered, in anonymised form.
	Unanswered(ctx context.Context, lang, question string) error
	// Seen counts a person as active on day, under their language, role and
	// country. The engine calls it once per person per day.
	Seen(ctx context.Context, day Day, p Profile, chatID int64) error
	// PageOpened counts a page being shown. It must not block: counts may be
	// buffered and written later.
	PageOpened(lang, page string)
	// Report sums the counts for staff as of today.
	Report(ctx context.Context, today Day) (InsightReport, error)
}

// Day counts days since 1970-01-01 in Asia/Bangkok time.
type Day int

// Bangkok is the service's time zone (Thailand keeps no daylight saving).
var Bangkok = time.FixedZone("ICT", 7*60*60)

// DayOf returns the day t falls on in Bangkok.
func DayOf(t time.Time) Day {
	_, offset := t.In(Bangkok).Zone()
	return Day((t.Unix() + int64(offset)) / 86400)
}

// Count is one counted thing: a page id, a question, a language.
type Count struct {
	Key string
	N   int
}

// InsightReport is what /stats shows: counts only, no person can be picked out.
type InsightReport struct {
	Active7, Active30 int // distinct people active in the last 7 and 30 days
	// The people active in the last 30 days, by language, role and country.
	ByLang, ByRole, ByCountry []Count
	TopPages                  []Count // most opened pages, most first
	Unanswered                []Count // anonymised questions, "lang: question"
}
