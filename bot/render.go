package bot

import (
	"html"
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"mekongbot/flows"
)

// MaxMessageUnits is Telegram's limit for one message's text, counted in
// UTF-16 code units as Telegram counts them.
const MaxMessageUnits = 4096

// rendered is one Telegram message ready to send or edit.
type rendered struct {
	text     string
	keyboard *tgbotapi.InlineKeyboardMarkup
	edit     bool
}

// render turns a flows reply into one or more messages in Telegram HTML.
// Long texts are split on paragraph boundaries; the buttons go with the last
// part; an edit that needs more than one message becomes new messages.
func render(r flows.Reply) []rendered {
	parts := splitText(formatHTML(r), MaxMessageUnits)
	out := make([]rendered, len(parts))
	for i, p := range parts {
		out[i] = rendered{text: p, edit: r.Edit && len(parts) == 1}
	}
	out[len(out)-1].keyboard = keyboard(r.Buttons)
	return out
}

func formatHTML(r flows.Reply) string {
	var b strings.Builder
	if r.Note != "" {
		b.WriteString("<i>" + html.EscapeString(r.Note) + "</i>\n\n")
	}
	if r.Title != "" {
		b.WriteString("<b>" + html.EscapeString(r.Title) + "</b>")
		if r.Text != "" {
			b.WriteString("\n\n")
		}
	}
	b.WriteString(html.EscapeString(r.Text))
	if b.Len() == 0 {
		return "…" // Telegram refuses empty messages; flows never mean one.
	}
	return b.String()
}

func keyboard(rows [][]flows.Button) *tgbotapi.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		out := make([]tgbotapi.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			out = append(out, tgbotapi.NewInlineKeyboardButtonData(b.Text, b.Data))
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	return &kb
}

// utf16Len counts a string as Telegram does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// splitText cuts s into parts of at most limit UTF-16 units, preferring
// paragraph breaks, then line breaks, then spaces. It never cuts inside an
// HTML tag or entity, and closes and reopens <b>/<i> around a cut.
func splitText(s string, limit int) []string {
	var parts []string
	for utf16Len(s) > limit {
		cut := cutPoint(s, limit)
		head, tail := closeTags(s[:cut], s[cut:])
		parts = append(parts, strings.TrimRight(head, "\n "))
		s = strings.TrimLeft(tail, "\n ")
	}
	return append(parts, s)
}

// cutPoint returns a byte index where s may be cut so that s[:i] fits limit.
// The reserve leaves room for closing tags added by closeTags.
func cutPoint(s string, limit int) int {
	const reserve = 16
	maxBytes, units := 0, 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > limit-reserve {
			break
		}
		maxBytes = i + len(string(r))
	}
	window := s[:maxBytes]
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(window, sep); i > len(window)/2 {
			return safeCut(s, i)
		}
	}
	return safeCut(s, maxBytes)
}

// safeCut moves a cut back to before any tag or entity it falls inside.
func safeCut(s string, i int) int {
	if lt := strings.LastIndexByte(s[:i], '<'); lt > strings.LastIndexByte(s[:i], '>') {
		i = lt
	}
	if amp := strings.LastIndexByte(s[:i], '&'); amp >= 0 && amp > strings.LastIndexByte(s[:i], ';') && i-amp < 10 {
		i = amp
	}
	return i
}

// closeTags keeps each part valid HTML for the tags formatHTML writes.
func closeTags(head, tail string) (string, string) {
	for _, tag := range []string{"b", "i"} {
		if strings.Count(head, "<"+tag+">") > strings.Count(head, "</"+tag+">") {
			head += "</" + tag + ">"
			tail = "<" + tag + ">" + tail
		}
	}
	return head, tail
}
