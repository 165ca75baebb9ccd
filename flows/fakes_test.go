package flows_test

import (
	"fmt"
	"sort"
	"strings"

	"mekongbot/flows"
)

// fakeCatalog is a tiny handbook: root -> pre -> pre.fees, root -> help, mou.
type fakeCatalog map[string]*flows.Page

func newFakeCatalog() fakeCatalog {
	src := []flows.Source{{URL: "https://example.org/a", Note: "Example, 2024"}}
	return fakeCatalog{
		"root":     {ID: "root", Children: []string{"pre", "mou", "help"}, Reviewed: "2026-11-27"},
		"pre":      {ID: "pre", Parent: "root", Children: []string{"pre.fees"}, Reviewed: "2026-11-27"},
		"pre.fees": {ID: "pre.fees", Parent: "pre", See: []string{"help"}, Sources: src, Reviewed: "2026-11-27"},
		"mou":      {ID: "mou", Parent: "root", Sources: src, Reviewed: "2026-11-27"},
		"help":     {ID: "help", Parent: "root", Sources: src, Reviewed: "2026-11-27"},
	}
}

func (c fakeCatalog) Page(id string) (*flows.Page, bool) {
	p, ok := c[id]
	return p, ok
}

func (c fakeCatalog) Text(id, lang string) (string, string) {
	return lang + ":T:" + id, lang + ":B:" + id
}

// fakeText renders a message as "lang:id" plus its data, so tests see which
// message in which language was chosen.
type fakeText struct{}

func (fakeText) Text(lang, id string, data map[string]any) string {
	if len(data) == 0 {
		return lang + ":" + id
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, data[k]))
	}
	return lang + ":" + id + "{" + strings.Join(parts, ",") + "}"
}
