package main

import (
	"context"
	"strings"
	"testing"
	"unicode"

	"mekongbot/content"
	"mekongbot/flows"
	"mekongbot/locales"
)

var scriptOf = map[string]*unicode.RangeTable{
	"km": unicode.Khmer, "lo": unicode.Lao, "my": unicode.Myanmar, "th": unicode.Thai, "zh": unicode.Han,
}

func inScript(lang, s string) bool {
	switch lang {
	case "en":
		return true
	case "vi":
		return strings.ContainsAny(s, "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
	}
	for _, r := range s {
		if unicode.Is(scriptOf[lang], r) {
			return true
		}
	}
	return false
}

// TestEveryPageRendersInEveryLanguage opens every page in every language in
// the terminal chat, as a person would from a poster's deep link, and checks
// what they see.
func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	catalog, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	text, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	engine := flows.NewEngine(flows.Config{Store: flows.NewMemStore(), Catalog: catalog, Text: text})
	if n := len(catalog.IDs()); n < 40 {
		t.Errorf("the handbook has %d pages, want at least 40", n)
	}
	for i, lang := range flows.Languages {
		for _, id := range catalog.IDs() {
			var out strings.Builder
			term := &terminal{engine: engine, out: &out, opts: chatOptions{lang: lang, user: int64(i + 1)}}
			if err := term.send(context.Background(), flows.Event{Kind: flows.KindCommand, Command: "start", Text: id}); err != nil {
				t.Fatal(err)
			}
			checkPage(t, lang, id, out.String(), text)
		}
	}
}

func checkPage(t *testing.T, lang, id, screen string, text *locales.Bundle) {
	t.Helper()
	title, body, _ := strings.Cut(screen, "\n")
	switch {
	case !strings.HasPrefix(title, "== ") || len(strings.TrimSpace(body)) == 0:
		t.Errorf("%s/%s: empty page:\n%s", lang, id, screen)
	case utf16Units(screen) > 4096:
		t.Errorf("%s/%s: %d UTF-16 units, over Telegram's limit", lang, id, utf16Units(screen))
	case !inScript(lang, screen):
		t.Errorf("%s/%s: not in the %s script:\n%s", lang, id, lang, screen)
	}
	if id == flows.RootPage {
		return
	}
	for _, msg := range []string{"BtnBack", "BtnMenu"} {
		if label := text.Text(lang, msg, nil); !strings.Contains(screen, "] "+label) {
			t.Errorf("%s/%s: no %q button", lang, id, label)
		}
	}
}

func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
