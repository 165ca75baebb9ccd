package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The reminder buttons (ActReminder) carry everything picked so far, so the
// date picker needs no session: a button from an old message still works.
//
//	list                  the person's reminders
//	new                   choose the kind
//	k-<kind>              choose the year
//	y-<kind>.<yyyy>       choose the month
//	m-<kind>.<yyyy>.<m>   choose the day
//	d-<kind>.<yyyy>.<m>.<d> save
//	del-<kind>            delete
//
// While a picker is on screen the session is in StateReminderDate with the
// kind in Data, so that a typed date is taken too.

// reminderPages are the handbook pages a reminder links to.
var reminderPages = map[ReminderKind]string{
	ReminderVisa: "pre.docs", ReminderPermit: "pre.docs", ReminderPassport: "pre.docs",
	ReminderReport: "pre.mou.arrive",
}

func (e *Engine) remindersCommand(ctx context.Context, r *Request) error {
	if e.reminders == nil {
		return e.unknownCommand(ctx, r)
	}
	return e.showReminders(ctx, r, "")
}

// reminder handles the reminder buttons.
func (e *Engine) reminder(ctx context.Context, r *Request, arg string) error {
	if e.reminders == nil {
		return e.stale(ctx, r)
	}
	verb, value := cutArg(arg)
	switch verb {
	case "list":
		return e.showReminders(ctx, r, "")
	case "new":
		r.Reply(e.reminderKinds(r))
		return nil
	case "k", "y", "m", "d":
		return e.pickDate(ctx, r, verb, value)
	case "del":
		return e.deleteReminder(ctx, r, value)
	}
	return e.stale(ctx, r)
}

// showReminders lists the person's reminders, with a button to add one and
// one to delete each; note says what just happened.
func (e *Engine) showReminders(ctx context.Context, r *Request, note string) error {
	list, err := e.reminders.List(ctx, r.Event.ChatID)
	if err != nil {
		return fmt.Errorf("list reminders: %w", err)
	}
	if r.Session.State == StateReminderDate {
		r.Session.State, r.Session.Data = StateNone, ""
	}
	lang := r.Lang
	rep := Reply{Note: note, Title: e.text.Text(lang, "RemindersTitle", nil), Edit: r.Event.Kind == KindButton}
	var lines []string
	for _, rem := range list {
		next := "–"
		if at, ok := rem.Next(e.now()); ok {
			next = DayOf(at).String()
		}
		lines = append(lines, e.text.Text(lang, "ReminderListLine", map[string]any{
			"Paper": e.paperName(lang, rem.Kind), "Date": rem.DueOn(DayOf(e.now())).String(), "Next": next}))
		rep.Buttons = append(rep.Buttons, []Button{{Text: "🗑 " + e.paperName(lang, rem.Kind),
			Data: Press{Action: ActReminder, Arg: "del-" + string(rem.Kind)}.Encode()}})
	}
	if len(list) == 0 {
		lines = append(lines, e.text.Text(lang, "RemindersNone", nil), e.text.Text(lang, "RemindersIntro", nil))
	}
	rep.Text = strings.Join(lines, "\n\n")
	rep.Buttons = append([][]Button{{e.button(lang, "BtnReminderAdd", Press{Action: ActReminder, Arg: "new"})}}, rep.Buttons...)
	rep.Buttons = append(rep.Buttons, []Button{e.button(lang, "BtnMenu", Press{Action: ActMenu})})
	r.Reply(rep)
	return nil
}

func (e *Engine) reminderKinds(r *Request) Reply {
	rep := Reply{
		Title: e.text.Text(r.Lang, "RemindersTitle", nil),
		Text:  e.text.Text(r.Lang, "ReminderKindQuestion", nil),
		Edit:  r.Event.Kind == KindButton,
	}
	for _, k := range ReminderKinds {
		rep.Buttons = append(rep.Buttons, []Button{{Text: e.paperName(r.Lang, k),
			Data: Press{Action: ActReminder, Arg: "k-" + string(k)}.Encode()}})
	}
	rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnBack", Press{Action: ActReminder, Arg: "list"})})
	return rep
}

func (e *Engine) paperName(lang string, k ReminderKind) string {
	switch k {
	case ReminderVisa:
		return e.text.Text(lang, "PaperVisa", nil)
	case ReminderPermit:
		return e.text.Text(lang, "PaperPermit", nil)
	case ReminderPassport:
		return e.text.Text(lang, "PaperPassport", nil)
	}
	return e.text.Text(lang, "PaperReport", nil)
}

// datePick is what a picker button carries: the kind, then as far as
// picked, year, month and day (0 when not picked yet).
type datePick struct {
	kind             ReminderKind
	year, month, day int
}

// parsePick reads "<kind>[.<yyyy>[.<m>[.<d>]]]" with exactly parts fields.
func parsePick(value string, parts int) (datePick, bool) {
	f := strings.Split(value, ".")
	if len(f) != parts || len(f[0]) != 1 || !ValidReminderKind(ReminderKind(f[0][0])) {
		return datePick{}, false
	}
	p := datePick{kind: ReminderKind(f[0][0])}
	nums := []*int{&p.year, &p.month, &p.day}
	for i, s := range f[1:] {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return datePick{}, false
		}
		*nums[i] = n
	}
	return p, true
}

// reminderRange is the first and last day a reminder may be set for:
// tomorrow, and the same date MaxReminderYears ahead.
func (e *Engine) reminderRange() (first, last Day) {
	now := e.now().In(Bangkok)
	return DayOf(now) + 1, DayOf(now.AddDate(MaxReminderYears, 0, 0))
}

// dayFrom makes a Day of a calendar date; ok is false for a date that does
// not exist (31 April).
func dayFrom(year, month, day int) (Day, bool) {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, Bangkok)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return 0, false
	}
	return DayOf(t), true
}

// pickDate shows the next step of the date picker, or saves the date.
func (e *Engine) pickDate(ctx context.Context, r *Request, verb, value string) error {
	parts := map[string]int{"k": 1, "y": 2, "m": 3, "d": 4}[verb]
	p, ok := parsePick(value, parts)
	if !ok {
		return e.stale(ctx, r)
	}
	first, last := e.reminderRange()
	var rep Reply
	switch verb {
	case "k":
		rep = e.yearPicker(r, p.kind, first, last, "")
	case "y":
		if p.year < first.At(0).Year() || p.year > last.At(0).Year() {
			return e.stale(ctx, r)
		}
		rep = e.monthPicker(r, p, first, last)
	case "m":
		if p.month > 12 || !overlaps(p.year, p.month, first, last) {
			return e.stale(ctx, r)
		}
		rep = e.dayPicker(r, p, first, last)
	default:
		day, ok := dayFrom(p.year, p.month, p.day)
		if !ok {
			return e.stale(ctx, r)
		}
		if day >= first && day <= last {
			return e.saveReminder(ctx, r, Reminder{Kind: p.kind, Date: day})
		}
		rep = e.yearPicker(r, p.kind, first, last, "ReminderDateRange") // a picker left on screen since yesterday
	}
	r.Session.State, r.Session.Data = StateReminderDate, string(p.kind)
	r.Reply(rep)
	return nil
}

// overlaps reports whether any day of the month lies in first..last.
func overlaps(year, month int, first, last Day) bool {
	start, _ := dayFrom(year, month, 1)
	end := DayOf(time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, Bangkok))
	return end >= first && start <= last
}

// picker is one step of the date picker: the paper as title, what to
// choose, the choices in a grid, and Back to the step before.
func (e *Engine) picker(r *Request, k ReminderKind, text, noteID string, choices []Button, perRow int, back string) Reply {
	rep := Reply{
		Title: e.paperName(r.Lang, k),
		Text:  text + "\n" + e.text.Text(r.Lang, "ReminderTypeHint", nil),
		Edit:  r.Event.Kind == KindButton && noteID == "",
	}
	if noteID != "" {
		rep.Note = e.text.Text(r.Lang, noteID, nil)
	}
	for len(choices) > 0 {
		n := min(perRow, len(choices))
		rep.Buttons = append(rep.Buttons, choices[:n])
		choices = choices[n:]
	}
	rep.Buttons = append(rep.Buttons, []Button{
		e.button(r.Lang, "BtnBack", Press{Action: ActReminder, Arg: back}),
		e.button(r.Lang, "BtnReminders", Press{Action: ActReminder, Arg: "list"}),
	})
	return rep
}

func pickButton(label, arg string) Button {
	return Button{Text: label, Data: Press{Action: ActReminder, Arg: arg}.Encode()}
}

func (e *Engine) yearPicker(r *Request, k ReminderKind, first, last Day, noteID string) Reply {
	var years []Button
	for y := first.At(0).Year(); y <= last.At(0).Year(); y++ {
		years = append(years, pickButton(strconv.Itoa(y), fmt.Sprintf("y-%c.%d", k, y)))
	}
	return e.picker(r, k, e.text.Text(r.Lang, "ReminderPickYear", nil), noteID, years, 4, "new")
}

func (e *Engine) monthPicker(r *Request, p datePick, first, last Day) Reply {
	var months []Button
	for m := 1; m <= 12; m++ {
		if overlaps(p.year, m, first, last) {
			months = append(months, pickButton(strconv.Itoa(m), fmt.Sprintf("m-%c.%d.%d", p.kind, p.year, m)))
		}
	}
	text := e.text.Text(r.Lang, "ReminderPickMonth", map[string]any{"Year": strconv.Itoa(p.year)})
	return e.picker(r, p.kind, text, "", months, 4, "k-"+string(p.kind))
}

func (e *Engine) dayPicker(r *Request, p datePick, first, last Day) Reply {
	var days []Button
	for d := 1; d <= 31; d++ {
		if day, ok := dayFrom(p.year, p.month, d); ok && day >= first && day <= last {
			days = append(days, pickButton(strconv.Itoa(d), fmt.Sprintf("d-%c.%d.%d.%d", p.kind, p.year, p.month, d)))
		}
	}
	month := fmt.Sprintf("%d-%02d", p.year, p.month)
	text := e.text.Text(r.Lang, "ReminderPickDay", map[string]any{"Month": month})
	return e.picker(r, p.kind, text, "", days, 7, fmt.Sprintf("y-%c.%d", p.kind, p.year))
}

// saveReminder stores the reminder and shows the list under a note saying
// when the messages will come.
func (e *Engine) saveReminder(ctx context.Context, r *Request, rem Reminder) error {
	if err := e.reminders.Set(ctx, r.Event.ChatID, rem, r.Lang); err != nil {
		return fmt.Errorf("set reminder: %w", err)
	}
	var when []string
	for _, d := range rem.Upcoming(e.now()) {
		when = append(when, d.String())
	}
	paper := e.paperName(r.Lang, rem.Kind)
	note := e.text.Text(r.Lang, "ReminderSaved", map[string]any{
		"Paper": paper, "Date": rem.Date.String(), "When": strings.Join(when, ", ")})
	if rem.Kind == ReminderReport {
		note += " " + e.text.Text(r.Lang, "ReminderRepeats", nil)
	}
	return e.showReminders(ctx, r, note)
}

func (e *Engine) deleteReminder(ctx context.Context, r *Request, value string) error {
	if len(value) != 1 || !ValidReminderKind(ReminderKind(value[0])) {
		return e.stale(ctx, r)
	}
	k := ReminderKind(value[0])
	if err := e.reminders.Delete(ctx, r.Event.ChatID, k); err != nil {
		return fmt.Errorf("delete reminder: %w", err)
	}
	return e.showReminders(ctx, r, e.text.Text(r.Lang, "ReminderDeleted", map[string]any{"Paper": e.paperName(r.Lang, k)}))
}

// reminderText takes a date typed while a picker is on screen. Text that is
// not an attempt at a date (it has letters) is a question as usual, and
// ends the date step.
func (e *Engine) reminderText(ctx context.Context, r *Request) error {
	k := ReminderKind(0)
	if len(r.Session.Data) == 1 {
		k = ReminderKind(r.Session.Data[0])
	}
	if e.reminders == nil || !ValidReminderKind(k) || hasLetters(r.Event.Text) {
		r.Session.State, r.Session.Data = StateNone, ""
		return e.typed(ctx, r)
	}
	first, last := e.reminderRange()
	day, ok := parseTypedDate(r.Event.Text)
	switch {
	case !ok:
		r.Reply(e.yearPicker(r, k, first, last, "ReminderDateInvalid"))
		return nil
	case day < first || day > last:
		r.Reply(e.yearPicker(r, k, first, last, "ReminderDateRange"))
		return nil
	}
	return e.saveReminder(ctx, r, Reminder{Kind: k, Date: day})
}

func hasLetters(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }

// digitZeros are the zeros of the digits people of the region may type:
// ASCII, Thai, Lao, Khmer, Burmese and full-width (Chinese input).
var digitZeros = []rune{'0', '๐', '໐', '០', '၀', '０'}

// asciiDigits writes the digits of those scripts as ASCII.
func asciiDigits(s string) string {
	return strings.Map(func(c rune) rune {
		for _, z := range digitZeros {
			if c >= z && c <= z+9 {
				return '0' + c - z
			}
		}
		return c
	}, s)
}

// parseTypedDate reads 2027-03-15 (year first) or 15/03/2027, 15.03.2027,
// 15-03-2027 (day first, as dates are written in the region).
func parseTypedDate(s string) (Day, bool) {
	f := strings.FieldsFunc(asciiDigits(s), func(c rune) bool { return strings.ContainsRune("-/. ", c) })
	if len(f) != 3 {
		return 0, false
	}
	var n [3]int
	for i, part := range f {
		v, err := strconv.Atoi(part)
		if err != nil {
			return 0, false
		}
		n[i] = v
	}
	switch {
	case len(f[0]) == 4:
		return dayFrom(n[0], n[1], n[2])
	case len(f[2]) == 4:
		return dayFrom(n[2], n[1], n[0])
	}
	return 0, false
}

// ReminderMessage is what a reminder sends at now, in lang: what is due
// when, and the handbook page about it.
func (e *Engine) ReminderMessage(lang string, rem Reminder, now time.Time) Reply {
	today := DayOf(now)
	due := rem.DueOn(today)
	paper := e.paperName(lang, rem.Kind)
	var lines []string
	if due == today {
		lines = append(lines, e.text.Text(lang, "ReminderToday", map[string]any{"Paper": paper, "Date": due.String()}))
		if rem.Kind == ReminderReport {
			lines = append(lines, e.text.Text(lang, "ReminderNextReport", map[string]any{"Date": (due + ReportEvery).String()}))
		}
	} else {
		lines = append(lines, e.text.Text(lang, "ReminderDue", map[string]any{
			"Paper": paper, "Date": due.String(), "Count": int(due - today)}))
	}
	lines = append(lines, e.text.Text(lang, "ReminderWhy", nil))
	rep := Reply{Title: e.text.Text(lang, "ReminderTitle", nil), Text: strings.Join(lines, "\n\n")}
	if page := reminderPages[rem.Kind]; e.hasPage(page) {
		rep.Buttons = append(rep.Buttons, []Button{e.pageButton(lang, page, "")})
	}
	rep.Buttons = append(rep.Buttons,
		[]Button{e.button(lang, "BtnReminders", Press{Action: ActReminder, Arg: "list"})},
		[]Button{e.button(lang, "BtnMenu", Press{Action: ActMenu})})
	return rep
}

func (e *Engine) hasPage(id string) bool {
	_, ok := e.catalog.Page(id)
	return ok
}
