package flows

import (
	"errors"
	"fmt"
)

// MaxButtonData is Telegram's limit for callback data, in bytes.
const MaxButtonData = 64

// Action is what a button does. The single-byte values are persisted in
// messages people still have on screen: never reuse or renumber one.
type Action byte

const (
	ActOpen     Action = 'p' // open page Arg
	ActBack     Action = 'b' // back to the previous page
	ActMenu     Action = 'm' // main menu
	ActSources  Action = 's' // sources of page Arg
	ActLangMenu Action = 'L' // show the language choice
	ActLang     Action = 'l' // choose language Arg
	ActRole     Action = 'r' // choose role Arg ("w" or "o")

	ActCorridor    Action = 'M' // a corridor's procedure: overview and steps, Arg corridor
	ActStep        Action = 'S' // one step in full, Arg "<corridor>.<n>" (n from 1)
	ActWhole       Action = 'W' // the whole procedure as one message, Arg corridor
	ActCompareMenu Action = 'c' // the aspects that can be compared
	ActCompare     Action = 'C' // one aspect across corridors, Arg aspect

	ActSettings Action = 'G' // the person's settings
	ActUpdates  Action = 'u' // subscription: Arg "on", "off", "c-<country>", "t-<topic>"
	ActForget   Action = 'F' // delete my data: Arg "ask" or "yes"
	ActTalk     Action = 'h' // talk to a person: Arg "start", "end-<case>", "reply-<case>"
	ActStaff    Action = 'Z' // a staff action, Arg says which; the role is checked on every press

	ActChecklist Action = 'k' // pre-departure checklist: Arg "v", "i", "t-<bit>", "o-<page>", "r", "r-y"
	ActJobCheck  Action = 'j' // job-offer check: Arg "a<answers>", "u<answers>", "o-<page>"
	ActFeedback  Action = 'f' // "was this page helpful?": Arg "u-<page>" (yes), "d-<page>" (no), "ok" (the thanks)
	ActReminder  Action = 'R' // reminders: Arg "list", "new", a date-picker step or "del-<kind>" (remindflow.go)
)

// knownActions maps each action to whether it takes an argument.
var knownActions = map[Action]bool{
	ActOpen: true, ActSources: true, ActLang: true, ActRole: true,
	ActBack: false, ActMenu: false, ActLangMenu: false,
	ActCorridor: true, ActStep: true, ActWhole: true, ActCompareMenu: false, ActCompare: true,
	ActSettings: false, ActUpdates: true, ActForget: true, ActTalk: true, ActStaff: true,
	ActChecklist: true, ActJobCheck: true, ActReminder: true,
	ActFeedback: true,
}

// ErrBadButton is returned for button data this bot did not make.
var ErrBadButton = errors.New("invalid button data")

// Press is a decoded button.
type Press struct {
	Action Action
	Arg    string
}

// Encode returns the button data for p. It panics when the result would not
// fit Telegram's limit: that is a programming error caught by tests.
func (p Press) Encode() string {
	s := string(p.Action)
	if p.Arg != "" {
		s += ":" + p.Arg
	}
	if len(s) > MaxButtonData {
		panic(fmt.Sprintf("button data %q is over %d bytes", s, MaxButtonData))
	}
	return s
}

// DecodePress parses untrusted button data.
func DecodePress(data string) (Press, error) {
	if data == "" || len(data) > MaxButtonData {
		return Press{}, ErrBadButton
	}
	p := Press{Action: Action(data[0])}
	takesArg, known := knownActions[p.Action]
	if !known || takesArg != (len(data) > 1) {
		return Press{}, ErrBadButton
	}
	if !takesArg {
		return p, nil
	}
	if data[1] != ':' || !validArg(data[2:]) {
		return Press{}, ErrBadButton
	}
	p.Arg = data[2:]
	return p, nil
}

// validArg accepts the characters page ids and codes are made of.
func validArg(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
