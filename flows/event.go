package flows

// EventKind says what a person did.
type EventKind uint8

const (
	// KindText is a typed message that is not a command.
	KindText EventKind = iota + 1
	// KindCommand is a message starting with "/".
	KindCommand
	// KindButton is a press on an inline button.
	KindButton
	// KindOther is any message the bot cannot read (sticker, photo, voice...).
	KindOther
)

// Event is one thing a person did, independent of the messenger.
type Event struct {
	// UpdateID is the messenger's id of the update, growing over time
	// (0: unknown, as in the terminal chat).
	UpdateID int64
	ChatID   int64
	UserID   int64
	Kind     EventKind

	// Command is the command name without "/" and "@botname", lower case.
	Command string
	// Text is the typed text, or a command's arguments.
	Text string
	// Data is the button's data, untrusted until decoded.
	Data string
	// MessageID is the message a pressed button belongs to.
	MessageID int
	// Other names the message kind for KindOther ("sticker", "photo", ...).
	Other string
	// ClientLang is the language the person's app reports (e.g. "km", "zh-hans").
	ClientLang string
	// Group is true in a group or supergroup; false in a one-to-one chat
	// with the bot (ChatID is then the person's user id).
	Group bool
	// ReplyToText is the text of the bot's own message this message answers
	// ("" when it answers nothing, or a message not from this bot).
	ReplyToText string
}
