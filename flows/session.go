package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SchemaVersion is the version of the session encoding. Sessions written by an
// older version are decoded by DecodeSession or dropped with a clear error;
// bump it whenever the layout below changes.
const SchemaVersion = 3

// maxBack bounds the back stack so that a session stays small.
const maxBack = 6

// Role is who the person says they are.
type Role byte

const (
	RoleUnknown  Role = 0
	RoleWorker   Role = 'w'
	RoleOfficial Role = 'o'
)

// State names a step of a multi-step flow. The values are persisted:
// renaming one is a migration.
type State string

const (
	StateNone         State = ""
	StateChooseLang   State = "ol" // onboarding: choose a language
	StateChooseRole   State = "or" // onboarding: choose worker or official
	StateTalk         State = "ht" // talking to staff: typed text goes to the case in Data
	StateCompose      State = "sb" // staff composing a broadcast: typed text goes to the draft
	StateReminderDate State = "rd" // a reminder's date picker is on screen: a typed date is for the kind in Data
)

// Session is everything the bot remembers about one chat. Keep it small: it is
// loaded and saved on every update.
type Session struct {
	Lang  string
	Role  Role
	Page  string   // the page on screen
	Back  []string // pages to return to, most recent last
	State State
	Data  string // state-specific data, free of '|'
	// Country is the origin country the person gave when subscribing (one of
	// Countries), kept for anonymous counts.
	Country string
	// Day is the last day the person was counted as active (see Insights.Seen).
	Day Day
	// Checklist holds the ticked items of the pre-departure checklist, one
	// bit per item (bit i is item i).
	Checklist uint32
	// LastUpdate is the id of the last Telegram update handled for this chat:
	// update ids only grow, so one at or below it was handled already.
	LastUpdate int64
}

// IsNew reports whether the person has not finished choosing a language.
func (s *Session) IsNew() bool { return s.Lang == "" }

// Push remembers the current page before moving to next.
func (s *Session) Push(next string) {
	if s.Page != "" && s.Page != next {
		s.Back = append(s.Back, s.Page)
		if len(s.Back) > maxBack {
			s.Back = s.Back[len(s.Back)-maxBack:]
		}
	}
	s.Page = next
}

// Pop returns to the last remembered page, or "" when there is none.
func (s *Session) Pop() string {
	if len(s.Back) == 0 {
		return ""
	}
	prev := s.Back[len(s.Back)-1]
	s.Back = s.Back[:len(s.Back)-1]
	s.Page = prev
	return prev
}

// Encode writes the session in its compact stored form, numbers in base 36:
// version|lang|role|page|back,stack|state|data|country|day|checklist|lastupdate
func (s Session) Encode() string {
	role := ""
	if s.Role != RoleUnknown {
		role = string(s.Role)
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", SchemaVersion, s.Lang, role, s.Page,
		strings.Join(s.Back, ","), s.State, strings.ReplaceAll(s.Data, "|", ""), s.Country,
		base36(int64(s.Day)), base36(int64(s.Checklist)), base36(s.LastUpdate))
}

// base36 writes n compactly; 0 is the empty string.
func base36(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 36)
}

// DecodeSession reads what Encode wrote, and the sessions of versions 1
// (without country and day, in decimal) and 2 (day in decimal).
func DecodeSession(raw string) (Session, error) {
	f := strings.Split(raw, "|")
	dayBase := 36
	switch {
	case len(f) == 7 && f[0] == "1":
		f, dayBase = append(f, "", "", "", ""), 10
	case len(f) == 9 && f[0] == "2":
		f, dayBase = append(f, "", ""), 10
	case len(f) != 11:
		return Session{}, fmt.Errorf("decode session: %d fields, want 11", len(f))
	case f[0] != strconv.Itoa(SchemaVersion):
		return Session{}, fmt.Errorf("decode session: schema version %q, want %d", f[0], SchemaVersion)
	}
	s := Session{Lang: f[1], Page: f[3], State: State(f[5]), Data: f[6], Country: f[7]}
	day, err1 := parseNumber(f[8], dayBase, 32)
	checklist, err2 := parseNumber(f[9], 36, 32)
	last, err3 := parseNumber(f[10], 36, 63)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Session{}, fmt.Errorf("decode session: %w", err)
	}
	s.Day, s.Checklist, s.LastUpdate = Day(day), uint32(checklist), last
	if len(f[2]) == 1 {
		s.Role = Role(f[2][0])
	}
	if f[4] != "" {
		s.Back = strings.Split(f[4], ",")
	}
	return s, nil
}

// parseNumber reads a non-negative number written by base36 (or in base 10
// by older versions); "" is 0.
func parseNumber(s string, base, bits int) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, base, bits)
	if err != nil {
		return 0, fmt.Errorf("number %q: %w", s, err)
	}
	return int64(n), nil
}
