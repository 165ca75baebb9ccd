package locales

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// Check reports, as "locales/<lang>.toml:line: problem", every message that
// is missing or empty in one of langs, or whose placeholders differ from the
// English message.
func Check(langs []string) []string { return CheckFS(files, langs) }

// CheckFS is Check on message files in fsys.
func CheckFS(fsys fs.FS, langs []string) []string {
	en, err := readMessages(fsys, Fallback)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, lang := range langs {
		msgs, err := readMessages(fsys, lang)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		out = append(out, compare(lang, en, msgs)...)
	}
	return out
}

// message is one id's text, all plural forms joined, and where it stands.
type message struct {
	text string
	line int
}

func compare(lang string, en, msgs map[string]message) []string {
	file := "locales/" + lang + ".toml"
	var out []string
	for _, id := range slices.Sorted(maps.Keys(en)) {
		m, ok := msgs[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s:1: message %q is missing", file, id))
		case strings.TrimSpace(m.text) == "":
			out = append(out, fmt.Sprintf("%s:%d: message %q is empty", file, m.line, id))
		case placeholders(m.text) != placeholders(en[id].text):
			out = append(out, fmt.Sprintf("%s:%d: message %q has placeholders %s, English has %s",
				file, m.line, id, placeholders(m.text), placeholders(en[id].text)))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(msgs)) {
		if _, ok := en[id]; !ok {
			out = append(out, fmt.Sprintf("%s:%d: message %q is not in en.toml", file, msgs[id].line, id))
		}
	}
	return out
}

func readMessages(fsys fs.FS, lang string) (map[string]message, error) {
	name := lang + ".toml"
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("locales/%s: missing message file", name)
	}
	mf, err := parse(data, name)
	if err != nil {
		return nil, fmt.Errorf("locales/%s: %v", name, err)
	}
	lines := keyLines(data)
	out := map[string]message{}
	for id, text := range mf {
		out[id] = message{text: text, line: lines[id]}
	}
	return out, nil
}

// placeholders lists a message's template fields, sorted and deduplicated.
func placeholders(s string) string {
	set := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		set[m[1]] = true
	}
	return fmt.Sprint(slices.Sorted(maps.Keys(set)))
}

// keyLines finds the line where each top-level key or [table] starts.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			out[strings.Trim(line, "[]")] = n
		} else if k, _, ok := strings.Cut(line, "="); ok && !strings.ContainsAny(k, `"#`) {
			if _, seen := out[strings.TrimSpace(k)]; !seen {
				out[strings.TrimSpace(k)] = n
			}
		}
	}
	return out
}

// parse reads one message file into id -> text, plural forms joined.
func parse(data []byte, name string) (map[string]string, error) {
	mf, err := i18n.ParseMessageFileBytes(data, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range mf.Messages {
		out[m.ID] = strings.Join([]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}, "\n")
	}
	return out, nil
}
