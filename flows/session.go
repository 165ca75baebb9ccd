package flows

import (
	"fmt"
	"strconv"
	"strings"
)

// SchemaVersion is the version of the session encoding. Sessions written by an
// older version are decoded by DecodeSession or dropped with a clear error;
// bump it whenever the layout below changes.
const SchemaVersion = 2

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
	StateNone       State = ""
	StateChooseLang State = "ol" // onboarding: choose a language
	StateChooseRole State = "or" // onboarding: choose worker or official
	StateTalk       State = "ht" // talking to staff: typed text goes to the case in Data
	StateCompose    State = "sb" // staff composing a broadcast: typed text goes to the draft
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

// Encode writes the session in its compact stored form:
// version|lang|role|page|back,stack|state|data|country|day
func (s Session) Encode() string {
	role := ""
	if s.Role != RoleUnknown {
		role = string(s.Role)
	}
	day := ""
	if s.Day != 0 {
		day = strconv.Itoa(int(s.Day))
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s|%s|%s", SchemaVersion, s.Lang, role, s.Page,
		strings.Join(s.Back, ","), s.State, strings.ReplaceAll(s.Data, "|", ""), s.Country, day)
}

// DecodeSession reads what Encode wrote, and version 1 sessions (which
// lacked country and day).
func DecodeSession(raw string) (Session, error) {
	f := strings.Split(raw, "|")
	switch {
	case len(f) == 7 && f[0] == "1":
		f = append(f, "", "")
	case len(f) != 9:
		return Session{}, fmt.Errorf("decode session: %d fields, want 9", len(f))
	case f[0] != strconv.Itoa(SchemaVersion):
		return Session{}, fmt.Errorf("decode session: schema version %q, want %d", f[0], SchemaVersion)
	}
	s := Session{Lang: f[1], Page: f[3], State: State(f[5]), Data: f[6], Country: f[7]}
	if f[8] != "" {
		day, err := strconv.Atoi(f[8])
		if err != nil {
			return Session{}, fmt.Errorf("decode session: day %q: %w", f[8], err)
		}
		s.Day = Day(day)
	}
	if len(f[2]) == 1 {
		s.Role = Role(f[2][0])
	}
	if f[4] != "" {
		s.Back = strings.Split(f[4], ",")
	}
	return s, nil
}
