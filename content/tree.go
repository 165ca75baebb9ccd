package content

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"mekongbot/flows"
)

// maxIDLen keeps page ids short enough for button data and small sessions.
const maxIDLen = 20

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

type treeFile struct {
	Page []pageEntry `toml:"page"`
}

type pageEntry struct {
	ID       string         `toml:"id"`
	Children []string       `toml:"children"`
	See      []string       `toml:"see"`
	Reviewed time.Time      `toml:"reviewed"`
	Sources  []flows.Source `toml:"sources"`
}

// where locates a page id in the tree files, for problem reports.
type where struct {
	file string
	line int
}

// loadTree reads every tree/*.toml into pages keyed by id.
func loadTree(fsys fs.FS, ps *problems) (map[string]*flows.Page, map[string]where) {
	pages := map[string]*flows.Page{}
	at := map[string]where{}
	names, _ := fs.Glob(fsys, "tree/*.toml")
	if len(names) == 0 {
		ps.add("tree", 0, "no tree files (tree/*.toml)")
	}
	for _, name := range names {
		loadTreeFile(fsys, name, pages, at, ps)
	}
	return pages, at
}

func loadTreeFile(fsys fs.FS, name string, pages map[string]*flows.Page, at map[string]where, ps *problems) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		ps.add(name, 0, "cannot read: %v", err)
		return
	}
	var tf treeFile
	md, err := toml.Decode(string(data), &tf)
	if err != nil {
		var perr toml.ParseError
		line := 0
		if errors.As(err, &perr) {
			line = perr.Position.Line
		}
		ps.add(name, line, "not valid TOML: %v", err)
		return
	}
	for _, k := range md.Undecoded() {
		ps.add(name, 0, "unknown key %q", k.String())
	}
	lines := idLines(data)
	for _, e := range tf.Page {
		addPage(e, where{name, lines[e.ID]}, pages, at, ps)
	}
}

func addPage(e pageEntry, w where, pages map[string]*flows.Page, at map[string]where, ps *problems) {
	switch {
	case !idPattern.MatchString(e.ID) || len(e.ID) > maxIDLen:
		ps.add(w.file, w.line, "page id %q: use a-z, 0-9, '.', '-' and at most %d bytes", e.ID, maxIDLen)
		return
	case pages[e.ID] != nil:
		ps.add(w.file, w.line, "page id %q already defined at %s:%d", e.ID, at[e.ID].file, at[e.ID].line)
		return
	}
	p := &flows.Page{ID: e.ID, Children: e.Children, See: e.See, Sources: e.Sources}
	if !e.Reviewed.IsZero() {
		p.Reviewed = e.Reviewed.Format(time.DateOnly)
	}
	pages[e.ID] = p
	at[e.ID] = w
}

// idLines maps each `id = "..."` in a tree file to its line number.
func idLines(data []byte) map[string]int {
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == "id" {
			out[strings.Trim(strings.TrimSpace(v), `"`)] = n
		}
	}
	return out
}

// textPath is where a page's text in one language lives.
func textPath(lang, id string) string { return path.Join("text", lang, id+".md") }
