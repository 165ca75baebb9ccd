package main

import (
	"context"
	"fmt"
	"strconv"
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

// mustEngine builds the real engine on the embedded content, with sessions in memory.
func mustEngine(t *testing.T) (*content.Catalog, *locales.Bundle, *flows.Engine) {
	t.Helper()
	catalog, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	text, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	return catalog, text, flows.NewEngine(flows.Config{Store: flows.NewMemStore(), Catalog: catalog, Text: text, MoU: catalog, Tools: catalog})
}

// TestEveryPageRendersInEveryLanguage opens every page in every language in
// the terminal chat, as a person would from a poster's deep link, and checks
// what they see.
func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	catalog, text, engine := mustEngine(t)
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

// TestEveryMoUStepRendersInEveryLanguage opens every step of every corridor,
// the whole procedures and every comparison, in every language.
func TestEveryMoUStepRendersInEveryLanguage(t *testing.T) {
	catalog, text, engine := mustEngine(t)
	if len(catalog.Corridors()) < 4 {
		t.Errorf("%d corridors, want Cambodia, Lao PDR, Myanmar and Vietnam", len(catalog.Corridors()))
	}
	for i, lang := range flows.Languages {
		term := &terminal{engine: engine, opts: chatOptions{lang: lang, user: int64(100 + i)}}
		mustSend := func(ev flows.Event) string {
			var out strings.Builder
			term.out = &out
			if err := term.send(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		mustSend(flows.Event{Kind: flows.KindButton, Data: "l:" + lang})
		mustSend(flows.Event{Kind: flows.KindButton, Data: "r:o"})
		var presses []string
		for _, c := range catalog.Corridors() {
			p, _ := catalog.Procedure(c)
			presses = append(presses, "M:"+c, "W:"+c)
			for n := range p.Steps {
				presses = append(presses, fmt.Sprintf("S:%s.%d", c, n+1))
			}
		}
		for _, a := range flows.Aspects {
			presses = append(presses, "C:"+a)
		}
		for _, data := range presses {
			screen := mustSend(flows.Event{Kind: flows.KindButton, Data: data})
			switch {
			case strings.Contains(screen, "(") && strings.Contains(screen, text.Text(lang, "StaleButton", nil)):
				t.Errorf("%s %s: answered as a stale button", lang, data)
			case !mostlyInScript(lang, beforeSources(screen, text.Text(lang, "LabelSources", nil))):
				t.Errorf("%s %s: not in the %s script:\n%s", lang, data, lang, screen)
			case !strings.HasPrefix(data, "W:") && utf16Units(screen) > 4096:
				t.Errorf("%s %s: %d UTF-16 units", lang, data, utf16Units(screen))
			}
		}
	}
}

// TestEveryToolScreenRendersInEveryLanguage ticks and unticks every
// checklist item and opens its page, and gives every answer of the job-offer
// check (so that every red flag is shown), in every language: no press may
// be answered as stale, and no question or list is over Telegram's limit (a
// long result is split by the renderer).
func TestEveryToolScreenRendersInEveryLanguage(t *testing.T) {
	catalog, text, engine := mustEngine(t)
	for i, lang := range flows.Languages {
		term := &terminal{engine: engine, opts: chatOptions{lang: lang, user: int64(200 + i)}}
		mustSend := func(ev flows.Event) string {
			var out strings.Builder
			term.out = &out
			if err := term.send(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		mustSend(flows.Event{Kind: flows.KindButton, Data: "l:" + lang})
		mustSend(flows.Event{Kind: flows.KindButton, Data: "r:w"})
		presses := []string{"k:v", "k:i", "k:r", "k:r-y", "j:a"}
		for _, it := range catalog.Checklist(lang).Items {
			presses = append(presses, fmt.Sprintf("k:t-%d", it.Bit), "k:o-"+it.Page)
		}
		jc := catalog.JobCheck(lang)
		for q := range jc.Questions {
			for a := range jc.Questions[q].Answers {
				answers := strings.Repeat("0", q) + strconv.Itoa(a)
				answers += strings.Repeat("0", len(jc.Questions)-len(answers))
				presses = append(presses, "j:a"+answers[:q+1], "j:a"+answers, "j:u"+answers)
			}
		}
		stale := text.Text(lang, "StaleButton", nil)
		flagged := 0
		for _, data := range presses {
			screen := mustSend(flows.Event{Kind: flows.KindButton, Data: data})
			switch {
			case strings.Contains(screen, stale):
				t.Errorf("%s %s: answered as a stale button:\n%s", lang, data, screen)
			case !strings.HasPrefix(data, "j:a") && utf16Units(screen) > 4096:
				t.Errorf("%s %s: %d UTF-16 units", lang, data, utf16Units(screen))
			}
			if strings.Contains(screen, "🚩 ") {
				flagged++
			}
		}
		if flagged < len(jc.Flags) {
			t.Errorf("%s: only %d screens show a red flag, want each of the %d flags shown", lang, flagged, len(jc.Flags))
		}
	}
}

// beforeSources cuts a step screen before its list of sources, which names
// publishers in English.
func beforeSources(screen, label string) string {
	before, _, _ := strings.Cut(screen, label+":")
	return before
}

// mostlyInScript: at least a third of the letters are in the language's script.
func mostlyInScript(lang, s string) bool {
	if lang == "en" || lang == "vi" {
		return inScript(lang, s)
	}
	var letters, match int
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			letters++
			if unicode.Is(scriptOf[lang], r) {
				match++
			}
		}
	}
	return match*3 >= letters
}
