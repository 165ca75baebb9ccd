package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"mekongbot/flows"
)

func day(t *testing.T, s string) flows.Day {
	t.Helper()
	d, err := flows.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at is 09:00 or another hour in Bangkok on the day s.
func at(t *testing.T, s string, hour int) time.Time { return day(t, s).At(hour) }

func TestReminderSchedule(t *testing.T) {
	visa := flows.Reminder{Kind: flows.ReminderVisa, Date: day(t, "2027-03-15")}
	soon := flows.Reminder{Kind: flows.ReminderPassport, Date: day(t, "2026-12-17")}
	report := flows.Reminder{Kind: flows.ReminderReport, Date: day(t, "2026-12-01")}
	tests := []struct {
		name  string
		r     flows.Reminder
		after time.Time
		want  time.Time // zero: none left
	}{
		{"60 days before", visa, testNow, at(t, "2027-01-14", 9)},
		{"then 30 days before", visa, at(t, "2027-01-14", 9), at(t, "2027-02-13", 9)},
		{"then 7 days before", visa, at(t, "2027-02-13", 9), at(t, "2027-03-08", 9)},
		{"then on the day", visa, at(t, "2027-03-08", 9), at(t, "2027-03-15", 9)},
		{"nothing after the day", visa, at(t, "2027-03-15", 9), time.Time{}},
		{"an hour before a time, that time", visa, at(t, "2027-02-13", 8), at(t, "2027-02-13", 9)},
		{"only the times still ahead", soon, testNow, at(t, "2026-12-10", 9)},
		{"a bot that was down skips to the next time ahead", visa, at(t, "2027-03-01", 12), at(t, "2027-03-08", 9)},
		{"90-day report: 7 days before has passed, on the day", report, testNow, at(t, "2026-12-01", 9)},
		{"90-day report rolls on to the next report", report, at(t, "2026-12-01", 9), at(t, "2027-02-22", 9)},
		{"90-day report: on the next report's day", report, at(t, "2027-02-22", 9), at(t, "2027-03-01", 9)},
		{"90-day report: and on, every 90 days", report, at(t, "2027-03-01", 9), at(t, "2027-05-23", 9)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.r.Next(tc.after)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("Next(%v) = %v, %v; want %v", tc.after, got, ok, tc.want)
			}
			if ok && !tc.r.OnSchedule(got) {
				t.Errorf("OnSchedule(%v) = false for a time Next gave", got)
			}
		})
	}
	if visa.OnSchedule(at(t, "2027-02-13", 10)) || visa.OnSchedule(at(t, "2027-02-14", 9)) {
		t.Error("a time not on the schedule is said to be on it")
	}
	if got := report.DueOn(day(t, "2026-12-02")); got != day(t, "2027-03-01") {
		t.Errorf("the report after 2026-12-01 is due %v, want 2027-03-01", got)
	}
}

func TestReminderUpcomingAndDays(t *testing.T) {
	visa := flows.Reminder{Kind: flows.ReminderVisa, Date: day(t, "2027-03-15")}
	report := flows.Reminder{Kind: flows.ReminderReport, Date: day(t, "2026-12-01")}
	for _, tc := range []struct {
		r    flows.Reminder
		want []string
	}{
		{visa, []string{"2027-01-14", "2027-02-13", "2027-03-08", "2027-03-15"}},
		{report, []string{"2026-12-01"}},
	} {
		var got []string
		for _, d := range tc.r.Upcoming(testNow) {
			got = append(got, d.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Upcoming(%c) = %v, want %v", tc.r.Kind, got, tc.want)
		}
	}
	if got := flows.DayOf(at(t, "2027-03-15", 0)).String(); got != "2027-03-15" {
		t.Errorf("midnight in Bangkok is on %s", got)
	}
	if _, err := flows.ParseDay("2027-02-30"); err == nil {
		t.Error("ParseDay accepted 30 February")
	}
}

// TestReminderFlow walks through setting, listing and deleting reminders,
// by the picker and by typing, including forged and outdated buttons.
func TestReminderFlow(t *testing.T) {
	w := newWorld(t)
	steps := []struct {
		name  string
		event flows.Event
		want  []string // in the replies
		state flows.State
		list  string // the chat's reminders afterwards, "kind:date ..."
	}{
		{"/reminders explains and offers to add", cmdFrom(person, "reminders", ""),
			[]string{"en:RemindersTitle", "en:RemindersNone", "en:RemindersIntro", "en:BtnReminderAdd"}, "", ""},
		{"add asks what for", pressFrom(person, flows.ActReminder, "new"),
			[]string{"en:ReminderKindQuestion", "en:PaperVisa", "en:PaperPermit", "en:PaperPassport", "en:PaperReport"}, "", ""},
		{"a kind asks the year, from this year to 10 years ahead", pressFrom(person, flows.ActReminder, "k-v"),
			[]string{"en:PaperVisa", "en:ReminderPickYear", "en:ReminderTypeHint", "2026,2027,", ",2036,en:BtnBack"}, flows.StateReminderDate, ""},
		{"this year offers only the months ahead", pressFrom(person, flows.ActReminder, "y-v.2026"),
			[]string{"ReminderPickMonth{Year=2026}", "|11,12,en:BtnBack"}, flows.StateReminderDate, ""},
		{"this month offers only the days after today", pressFrom(person, flows.ActReminder, "m-v.2026.11"),
			[]string{"ReminderPickDay{Month=2026-11}", "|28,29,30,en:BtnBack"}, flows.StateReminderDate, ""},
		{"a day saves and says when messages come", pressFrom(person, flows.ActReminder, "d-v.2027.3.15"),
			[]string{"ReminderSaved{Date=2027-03-15,Paper=en:PaperVisa,When=2027-01-14, 2027-02-13, 2027-03-08, 2027-03-15}",
				"ReminderListLine{Date=2027-03-15,Next=2027-01-14,Paper=en:PaperVisa}", "🗑 en:PaperVisa"}, "", "v:2027-03-15"},
		{"30 February is a forged button", pressFrom(person, flows.ActReminder, "d-v.2027.2.30"),
			[]string{"en:StaleButton"}, "", "v:2027-03-15"},
		{"an unknown kind is a forged button", pressFrom(person, flows.ActReminder, "k-x"),
			[]string{"en:StaleButton"}, "", "v:2027-03-15"},
		{"a year too far is a forged button", pressFrom(person, flows.ActReminder, "y-v.2040"),
			[]string{"en:StaleButton"}, "", "v:2027-03-15"},
		{"today, from a picker left since yesterday, asks again", pressFrom(person, flows.ActReminder, "d-p.2026.11.27"),
			[]string{"en:ReminderDateRange", "en:ReminderPickYear"}, flows.StateReminderDate, "v:2027-03-15"},
		{"the 90-day report", pressFrom(person, flows.ActReminder, "k-r"), nil, flows.StateReminderDate, "v:2027-03-15"},
		{"a date typed day first", textFrom(person, "01/12/2026"),
			[]string{"ReminderSaved{Date=2026-12-01,Paper=en:PaperReport,When=2026-12-01}", "en:ReminderRepeats"},
			"", "v:2027-03-15 r:2026-12-01"},
		{"the passport", pressFrom(person, flows.ActReminder, "k-p"), nil, flows.StateReminderDate, "v:2027-03-15 r:2026-12-01"},
		{"a date that does not exist", textFrom(person, "2027-02-30"),
			[]string{"en:ReminderDateInvalid", "en:ReminderPickYear"}, flows.StateReminderDate, "v:2027-03-15 r:2026-12-01"},
		{"a date in the past", textFrom(person, "2026-11-01"),
			[]string{"en:ReminderDateRange"}, flows.StateReminderDate, "v:2027-03-15 r:2026-12-01"},
		{"a date in Thai digits", textFrom(person, "๑๕.๐๓.๒๐๒๘"),
			[]string{"ReminderSaved{Date=2028-03-15,Paper=en:PaperPassport"}, "", "v:2027-03-15 p:2028-03-15 r:2026-12-01"},
		{"the permit", pressFrom(person, flows.ActReminder, "k-w"), nil, flows.StateReminderDate, "v:2027-03-15 p:2028-03-15 r:2026-12-01"},
		{"words are a question, and end the date step", textFrom(person, "where is the embassy"),
			[]string{"en:TypedText"}, "", "v:2027-03-15 p:2028-03-15 r:2026-12-01"},
		{"setting a kind again replaces it", pressFrom(person, flows.ActReminder, "d-v.2027.4.1"),
			[]string{"ReminderSaved{Date=2027-04-01"}, "", "v:2027-04-01 p:2028-03-15 r:2026-12-01"},
		{"delete", pressFrom(person, flows.ActReminder, "del-v"),
			[]string{"ReminderDeleted{Paper=en:PaperVisa}"}, "", "p:2028-03-15 r:2026-12-01"},
		{"delete a forged kind", pressFrom(person, flows.ActReminder, "del-q"),
			[]string{"en:StaleButton"}, "", "p:2028-03-15 r:2026-12-01"},
	}
	for _, st := range steps {
		replies := w.do(t, st.event)
		got := allText(replies)
		for _, want := range st.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: replies %s lack %q", st.name, got, want)
			}
		}
		if s := w.session(t, person); s.State != st.state {
			t.Errorf("%s: state %q, want %q", st.name, s.State, st.state)
		}
		if list := listOf(t, w, person); list != st.list {
			t.Errorf("%s: reminders %q, want %q", st.name, list, st.list)
		}
	}

	w.do(t, pressFrom(person, flows.ActLang, "km"))
	if w.rems.lang[person] != "km" {
		t.Errorf("after a language change reminders are in %q, want km", w.rems.lang[person])
	}
	menu := allText(w.do(t, cmdFrom(person, "menu", "")))
	if !strings.Contains(menu, "km:BtnReminders") {
		t.Errorf("the main menu has no reminders button: %s", menu)
	}
	ask := allText(w.do(t, cmdFrom(person, "forget", "")))
	if !strings.Contains(ask, "km:ForgetAlsoReminders") {
		t.Errorf("/forget does not say reminders go too: %s", ask)
	}
	w.do(t, pressFrom(person, flows.ActForget, "yes"))
	if list := listOf(t, w, person); list != "" {
		t.Errorf("after /forget: reminders %q", list)
	}
}

func listOf(t *testing.T, w *world, chat int64) string {
	t.Helper()
	list, err := w.rems.List(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, r := range list {
		parts = append(parts, string(r.Kind)+":"+r.Date.String())
	}
	return strings.Join(parts, " ")
}

func TestReminderMessage(t *testing.T) {
	w := newWorld(t)
	visa := flows.Reminder{Kind: flows.ReminderVisa, Date: day(t, "2027-03-15")}
	report := flows.Reminder{Kind: flows.ReminderReport, Date: day(t, "2026-12-01")}
	tests := []struct {
		name string
		r    flows.Reminder
		now  time.Time
		want string
	}{
		{"30 days before", visa, at(t, "2027-02-13", 9), "lo:ReminderDue{Count=30,Date=2027-03-15,Paper=lo:PaperVisa}"},
		{"on the day", visa, at(t, "2027-03-15", 9), "lo:ReminderToday{Date=2027-03-15,Paper=lo:PaperVisa}"},
		{"the 90-day report on the day says when the next is", report, at(t, "2026-12-01", 9),
			"lo:ReminderToday{Date=2026-12-01,Paper=lo:PaperReport}\n\nlo:ReminderNextReport{Date=2027-03-01}"},
		{"the next report, 7 days before", report, at(t, "2027-02-22", 9), "lo:ReminderDue{Count=7,Date=2027-03-01,Paper=lo:PaperReport}"},
	}
	for _, tc := range tests {
		rep := w.e.ReminderMessage("lo", tc.r, tc.now)
		if !strings.HasPrefix(rep.Text, tc.want) || !strings.HasSuffix(rep.Text, "lo:ReminderWhy") {
			t.Errorf("%s: %q, want it to start with %q and end with why", tc.name, rep.Text, tc.want)
		}
		if got := strings.Join(labels(rep), ","); got != "lo:BtnReminders,lo:BtnMenu" {
			t.Errorf("%s: buttons %s", tc.name, got) // the fake catalog has no pre.docs page
		}
	}
}
