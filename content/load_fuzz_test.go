package content

import (
	"bytes"
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoadFS loads content from files the fuzzer makes up: the input is an
// archive of files ("-- path --" lines start each one, as in txtar). LoadFS
// must report problems, never panic, and the catalog it returns must be
// usable. Seeds: testdata/fuzz/FuzzLoadFS (a small real handbook, broken
// variants of it, and nothing at all).
func FuzzLoadFS(f *testing.F) {
	f.Add([]byte("-- tree/root.toml --\n[[page]]\nid = \"root\"\nreviewed = 2026-11-27\n-- text/en/root.md --\n# Menu\n\nHello.\n"))
	f.Fuzz(func(t *testing.T, archive []byte) {
		c, _ := LoadFS(parseArchive(archive))
		if c == nil {
			t.Fatal("LoadFS returned no catalog")
		}
		for _, id := range c.IDs() {
			c.Page(id)
			c.Text(id, "km")
		}
	})
}

// parseArchive reads "-- path --" separated files into a MapFS, skipping
// paths io/fs would not accept.
func parseArchive(data []byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	var name string
	var body []byte
	flush := func() {
		if name != "" && fs.ValidPath(name) {
			fsys[name] = &fstest.MapFile{Data: bytes.Clone(body)}
		}
	}
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		trimmed := bytes.TrimRight(line, "\r\n")
		if bytes.HasPrefix(trimmed, []byte("-- ")) && bytes.HasSuffix(trimmed, []byte(" --")) && len(trimmed) > 6 {
			flush()
			name, body = string(trimmed[3:len(trimmed)-3]), nil
			continue
		}
		body = append(body, line...)
	}
	flush()
	return fsys
}
