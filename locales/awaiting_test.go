package locales

import (
	"regexp"
	"testing"
)

// awaitingTranslation names the English messages added before their
// translations (they fall back to English until then). Only a missing
// message is excused, and only in the languages other than English: an
// empty one, or one whose placeholders differ from English, still fails.
// `mekongbot content check` still lists them all for the translators.
// Remove an id once every language has it (TestAwaitingTranslationIsCurrent
// says when).
var awaitingTranslation = map[string]bool{
	// The checklist and the job-offer check (issue 8, part A).
	"ChecklistHow": true, "ChecklistProgress": true, "ChecklistInfoHow": true, "BtnChecklistInfo": true,
	"BtnChecklistTick": true, "BtnChecklistReset": true, "ChecklistResetQuestion": true,
	"BtnChecklistResetYes": true, "BtnChecklistResetNo": true, "JobCheckHow": true, "JobQuestionOf": true,
	"JobNoFlags": true, "JobSource": true, "JobReviewed": true, "JobReadMore": true, "BtnJobAgain": true,
	"CmdChecklist": true, "CmdJobCheck": true, "JobFlagsFound": true,
	// Reminders (issue 8, part B).
	"BtnReminders": true, "RemindersTitle": true, "RemindersIntro": true, "RemindersNone": true,
	"ReminderListLine": true, "BtnReminderAdd": true, "ReminderKindQuestion": true,
	"PaperVisa": true, "PaperPermit": true, "PaperPassport": true, "PaperReport": true,
	"ReminderPickYear": true, "ReminderPickMonth": true, "ReminderPickDay": true, "ReminderTypeHint": true,
	"ReminderDateInvalid": true, "ReminderDateRange": true, "ReminderSaved": true, "ReminderRepeats": true,
	"ReminderDeleted": true, "ReminderTitle": true, "ReminderToday": true, "ReminderNextReport": true,
	"ReminderWhy": true, "PrivacyReminders": true, "ForgetAlsoReminders": true, "HelpReminders": true,
	"CmdReminders": true, "ReminderDue": true,
}

// missingMessage matches Check's report of a message absent from a locale.
var missingMessage = regexp.MustCompile(`^locales/[a-z]+\.toml:1: message "(\w+)" is missing$`)

// awaited reports whether problem only says that a message awaiting
// translation is missing.
func awaited(problem string) bool {
	m := missingMessage.FindStringSubmatch(problem)
	return m != nil && awaitingTranslation[m[1]]
}

// TestAwaitingTranslationIsCurrent keeps the list honest: every id on it is
// an English message that some language still lacks.
func TestAwaitingTranslationIsCurrent(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for id := range awaitingTranslation {
		if !b.Has(Fallback, id) {
			t.Errorf("%q awaits translation but is not in en.toml", id)
			continue
		}
		translated := true
		for _, lang := range []string{"km", "lo", "my", "vi", "th", "zh"} {
			translated = translated && b.Has(lang, id)
		}
		if translated {
			t.Errorf("%q is translated in every language: take it off awaitingTranslation", id)
		}
	}
}
