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
type synonyms map[string]*lexicon

// lexicon is one language's search vocabulary.
type lexicon struct {
	synonyms []synonym
	// stopwords are question and function words ("how", 怎么办, ບໍ) that say
	// nothing about the topic; they are dropped from a query.
	stopwords []string
}

type synonym struct {
	from string   // folded
	to   []string // folded
}

type synonymFile struct {
	Stopwords []string            `toml:"stopwords"`
	Synonyms  map[string][]string `toml:"synonyms"`
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
		out[lang] = &lexicon{synonyms: compileSynonyms(f.Synonyms), stopwords: compileStopwords(f.Stopwords)}
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

// compileStopwords folds the list and puts longer words first, so that
// 怎么办 goes before 怎么.
func compileStopwords(list []string) []string {
	out := make([]string, 0, len(list))
	for _, w := range list {
		if f := fold(w); f != "" {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// expand prepares a query: it drops stopwords and appends the handbook's
// words for the everyday words it contains. Latin keys match whole words;
// keys in scripts without spaces match anywhere.
func (s synonyms) expand(lang, query string) string {
	lex := s[lang]
	if lex == nil {
		return query
	}
	q := fold(query)
	padded := " " + strings.Join(words(q), " ") + " "
	var extra []string
	for _, syn := range lex.synonyms {
		if matchesKey(q, padded, syn.from) {
			extra = append(extra, syn.to...)
		}
	}
	q = lex.dropStopwords(q, padded)
	return strings.TrimSpace(q + " " + strings.Join(extra, " "))
}

// dropStopwords removes whole Latin stopwords, and stopwords of unspaced
// scripts wherever they occur. A query of nothing but stopwords is kept.
func (lex *lexicon) dropStopwords(q, padded string) string {
	out := padded
	for _, w := range lex.stopwords {
		if isLatinWord(strings.ReplaceAll(w, " ", "")) {
			out = strings.ReplaceAll(out, " "+w+" ", " ")
		} else {
			out = strings.ReplaceAll(out, w, " ")
		}
	}
	if strings.TrimSpace(out) == "" {
		return q
	}
	return out
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
