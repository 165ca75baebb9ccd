package content

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"mekongbot/flows"
)

// overlay is the embedded content with some files replaced (or, with "",
// removed).
func overlay(t *testing.T, changes map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(files, name)
		m[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range changes {
		if data == "" {
			delete(m, name)
			continue
		}
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// edit returns an embedded file with one replacement made, failing the test
// when old is not in it.
func edit(t *testing.T, name, old, new string) string {
	t.Helper()
	data, err := fs.ReadFile(files, name)
	if err != nil || !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q (%v)", name, old, err)
	}
	return strings.Replace(string(data), old, new, 1)
}

func TestToolsLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cl := c.Checklist("en")
	if cl == nil || len(cl.Items) < 10 || cl.Title == "" {
		t.Fatalf("checklist = %+v, want at least 10 items", cl)
	}
	bits := map[int]bool{}
	for _, it := range cl.Items {
		if _, ok := c.Page(it.Page); !ok || it.Label == "" || bits[it.Bit] {
			t.Errorf("item %+v: a page, a label and a bit of its own", it)
		}
		bits[it.Bit] = true
	}
	jc := c.JobCheck("en")
	if jc == nil || len(jc.Questions) < 5 || len(jc.Flags) < 10 {
		t.Fatalf("job check = %+v, want at least 5 questions and 10 red flags", jc)
	}
	for _, f := range append(jc.Flags, flows.RedFlag{ID: "clear", Finding: jc.Clear}) {
		if f.Text == "" || f.Reviewed == "" || len(f.Sources) == 0 {
			t.Errorf("red flag %q lacks its text, review date or sources", f.ID)
		}
	}
	for _, id := range []string{"docs", "fee", "scam", "debt", "broker"} {
		if !hasFlag(jc, id) {
			t.Errorf("no red flag %q", id)
		}
	}
}

func hasFlag(jc *flows.JobCheck, id string) bool {
	for _, f := range jc.Flags {
		if f.ID == id {
			return true
		}
	}
	return false
}

// TestToolsValidation: content check catches each kind of mistake an editor
// can make in the tools' files, and says where.
func TestToolsValidation(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]string
		want    string // in one problem
		file    string // of that problem
	}{
		{"a checklist item links a page that does not exist",
			map[string]string{checklistFile: edit(t, checklistFile, `page = "pre.docs"`, `page = "pre.papers"`)},
			`page "pre.papers": no such page`, checklistFile},
		{"two items share a bit",
			map[string]string{checklistFile: edit(t, checklistFile, "bit = 1\n", "bit = 0\n")},
			`bit 0 is already item "route"'s`, checklistFile},
		{"a bit out of range",
			map[string]string{checklistFile: edit(t, checklistFile, "bit = 1\n", "bit = 32\n")},
			"bit 32 is not 0 to 31", checklistFile},
		{"an item without a label",
			map[string]string{"tools/text/en/checklist.toml": edit(t, "tools/text/en/checklist.toml", "visa = \"Visa\"\n", "")},
			"items.visa is missing or empty", "tools/text/en/checklist.toml"},
		{"a label for no item",
			map[string]string{"tools/text/en/checklist.toml": edit(t, "tools/text/en/checklist.toml", "[items]\n", "[items]\nvisas = \"Visas\"\n")},
			"items.visas: no such item", "tools/text/en/checklist.toml"},
		{"a red flag's help page does not exist",
			map[string]string{jobCheckFile: edit(t, jobCheckFile, `help = "help.urgent"`, `help = "help.now"`)},
			`flag docs: page "help.now": no such page`, jobCheckFile},
		{"a red flag without sources",
			map[string]string{jobCheckFile: edit(t, jobCheckFile,
				"sources = [\n  { url = \"https://rbbinformationhub.com/human-trafficking\", note = \"RBB information hub, undated\" },\n]\n\n[[flag]]\nid = \"border\"",
				"sources = []\n\n[[flag]]\nid = \"border\"")},
			"has no sources", jobCheckFile},
		{"a red flag without a review date",
			map[string]string{jobCheckFile: edit(t, jobCheckFile, "id = \"debt\"\npage = \"rights.trafficking\"\nhelp = \"help.urgent\"\nreviewed = 2026-11-27\n",
				"id = \"debt\"\npage = \"rights.trafficking\"\nhelp = \"help.urgent\"\n")},
			"no reviewed date", jobCheckFile},
		{"an answer raises a flag that does not exist",
			map[string]string{jobCheckFile: edit(t, jobCheckFile, `flags = ["scam"]`, `flags = ["scams"]`)},
			`no flag "scams"`, jobCheckFile},
		{"a flag no answer raises",
			map[string]string{jobCheckFile: edit(t, jobCheckFile, `{ id = "unreadable", flags = ["contractlang"] }`, `{ id = "unreadable" }`)},
			`flag "contractlang" is raised by no answer`, jobCheckFile},
		{"a red flag's explanation too long",
			map[string]string{"tools/text/en/jobcheck.toml": edit(t, "tools/text/en/jobcheck.toml",
				`text = "Carrying documents`, `text = "`+strings.Repeat("Long. ", 80)+`Carrying documents`)},
			"flag.falsedocs.text is", "tools/text/en/jobcheck.toml"},
		{"a question without its words",
			map[string]string{"tools/text/en/jobcheck.toml": edit(t, "tools/text/en/jobcheck.toml", `text = "Were you told one of these?"`, "")},
			"question.told.text is missing", "tools/text/en/jobcheck.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := LoadFS(overlay(t, tt.changes))
			for _, p := range ps {
				if strings.Contains(p.Msg, tt.want) && p.File == tt.file {
					if p.Translation() {
						t.Errorf("%v counts as a translation problem: it must fail the load", p)
					}
					return
				}
			}
			t.Errorf("no problem %q in %s among %d:\n%v", tt.want, tt.file, len(ps), ps)
		})
	}
}

// TestToolsFallBackToEnglish: a language without the tools' words gets
// English (counted as missing), and content check says so without failing
// the load.
func TestToolsFallBackToEnglish(t *testing.T) {
	c, ps := LoadFS(overlay(t, map[string]string{
		"tools/text/km/checklist.toml": "",
		"tools/text/km/jobcheck.toml":  "title = \"🚩 ការងារនេះមានសុវត្ថិភាពទេ?\"\n",
	}))
	var km []Problem
	for _, p := range ps {
		if strings.HasPrefix(p.File, "tools/text/km/") {
			km = append(km, p)
			if !p.Translation() {
				t.Errorf("%v: a missing translation must not fail the load", p)
			}
		}
	}
	if len(km) < 2 {
		t.Errorf("problems in km = %v, want the missing checklist and the missing job-check words", km)
	}
	before := c.Missing()
	en, km1 := c.Checklist("en"), c.Checklist("km")
	if km1.Items[0].Label != en.Items[0].Label {
		t.Errorf("km label %q, want the English %q", km1.Items[0].Label, en.Items[0].Label)
	}
	if jc := c.JobCheck("km"); jc.Title != "🚩 ការងារនេះមានសុវត្ថិភាពទេ?" || jc.Questions[0].Text != c.JobCheck("en").Questions[0].Text {
		t.Errorf("km job check: title %q, first question %q: want the Khmer title and English for the rest", jc.Title, jc.Questions[0].Text)
	}
	if c.Missing() == before {
		t.Error("serving English for km was not counted")
	}
}
