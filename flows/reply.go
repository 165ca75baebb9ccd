package flows

// Button is one inline button: a label and its encoded data.
type Button struct {
	Text string
	Data string
}

// Reply is one message the bot sends back. Text is plain text: the renderer
// escapes it for the messenger.
type Reply struct {
	// ChatID sends the reply to another chat (a staff chat, or the person a
	// staff member answers); 0 means the chat the event came from.
	ChatID int64
	// Note is a short remark shown first (e.g. "that button is old").
	Note string
	// Title is shown emphasised above Text.
	Title string
	Text  string
	// Buttons are rows of inline buttons.
	Buttons [][]Button
	// Edit asks to replace the message whose button was pressed,
	// instead of sending a new one.
	Edit bool
}
