package content

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync/atomic"

	"mekongbot/flows"
)

//go:embed tree text search mou tools
var files embed.FS

// Catalog is the loaded handbook. It implements flows.Catalog.
type Catalog struct {
	pages    map[string]*flows.Page
	texts    map[string]map[string]Text
	synonyms synonyms
	mou      *mouData
	tools    *toolsData
	missing  atomic.Uint64
}

// Load reads and validates the embedded content. A problem in the tree or in
// an English text fails the load; a missing or broken translation does not:
// that page falls back to English (counted, and reported by content check).
func Load() (*Catalog, error) {
	c, ps := LoadFS(files)
	var fatal []Problem
	for _, p := range ps {
		if !p.Translation() {
			fatal = append(fatal, p)
		}
	}
	if len(fatal) > 0 {
		return nil, problemsError(fatal)
	}
	return c, nil
}

// LoadFS reads content from fsys and returns every problem found. The
// catalog is usable even with problems (missing texts fall back to English).
func LoadFS(fsys fs.FS) (*Catalog, []Problem) {
	var ps problems
	pages, at := loadTree(fsys, &ps)
	checkTree(pages, at, &ps)
	texts := loadTexts(fsys, pages, &ps)
	syn := loadSynonyms(fsys, &ps)
	checkSynonyms(syn, flows.Languages, &ps)
	mou := loadMoU(fsys, pages, &ps)
	checkMoUParity(mou, &ps)
	tools := loadTools(fsys, pages, &ps)
	return &Catalog{pages: pages, texts: texts, synonyms: syn, mou: mou, tools: tools}, ps
}

// Files returns the embedded content, for tools.
func Files() fs.FS { return files }

func problemsError(ps []Problem) error {
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		lines = append(lines, p.String())
	}
	return fmt.Errorf("content has %d problems:\n%w", len(ps), errors.New(strings.Join(lines, "\n")))
}

// Page returns the page with id.
func (c *Catalog) Page(id string) (*flows.Page, bool) {
	p, ok := c.pages[id]
	return p, ok
}

// IDs returns every page id, sorted.
func (c *Catalog) IDs() []string { return sortedIDs(c.pages) }

// Text returns a page's title and body in lang, or in English when that
// language lacks it (counted in Missing).
func (c *Catalog) Text(id, lang string) (title, body string) {
	t, ok := c.texts[id][lang]
	if !ok {
		c.missing.Add(1)
		t = c.texts[id][flows.DefaultLang]
	}
	return t.Title, t.Body
}

// Missing counts fallbacks to English since Load.
func (c *Catalog) Missing() uint64 { return c.missing.Load() }
