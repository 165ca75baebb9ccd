package content

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"mekongbot/flows"
)

// BM25 parameters: the usual values.
const (
	bm25K1 = 1.5
	bm25B  = 0.75
	// titleWeight counts a title's terms this many times: a title says what
	// the page is about better than any sentence of its body.
	titleWeight = 5
	// minCoverage is the share of a query's distinct terms a page must
	// contain to count as an answer at all.
	minCoverage = 0.3
	snippetLen  = 90
	// trigramWeight is how much a shared character trigram counts against a
	// bigram in scripts without spaces.
	trigramWeight = 0.5
)

// Index is a per-language BM25 index over every page's title and body.
// Each language's index also holds the English text with no title weight,
// so that names typed in English ("MoU", "OWIC", "visa") are found everywhere.
type Index struct {
	langs map[string]*langIndex
	cat   *Catalog
}

type langIndex struct {
	ids      []string
	lines    [][]snippetLine // per doc: body lines and their terms, for snippets
	lengths  []float64
	avgLen   float64
	postings map[string][]posting
}

type snippetLine struct {
	text  string
	terms map[string]struct{}
}

type posting struct {
	doc int32
	tf  float32
}

// NewIndex builds the search index over c.
func NewIndex(c *Catalog) *Index {
	ix := &Index{langs: map[string]*langIndex{}, cat: c}
	english := map[string]map[string]float64{}
	for _, id := range c.IDs() {
		english[id], _ = c.pageTerms(id, flows.DefaultLang)
	}
	for _, lang := range flows.Languages {
		ix.langs[lang] = c.buildLang(lang, english)
	}
	return ix
}

// buildLang indexes every page but the main menu in lang. english holds each
// page's English term frequencies, added at half weight to other languages.
func (c *Catalog) buildLang(lang string, english map[string]map[string]float64) *langIndex {
	li := &langIndex{postings: map[string][]posting{}}
	var total float64
	for _, id := range c.IDs() {
		if id == flows.RootPage {
			continue
		}
		tf, lines := c.pageTerms(id, lang)
		// The page's length is its own language's text: the English added
		// below must not make a page look long in BM25's eyes.
		var n float64
		for _, f := range tf {
			n += f
		}
		if lang != flows.DefaultLang {
			for t, f := range english[id] {
				tf[t] += f / 2
			}
		}
		doc := int32(len(li.ids))
		for term, f := range tf {
			li.postings[term] = append(li.postings[term], posting{doc: doc, tf: float32(f)})
		}
		li.ids = append(li.ids, id)
		li.lines = append(li.lines, lines)
		li.lengths = append(li.lengths, n)
		total += n
	}
	li.avgLen = total / float64(max(1, len(li.ids)))
	return li
}

// pageTerms returns a page's term frequencies in lang (title terms weighted)
// and its body lines with their terms, for snippets.
func (c *Catalog) pageTerms(id, lang string) (map[string]float64, []snippetLine) {
	tf := map[string]float64{}
	title, body := c.Text(id, lang)
	for _, t := range terms(title) {
		tf[t] += titleWeight
	}
	var lines []snippetLine
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "•"))
		if line == "" {
			continue
		}
		set := map[string]struct{}{}
		for _, t := range terms(line) {
			tf[t]++
			set[t] = struct{}{}
		}
		lines = append(lines, snippetLine{text: truncate(line, snippetLen), terms: set})
	}
	return tf, lines
}

// Search returns up to limit pages that answer query in lang, best first.
// Pages that share too little with the query are left out, so an empty
// result means "no good answer".
func (ix *Index) Search(lang, query string, limit int) []flows.SearchHit {
	li := ix.langs[lang]
	if li == nil {
		li, lang = ix.langs[flows.DefaultLang], flows.DefaultLang
	}
	qterms := distinct(terms(ix.cat.synonyms.expand(lang, query)))
	if len(qterms) == 0 {
		return nil
	}
	scores, coverage := li.score(qterms)
	var ranked []int
	for doc, s := range scores {
		if s > 0 && coverage[doc] >= minCoverage {
			ranked = append(ranked, doc)
		}
	}
	sort.Slice(ranked, func(i, j int) bool { return scores[ranked[i]] > scores[ranked[j]] })
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	hits := make([]flows.SearchHit, 0, len(ranked))
	for _, doc := range ranked {
		title, _ := ix.cat.Text(li.ids[doc], lang)
		hits = append(hits, flows.SearchHit{ID: li.ids[doc], Title: title, Snippet: li.snippet(doc, qterms)})
	}
	return hits
}

// score returns each document's BM25 score and its coverage: the share of
// the query's idf mass that it contains. Query terms found in no page at all
// (n-grams across word boundaries, typos) are left out of that share, so that
// a question in everyday words still reaches the page that shares its key
// words.
func (li *langIndex) score(qterms []string) (scores, coverage []float64) {
	scores = make([]float64, len(li.ids))
	coverage = make([]float64, len(li.ids))
	n := float64(len(li.ids))
	var mass float64
	for _, t := range qterms {
		ps := li.postings[t]
		if len(ps) == 0 {
			continue
		}
		idf := math.Log(1 + (n-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
		if strings.HasPrefix(t, trigramMark) {
			idf *= trigramWeight
		}
		mass += idf
		for _, p := range ps {
			tf := float64(p.tf)
			norm := tf + bm25K1*(1-bm25B+bm25B*li.lengths[p.doc]/li.avgLen)
			scores[p.doc] += idf * tf * (bm25K1 + 1) / norm
			coverage[p.doc] += idf
		}
	}
	for i := range coverage {
		if mass > 0 {
			coverage[i] /= mass
		}
	}
	return scores, coverage
}

// snippet is the body line of doc that shares most terms with the query.
func (li *langIndex) snippet(doc int, qterms []string) string {
	best, bestN := "", -1
	for _, l := range li.lines[doc] {
		n := 0
		for _, t := range qterms {
			if _, ok := l.terms[t]; ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = l.text, n
		}
	}
	return best
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func distinct(ts []string) []string {
	seen := make(map[string]bool, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
