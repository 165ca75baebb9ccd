package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"mekongbot/flows"
)

func TestFormatHTMLEscapes(t *testing.T) {
	tests := []struct {
		reply flows.Reply
		want  string
	}{
		{flows.Reply{Title: "Fees <2024>", Text: "A & B"}, "<b>Fees &lt;2024&gt;</b>\n\nA &amp; B"},
		{flows.Reply{Note: "old <button>", Text: "x"}, "<i>old &lt;button&gt;</i>\n\nx"},
		{flows.Reply{Title: "Only a title"}, "<b>Only a title</b>"},
		{flows.Reply{}, "…"},
	}
	for _, tt := range tests {
		if got := formatHTML(tt.reply); got != tt.want {
			t.Errorf("formatHTML(%+v) = %q, want %q", tt.reply, got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 100) // 500 units
	emoji := strings.Repeat("😀", 3000)   // 2 UTF-16 units each: 6000
	khmer := strings.Repeat("ក", 5000)   // 1 unit each, 3 bytes
	tests := []struct {
		name      string
		in        string
		wantParts int
	}{
		{"short text stays whole", "hello", 1},
		{"exactly the limit stays whole", strings.Repeat("a", MaxMessageUnits), 1},
		{"one unit over splits", strings.Repeat("a", MaxMessageUnits+1), 2},
		{"paragraphs split between paragraphs", strings.Repeat(para+"\n\n", 10), 2},
		{"surrogate pairs count double", emoji, 2},
		{"long Khmer without spaces", khmer, 2},
		{"bold title survives a cut", "<b>" + strings.Repeat("b", 5000) + "</b>", 2},
		{"entities are never cut", strings.Repeat("&amp;", 2000), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := splitText(tt.in, MaxMessageUnits)
			if len(parts) != tt.wantParts {
				t.Errorf("%d parts, want %d", len(parts), tt.wantParts)
			}
			for i, p := range parts {
				if n := utf16Len(p); n > MaxMessageUnits || n == 0 {
					t.Errorf("part %d has %d UTF-16 units", i, n)
				}
				if !utf8.ValidString(p) {
					t.Errorf("part %d is not valid UTF-8", i)
				}
				if strings.Count(p, "<b>") != strings.Count(p, "</b>") {
					t.Errorf("part %d has unbalanced <b>", i)
				}
				if amp := strings.LastIndexByte(p, '&'); amp >= 0 && !strings.Contains(p[amp:], ";") {
					t.Errorf("part %d ends inside an entity: %q", i, p[max(0, len(p)-8):])
				}
			}
		})
	}
}

func TestParagraphSplitKeepsParagraphsWhole(t *testing.T) {
	para := strings.Repeat("x", 1500)
	parts := splitText(para+"\n\n"+para+"\n\n"+para, MaxMessageUnits)
	if len(parts) != 2 || parts[0] != para+"\n\n"+para || parts[1] != para {
		t.Errorf("split = %d parts of lengths %v", len(parts), lens(parts))
	}
}

func lens(ss []string) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = len(s)
	}
	return out
}

func TestRenderPutsButtonsOnTheLastPart(t *testing.T) {
	r := flows.Reply{Text: strings.Repeat("y ", 3000), Edit: true,
		Buttons: [][]flows.Button{{{Text: "Back", Data: "b"}}}}
	msgs := render(r)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if msgs[0].keyboard != nil || msgs[1].keyboard == nil {
		t.Error("the keyboard must ride on the last part only")
	}
	if msgs[0].edit || msgs[1].edit {
		t.Error("a reply split in two cannot be an edit")
	}
}
