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
const SchemaVersion = 4

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
	// Checklist holds the ticked items of the pre-departure checklist, one
	// bit per item (bit i is item i).
	Checklist uint32
	// LastUpdate is the id of the last update handled for this chat that was
	// not a button press, LastPress that of the last button press (see
	// Handled for why they are two).
	LastUpdate int64
	LastPress  int64
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

// Handled reports whether ev was handled for this chat already: a
// redelivery. Events without an update id (the terminal chat) never are.
//
// Telegram's update ids only grow, and it delivers the messages of a chat
// one after another, each only once the previous one was answered; the
// button presses of a person likewise. But it keeps the two in separate
// queues (telegram-bot-api's Client.cpp gives a message the webhook queue of
// its chat and a callback query that of its sender; WebhookActor sends one
// update per queue at a time), so in webhook mode a press can overtake a
// message typed just before it. One "last handled" id per queue keeps either
// from being taken for a redelivery of the other. In a group the presses of
// different people are separate queues too: two people pressing within the
// same instant may lose the older press (it is acknowledged, not acted on).
func (s *Session) Handled(ev Event) bool {
	if ev.UpdateID == 0 {
		return false
	}
	if ev.Kind == KindButton {
		return ev.UpdateID <= s.LastPress
	}
	return ev.UpdateID <= s.LastUpdate
}

// MarkHandled records ev as handled (see Handled).
func (s *Session) MarkHandled(ev Event) {
	switch {
	case ev.UpdateID == 0:
	case ev.Kind == KindButton:
		s.LastPress = max(s.LastPress, ev.UpdateID)
	default:
		s.LastUpdate = max(s.LastUpdate, ev.UpdateID)
	}
}

// Encode writes the session in its compact stored form, numbers in base 36:
// version|lang|role|page|back,stack|state|data|country|day|checklist|lastupdate|lastpress
func (s Session) Encode() string {
	var b strings.Builder
	b.Grow(40 + len(s.Lang) + len(s.Page) + len(s.Data) + len(s.Country) + 12*len(s.Back))
	b.WriteString(strconv.Itoa(SchemaVersion))
	b.WriteByte('|')
	b.WriteString(s.Lang)
	b.WriteByte('|')
	if s.Role != RoleUnknown {
		b.WriteByte(byte(s.Role))
	}
	b.WriteByte('|')
	b.WriteString(s.Page)
	b.WriteByte('|')
	for i, p := range s.Back {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p)
	}
	b.WriteByte('|')
	b.WriteString(string(s.State))
	b.WriteByte('|')
	writeWithout(&b, s.Data, '|')
	b.WriteByte('|')
	b.WriteString(s.Country)
	for _, n := range [...]int64{int64(s.Day), int64(s.Checklist), s.LastUpdate, s.LastPress} {
		b.WriteByte('|')
		writeBase36(&b, n)
	}
	return b.String()
}

// writeWithout writes s without any c in it.
func writeWithout(b *strings.Builder, s string, c byte) {
	for {
		i := strings.IndexByte(s, c)
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		s = s[i+1:]
	}
}

// writeBase36 writes n compactly; 0 is the empty string.
func writeBase36(b *strings.Builder, n int64) {
	if n == 0 {
		return
	}
	var buf [16]byte
	b.Write(strconv.AppendInt(buf[:0], n, 36))
}

// sessionFields is the number of fields Encode writes.
const sessionFields = 12

// DecodeSession reads what Encode wrote, and the sessions of versions 1
// (without country and day, in decimal), 2 (day in decimal) and 3 (without
// lastpress).
func DecodeSession(raw string) (Session, error) {
	var f [sessionFields]string
	n := splitFields(raw, f[:])
	dayBase := 36
	switch {
	case n == 7 && f[0] == "1", n == 9 && f[0] == "2":
		dayBase = 10
	case n == 11 && f[0] == "3":
	case n != sessionFields:
		return Session{}, fmt.Errorf("decode session: %d fields, want %d", n, sessionFields)
	case f[0] != strconv.Itoa(SchemaVersion):
		return Session{}, fmt.Errorf("decode session: schema version %q, want %d", f[0], SchemaVersion)
	}
	s := Session{Lang: f[1], Page: f[3], State: State(f[5]), Data: f[6], Country: f[7]}
	day, err1 := parseNumber(f[8], dayBase, 32)
	checklist, err2 := parseNumber(f[9], 36, 32)
	last, err3 := parseNumber(f[10], 36, 63)
	press, err4 := parseNumber(f[11], 36, 63)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return Session{}, fmt.Errorf("decode session: %w", err)
	}
	s.Day, s.Checklist, s.LastUpdate, s.LastPress = Day(day), uint32(checklist), last, press
	if len(f[2]) == 1 {
		s.Role = Role(f[2][0])
	}
	if f[4] != "" {
		s.Back = strings.Split(f[4], ",")
	}
	return s, nil
}

// splitFields cuts raw at each '|' into f and returns how many fields it
// has; fields beyond len(f) are counted, not kept. Fields it lacks stay "".
func splitFields(raw string, f []string) int {
	n := 0
	for {
		i := strings.IndexByte(raw, '|')
		if n < len(f) {
			if i < 0 {
				f[n] = raw
			} else {
				f[n] = raw[:i]
			}
		}
		n++
		if i < 0 {
			return n
		}
		raw = raw[i+1:]
	}
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
