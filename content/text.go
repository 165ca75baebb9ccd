package content

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"mekongbot/flows"
)

// Limits for one page, in characters. Telegram allows 4096 per message; the
// handbook keeps pages short so that they are read.
const (
	maxTitle = 60
	maxBody  = 1000
)

// Text is a page's title and body in one language.
type Text struct {
	Title string
	Body  string
}

var rawKey = regexp.MustCompile(`\{\{|\}\}|<[a-zA-Z/][^>]*>|\b(TODO|FIXME|XXX)\b`)

// loadTexts reads text/<lang>/<id>.md for every page and language.
func loadTexts(fsys fs.FS, pages map[string]*flows.Page, ps *problems) map[string]map[string]Text {
	texts := map[string]map[string]Text{}
	for _, id := range sortedIDs(pages) {
		texts[id] = map[string]Text{}
		for _, lang := range flows.Languages {
			if t, ok := loadText(fsys, lang, id, ps); ok {
				texts[id][lang] = t
			}
		}
	}
	reportOrphans(fsys, pages, ps)
	return texts
}

func loadText(fsys fs.FS, lang, id string, ps *problems) (Text, bool) {
	file := textPath(lang, id)
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		ps.add(file, 0, "missing: page %q has no %s text", id, lang)
		return Text{}, false
	}
	if !utf8.Valid(data) {
		ps.add(file, 0, "not valid UTF-8")
		return Text{}, false
	}
	t, ok := parseText(string(data), file, ps)
	if ok {
		checkText(t, lang, file, ps)
	}
	return t, ok
}

// parseText splits "# Title\n\nBody" into its parts.
func parseText(s, file string, ps *problems) (Text, bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	first, rest, _ := strings.Cut(s, "\n")
	if !strings.HasPrefix(first, "# ") || strings.TrimSpace(first[2:]) == "" {
		ps.add(file, 1, `the first line must be "# " and the title`)
		return Text{}, false
	}
	if rest != "" && !strings.HasPrefix(rest, "\n") {
		ps.add(file, 2, "the second line must be empty")
		return Text{}, false
	}
	t := Text{Title: strings.TrimSpace(first[2:]), Body: strings.TrimSpace(rest)}
	if t.Body == "" {
		ps.add(file, 3, "the body is empty")
		return Text{}, false
	}
	return t, true
}

func checkText(t Text, lang, file string, ps *problems) {
	if n := utf8.RuneCountInString(t.Title); n > maxTitle {
		ps.add(file, 1, "title is %d characters, at most %d (it is a button label)", n, maxTitle)
	}
	if n := utf8.RuneCountInString(t.Body); n > maxBody {
		ps.add(file, 3, "body is %d characters, at most %d: split the page", n, maxBody)
	}
	for i, line := range strings.Split(t.Title+"\n\n"+t.Body, "\n") {
		if m := rawKey.FindString(line); m != "" {
			ps.add(file, i+1, "raw markup or placeholder %q: the text is plain, with no HTML, templates or TODOs", m)
		}
	}
	if !inScript(lang, t.Title+t.Body) {
		ps.add(file, 1, "the text is not in the %s script: is it untranslated?", lang)
	}
}

// scripts are the Unicode scripts each language is written in.
var scripts = map[string]*unicode.RangeTable{
	"km": unicode.Khmer, "lo": unicode.Lao, "my": unicode.Myanmar,
	"th": unicode.Thai, "zh": unicode.Han,
}

// inScript reports whether a text is written mostly in its language's script:
// at least a third of its letters belong to it. Vietnamese must show its
// diacritics; English must be mostly Latin.
func inScript(lang, s string) bool {
	var letters, match int
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
			continue
		}
		letters++
		if letterInLang(lang, r) {
			match++
		}
	}
	if lang == "vi" {
		return match > 0
	}
	return letters == 0 || match*3 >= letters
}

func letterInLang(lang string, r rune) bool {
	switch lang {
	case "en":
		return r < 0x250
	case "vi":
		return strings.ContainsRune("ăâđêôơưĂÂĐÊÔƠƯ", r) || r >= 0x1EA0 && r <= 0x1EF9
	}
	t := scripts[lang]
	return t != nil && unicode.Is(t, r)
}

// reportOrphans names text files whose page is not in the tree.
func reportOrphans(fsys fs.FS, pages map[string]*flows.Page, ps *problems) {
	names, _ := fs.Glob(fsys, "text/*/*.md")
	for _, name := range names {
		lang := path.Base(path.Dir(name))
		id := strings.TrimSuffix(path.Base(name), ".md")
		switch {
		case flows.SupportedLang(lang) != lang:
			ps.add(name, 0, "%q is not one of the languages %v", lang, flows.Languages)
		case pages[id] == nil:
			ps.add(name, 0, "no page %q in tree/: add it there or delete this file", id)
		}
	}
}
