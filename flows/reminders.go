package flows

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ReminderKind is the paper a reminder is about. The letters are persisted
// (in Redis and in button data): never reuse or renumber one.
type ReminderKind byte

const (
	ReminderVisa     ReminderKind = 'v' // the visa expires
	ReminderPermit   ReminderKind = 'w' // the work permit expires
	ReminderPassport ReminderKind = 'p' // the passport expires
	ReminderReport   ReminderKind = 'r' // the 90-day address report to Immigration is due
)

// ReminderKinds lists every kind in the order offered and listed.
var ReminderKinds = []ReminderKind{ReminderVisa, ReminderPermit, ReminderPassport, ReminderReport}

// ValidReminderKind reports whether k is one of ReminderKinds.
func ValidReminderKind(k ReminderKind) bool { return slices.Contains(ReminderKinds, k) }

const (
	// ReminderHour is the Bangkok hour reminders are sent at.
	ReminderHour = 9
	// ReportEvery is how often the 90-day report falls due, in days
	// (content: pre.mou.arrive, "every 90 days").
	ReportEvery = 90
	// MaxReminderYears bounds how far ahead a reminder's date may be.
	MaxReminderYears = 10
)

// Reminder is one date a person asked to be reminded of: which paper and
// its date (a calendar day in Bangkok). Nothing else is kept.
type Reminder struct {
	Kind ReminderKind
	Date Day
}

// daysBefore are the days before a due date that a message goes out, the
// day itself last.
func (k ReminderKind) daysBefore() []Day {
	if k == ReminderReport {
		return []Day{7, 0}
	}
	return []Day{60, 30, 7, 0}
}

// DueOn is the due date the reminder speaks of on day: the paper's date,
// or for the 90-day report the first report date on or after day (the
// report repeats every ReportEvery days from Date).
func (r Reminder) DueOn(day Day) Day {
	if r.Kind != ReminderReport || day <= r.Date {
		return r.Date
	}
	cycles := (day - r.Date + ReportEvery - 1) / ReportEvery
	return r.Date + cycles*ReportEvery
}

// Next is the time of the first message after the moment after: at
// ReminderHour on each of the days before the due date that are still
// ahead. ok is false when none is left (the date has passed); the 90-day
// report always has one.
func (r Reminder) Next(after time.Time) (at time.Time, ok bool) {
	due := r.DueOn(DayOf(after))
	for range 2 { // this due date's messages, then the next report's
		for _, before := range r.Kind.daysBefore() {
			if at := (due - before).At(ReminderHour); at.After(after) {
				return at, true
			}
		}
		if r.Kind != ReminderReport {
			return time.Time{}, false
		}
		due += ReportEvery
	}
	return time.Time{}, false
}

// OnSchedule reports whether at is one of the reminder's message times: a
// scheduled message made for another date (changed meanwhile) is not.
func (r Reminder) OnSchedule(at time.Time) bool {
	next, ok := r.Next(at.Add(-time.Second))
	return ok && next.Equal(at)
}

// Upcoming lists the days of the messages still to come for the due date
// ahead of now.
func (r Reminder) Upcoming(now time.Time) []Day {
	var out []Day
	due := r.DueOn(DayOf(now))
	for at, ok := r.Next(now); ok && r.DueOn(DayOf(at)) == due; at, ok = r.Next(at) {
		out = append(out, DayOf(at))
	}
	return out
}

// At is the moment the day reaches hour:00 in Bangkok.
func (d Day) At(hour int) time.Time {
	_, offset := time.Unix(0, 0).In(Bangkok).Zone()
	return time.Unix(int64(d)*86400-int64(offset)+int64(hour)*3600, 0).In(Bangkok)
}

// String writes the day as 2006-01-02, the way dates are shown and stored.
func (d Day) String() string { return d.At(0).Format(time.DateOnly) }

// ParseDay reads a day written by String.
func ParseDay(s string) (Day, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Bangkok)
	if err != nil {
		return 0, fmt.Errorf("parse day %q: %w", s, err)
	}
	return DayOf(t), nil
}

// Reminders keeps the reminders people set, one per kind and chat, and
// their schedule. Delivery happens elsewhere (bot/reminders), never in a
// handler.
type Reminders interface {
	// Set adds or replaces the chat's reminder of r.Kind; messages are
	// written in lang.
	Set(ctx context.Context, chatID int64, r Reminder, lang string) error
	// List returns the chat's reminders in ReminderKinds order.
	List(ctx context.Context, chatID int64) ([]Reminder, error)
	// Delete removes the chat's reminder of kind; deleting none is no error.
	Delete(ctx context.Context, chatID int64, kind ReminderKind) error
	// SetLang changes the language of the chat's reminders, if it has any.
	SetLang(ctx context.Context, chatID int64, lang string) error
	// Forget deletes every reminder of the chat and its schedule.
	Forget(ctx context.Context, chatID int64) error
}
