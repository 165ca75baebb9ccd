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
//
//	version|lang|role|page|back,stack|lastupdate|lastpress|day|country|checklist|state|data
//
// lastpress is written as its distance from lastupdate (with a '-' when
// below it), which takes two or three characters where the id takes six.
// Empty fields at the end are left out: the ones most people never fill
// come last. Redis keeps a string of up to 44 bytes in one allocation with
// its header, so the common session (a page, its way back, both update ids
// and the day) is kept under that (see redisstore's TestSessionMemoryUsage).
func (s Session) Encode() string {
	var b strings.Builder
	b.Grow(40 + len(s.Lang) + len(s.Page) + len(s.Data) + len(s.Country) + 12*len(s.Back))
	b.WriteString(strconv.Itoa(SchemaVersion))
	var buf [20]byte
	field := func(f []byte) {
		b.WriteByte('|')
		b.Write(f)
	}
	field([]byte(s.Lang))
	if s.Role != RoleUnknown {
		field([]byte{byte(s.Role)})
	} else {
		field(nil)
	}
	field([]byte(s.Page))
	field([]byte(strings.Join(s.Back, ",")))
	field(base36(buf[:0], s.LastUpdate))
	if s.LastPress != 0 {
		field(strconv.AppendInt(buf[:0], s.LastPress-s.LastUpdate, 36))
	} else {
		field(nil)
	}
	field(base36(buf[:0], int64(s.Day)))
	field([]byte(s.Country))
	field(base36(buf[:0], int64(s.Checklist)))
	field([]byte(s.State))
	field([]byte(strings.ReplaceAll(s.Data, "|", "")))
	return strings.TrimRight(b.String(), "|")
}

// base36 appends n compactly to buf; 0 is nothing.
func base36(buf []byte, n int64) []byte {
	if n == 0 {
		return buf
	}
	return strconv.AppendInt(buf, n, 36)
}

// sessionFields is the number of fields Encode writes at most.
const sessionFields = 12

// DecodeSession reads what Encode wrote, and the sessions of versions 1
// (without country and day, in decimal), 2 (day in decimal) and 3 (fields in
// another order, without lastpress).
func DecodeSession(raw string) (Session, error) {
	var f [sessionFields]string
	n := splitFields(raw, f[:])
	switch {
	case n <= sessionFields && f[0] == strconv.Itoa(SchemaVersion):
		return decodeV4(f)
	case n == 7 && f[0] == "1", n == 9 && f[0] == "2", n == 11 && f[0] == "3":
		return decodeOld(f)
	case n > sessionFields || n < 7:
		return Session{}, fmt.Errorf("decode session: %d fields", n)
	}
	return Session{}, fmt.Errorf("decode session: schema version %q, want %d", f[0], SchemaVersion)
}

func decodeV4(f [sessionFields]string) (Session, error) {
	s := Session{Lang: f[1], Page: f[3], Back: splitBack(f[4]), Country: f[8], State: State(f[10]), Data: f[11]}
	s.Role = decodeRole(f[2])
	last, err1 := parseNumber(f[5], 36, 63)
	day, err2 := parseNumber(f[7], 36, 32)
	checklist, err3 := parseNumber(f[9], 36, 32)
	var err4 error
	if f[6] != "" {
		var d int64
		d, err4 = strconv.ParseInt(f[6], 36, 64)
		if s.LastPress = last + d; err4 == nil && (d == 0 || s.LastPress <= 0) {
			err4 = fmt.Errorf("last press %q off %d", f[6], last)
		}
	}
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return Session{}, fmt.Errorf("decode session: %w", err)
	}
	s.LastUpdate, s.Day, s.Checklist = last, Day(day), uint32(checklist)
	return s, nil
}

// decodeOld reads versions 1 to 3:
// version|lang|role|page|back,stack|state|data|country|day|checklist|lastupdate
// (1 ends after data, 2 after day; both wrote the day in decimal).
func decodeOld(f [sessionFields]string) (Session, error) {
	dayBase := 36
	if f[0] != "3" {
		dayBase = 10
	}
	s := Session{Lang: f[1], Page: f[3], Back: splitBack(f[4]), State: State(f[5]), Data: f[6], Country: f[7]}
	s.Role = decodeRole(f[2])
	day, err1 := parseNumber(f[8], dayBase, 32)
	checklist, err2 := parseNumber(f[9], 36, 32)
	last, err3 := parseNumber(f[10], 36, 63)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Session{}, fmt.Errorf("decode session: %w", err)
	}
	s.Day, s.Checklist, s.LastUpdate = Day(day), uint32(checklist), last
	return s, nil
}

func decodeRole(f string) Role {
	if len(f) == 1 {
		return Role(f[0])
	}
	return RoleUnknown
}

func splitBack(f string) []string {
	if f == "" {
		return nil
	}
	return strings.Split(f, ",")
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
