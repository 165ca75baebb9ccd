package content

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// synonyms maps, per language, how people say a thing to how the handbook
// says it ("boss" -> "employer"). A query that contains a key also searches
// for its values. Editors keep the lists in search/synonyms/<lang>.toml.
type synonyms map[string][]synonym

type synonym struct {
	from string   // folded
	to   []string // folded
}

type synonymFile struct {
	Synonyms map[string][]string `toml:"synonyms"`
}

// loadSynonyms reads search/synonyms/*.toml; a missing folder means none.
func loadSynonyms(fsys fs.FS, ps *problems) synonyms {
	out := synonyms{}
	names, _ := fs.Glob(fsys, "search/synonyms/*.toml")
	for _, name := range names {
		lang := strings.TrimSuffix(path.Base(name), ".toml")
		var f synonymFile
		if _, err := toml.DecodeFS(fsys, name, &f); err != nil {
			ps.add(name, 0, "not valid TOML: %v", err)
			continue
		}
		out[lang] = compileSynonyms(f.Synonyms)
	}
	return out
}

// compileSynonyms folds every entry and puts longer keys first, so that the
// most specific phrase wins when keys overlap.
func compileSynonyms(m map[string][]string) []synonym {
	list := make([]synonym, 0, len(m))
	for from, to := range m {
		s := synonym{from: fold(from)}
		for _, t := range to {
			s.to = append(s.to, fold(t))
		}
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].from) != len(list[j].from) {
			return len(list[i].from) > len(list[j].from)
		}
		return list[i].from < list[j].from
	})
	return list
}

// expand appends to a query the handbook's words for the everyday words it
// contains. Latin keys match whole words; keys in scripts without spaces
// match anywhere.
func (s synonyms) expand(lang, query string) string {
	list := s[lang]
	if len(list) == 0 {
		return query
	}
	q := fold(query)
	padded := " " + strings.Join(words(q), " ") + " "
	var extra []string
	for _, syn := range list {
		if matchesKey(q, padded, syn.from) {
			extra = append(extra, syn.to...)
		}
	}
	if len(extra) == 0 {
		return query
	}
	return query + " " + strings.Join(extra, " ")
}

func matchesKey(q, padded, key string) bool {
	if isLatinWord(strings.ReplaceAll(key, " ", "")) {
		return strings.Contains(padded, " "+key+" ")
	}
	return strings.Contains(q, key)
}

// checkSynonyms reports synonym files for unknown languages.
func checkSynonyms(s synonyms, langs []string, ps *problems) {
	for lang := range s {
		known := false
		for _, l := range langs {
			known = known || l == lang
		}
		if !known {
			ps.add(fmt.Sprintf("search/synonyms/%s.toml", lang), 0, "%q is not one of the languages %v", lang, langs)
		}
	}
}
