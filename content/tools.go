package content

import (
	"errors"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"mekongbot/flows"
)

// Limits of the tools' data. Answers travel in button data as one digit
// each, so a question has at most 8 (and at least 2); flag texts are read
// several to a message.
const (
	maxAnswers   = 8
	maxQuestions = 20
	maxFlagText  = 450
)

var toolIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)

const (
	checklistFile = "tools/checklist.toml"
	jobCheckFile  = "tools/jobcheck.toml"
)

type checklistData struct {
	Item []struct {
		ID   string `toml:"id"`
		Bit  int    `toml:"bit"`
		Page string `toml:"page"`
	} `toml:"item"`
}

type checklistWords struct {
	Title string            `toml:"title"`
	Intro string            `toml:"intro"`
	Items map[string]string `toml:"items"`
}

type findingData struct {
	Page     string         `toml:"page"`
	Help     string         `toml:"help"`
	Reviewed time.Time      `toml:"reviewed"`
	Sources  []flows.Source `toml:"sources"`
}

type jobCheckData struct {
	Clear    findingData `toml:"clear"`
	Question []struct {
		ID      string `toml:"id"`
		Answers []struct {
			ID    string   `toml:"id"`
			Flags []string `toml:"flags"`
		} `toml:"answers"`
	} `toml:"question"`
	Flag []struct {
		ID string `toml:"id"`
		findingData
	} `toml:"flag"`
}

type jobCheckWords struct {
	Title    string `toml:"title"`
	Intro    string `toml:"intro"`
	Clear    string `toml:"clear"`
	Question map[string]struct {
		Text    string            `toml:"text"`
		Answers map[string]string `toml:"answers"`
	} `toml:"question"`
	Flag map[string]struct {
		Title string `toml:"title"`
		Text  string `toml:"text"`
	} `toml:"flag"`
}

// toolsData is both tools in every language, English filled in where a
// language lacks a text; complete says which languages lacked nothing.
type toolsData struct {
	checklist map[string]*flows.Checklist
	jobCheck  map[string]*flows.JobCheck
	complete  map[string]bool
}

// loadTools reads tools/*.toml and tools/text/<lang>/*.toml.
func loadTools(fsys fs.FS, pages map[string]*flows.Page, ps *problems) *toolsData {
	d := &toolsData{checklist: map[string]*flows.Checklist{}, jobCheck: map[string]*flows.JobCheck{}, complete: map[string]bool{}}
	var cl checklistData
	var jc jobCheckData
	clOK := decodeTool(fsys, checklistFile, &cl, ps) && checkChecklist(cl, pages, ps)
	jcOK := decodeTool(fsys, jobCheckFile, &jc, ps) && checkJobCheck(jc, pages, ps)
	var enCL checklistWords
	var enJC jobCheckWords
	for _, lang := range append([]string{flows.DefaultLang}, others()...) {
		complete := true
		if clOK {
			w, ok := loadChecklistWords(fsys, cl, lang, ps)
			if lang == flows.DefaultLang {
				enCL = w
			}
			complete = ok && complete
			d.checklist[lang] = buildChecklist(cl, w, enCL)
		}
		if jcOK {
			w, ok := loadJobCheckWords(fsys, jc, lang, ps)
			if lang == flows.DefaultLang {
				enJC = w
			}
			complete = ok && complete
			d.jobCheck[lang] = buildJobCheck(jc, w, enJC)
		}
		d.complete[lang] = complete
	}
	return d
}

// others lists the languages but English.
func others() []string {
	var out []string
	for _, l := range flows.Languages {
		if l != flows.DefaultLang {
			out = append(out, l)
		}
	}
	return out
}

func decodeTool(fsys fs.FS, name string, v any, ps *problems) bool {
	md, err := toml.DecodeFS(fsys, name, v)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ps.add(name, 0, "missing: write this file (see content/README.md, Tools)")
		return false
	case err != nil:
		ps.add(name, 0, "not valid TOML: %v", err)
		return false
	}
	for _, k := range md.Undecoded() {
		ps.add(name, 0, "unknown key %q", k.String())
	}
	return true
}

func checkChecklist(cl checklistData, pages map[string]*flows.Page, ps *problems) bool {
	n := len(*ps)
	if len(cl.Item) == 0 || len(cl.Item) > flows.MaxChecklistItems {
		ps.add(checklistFile, 0, "%d items: have 1 to %d", len(cl.Item), flows.MaxChecklistItems)
	}
	ids, bits := map[string]bool{}, map[int]string{}
	for _, it := range cl.Item {
		switch {
		case !toolIDPattern.MatchString(it.ID):
			ps.add(checklistFile, 0, "item id %q: use a-z, 0-9 and '-', at most 16 bytes", it.ID)
		case ids[it.ID]:
			ps.add(checklistFile, 0, "item id %q is used twice", it.ID)
		case it.Bit < 0 || it.Bit >= flows.MaxChecklistItems:
			ps.add(checklistFile, 0, "item %q: bit %d is not 0 to %d", it.ID, it.Bit, flows.MaxChecklistItems-1)
		case bits[it.Bit] != "":
			ps.add(checklistFile, 0, "item %q: bit %d is already item %q's", it.ID, it.Bit, bits[it.Bit])
		case pages[it.Page] == nil:
			ps.add(checklistFile, 0, "item %q: page %q: no such page in tree/", it.ID, it.Page)
		}
		ids[it.ID], bits[it.Bit] = true, it.ID
	}
	return len(*ps) == n
}

func checkJobCheck(jc jobCheckData, pages map[string]*flows.Page, ps *problems) bool {
	n := len(*ps)
	checkFinding(jc.Clear, "clear", pages, ps)
	flags := map[string]bool{}
	for _, f := range jc.Flag {
		if !toolIDPattern.MatchString(f.ID) || flags[f.ID] {
			ps.add(jobCheckFile, 0, "flag id %q: use a-z, 0-9 and '-', at most 16 bytes, once", f.ID)
		}
		flags[f.ID] = true
		checkFinding(f.findingData, "flag "+f.ID, pages, ps)
	}
	if len(jc.Question) == 0 || len(jc.Question) > maxQuestions {
		ps.add(jobCheckFile, 0, "%d questions: have 1 to %d", len(jc.Question), maxQuestions)
	}
	raised := map[string]bool{}
	qids := map[string]bool{}
	for _, q := range jc.Question {
		if !toolIDPattern.MatchString(q.ID) || qids[q.ID] {
			ps.add(jobCheckFile, 0, "question id %q: use a-z, 0-9 and '-', at most 16 bytes, once", q.ID)
		}
		qids[q.ID] = true
		if len(q.Answers) < 2 || len(q.Answers) > maxAnswers {
			ps.add(jobCheckFile, 0, "question %q has %d answers: have 2 to %d", q.ID, len(q.Answers), maxAnswers)
		}
		aids := map[string]bool{}
		for _, a := range q.Answers {
			if !toolIDPattern.MatchString(a.ID) || aids[a.ID] {
				ps.add(jobCheckFile, 0, "question %q: answer id %q: use a-z, 0-9 and '-', at most 16 bytes, once", q.ID, a.ID)
			}
			aids[a.ID] = true
			for _, f := range a.Flags {
				if !flags[f] {
					ps.add(jobCheckFile, 0, "question %q, answer %q: no flag %q", q.ID, a.ID, f)
				}
				raised[f] = true
			}
		}
	}
	for _, f := range jc.Flag {
		if !raised[f.ID] {
			ps.add(jobCheckFile, 0, "flag %q is raised by no answer", f.ID)
		}
	}
	return len(*ps) == n
}

// checkFinding: a finding links existing pages and names its sources and
// the day they were checked.
func checkFinding(f findingData, what string, pages map[string]*flows.Page, ps *problems) {
	for _, id := range []string{f.Page, f.Help} {
		if pages[id] == nil {
			ps.add(jobCheckFile, 0, "%s: page %q: no such page in tree/", what, id)
		}
	}
	reviewed := ""
	if !f.Reviewed.IsZero() {
		reviewed = f.Reviewed.Format(time.DateOnly)
	}
	checkFacts(&flows.Page{ID: "jobcheck " + what, Sources: f.Sources, Reviewed: reviewed}, where{file: jobCheckFile}, ps)
}

func wordsFile(lang, tool string) string { return path.Join("tools", "text", lang, tool+".toml") }

// loadChecklistWords reads a language's checklist words; ok is false when
// anything is missing or wrong (English then stands in).
func loadChecklistWords(fsys fs.FS, cl checklistData, lang string, ps *problems) (checklistWords, bool) {
	name := wordsFile(lang, "checklist")
	var w checklistWords
	if !decodeTool(fsys, name, &w, ps) {
		return w, false
	}
	n := len(*ps)
	checkWord(name, "title", lang, w.Title, maxTitle, ps)
	checkWord(name, "intro", lang, w.Intro, maxBody, ps)
	known := map[string]bool{}
	for _, it := range cl.Item {
		known[it.ID] = true
		checkWord(name, "items."+it.ID, lang, w.Items[it.ID], maxTitle, ps)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Items)) {
		if !known[k] {
			ps.add(name, 0, "items.%s: no such item in %s", k, checklistFile)
		}
	}
	return w, len(*ps) == n
}

func loadJobCheckWords(fsys fs.FS, jc jobCheckData, lang string, ps *problems) (jobCheckWords, bool) {
	name := wordsFile(lang, "jobcheck")
	var w jobCheckWords
	if !decodeTool(fsys, name, &w, ps) {
		return w, false
	}
	n := len(*ps)
	checkWord(name, "title", lang, w.Title, maxTitle, ps)
	checkWord(name, "intro", lang, w.Intro, maxBody, ps)
	checkWord(name, "clear", lang, w.Clear, maxBody, ps)
	qids := map[string]bool{}
	for _, q := range jc.Question {
		qids[q.ID] = true
		qw := w.Question[q.ID]
		checkWord(name, "question."+q.ID+".text", lang, qw.Text, maxFlagText, ps)
		aids := map[string]bool{}
		for _, a := range q.Answers {
			aids[a.ID] = true
			checkWord(name, "question."+q.ID+".answers."+a.ID, lang, qw.Answers[a.ID], maxTitle, ps)
		}
		for _, k := range slices.Sorted(maps.Keys(qw.Answers)) {
			if !aids[k] {
				ps.add(name, 0, "question.%s.answers.%s: no such answer in %s", q.ID, k, jobCheckFile)
			}
		}
	}
	fids := map[string]bool{}
	for _, f := range jc.Flag {
		fids[f.ID] = true
		checkWord(name, "flag."+f.ID+".title", lang, w.Flag[f.ID].Title, maxTitle, ps)
		checkWord(name, "flag."+f.ID+".text", lang, w.Flag[f.ID].Text, maxFlagText, ps)
	}
	for _, k := range slices.Sorted(maps.Keys(w.Question)) {
		if !qids[k] {
			ps.add(name, 0, "question.%s: no such question in %s", k, jobCheckFile)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(w.Flag)) {
		if !fids[k] {
			ps.add(name, 0, "flag.%s: no such flag in %s", k, jobCheckFile)
		}
	}
	return w, len(*ps) == n
}

// checkWord checks one text of a tool: present, short enough, plain, and
// in its language's script.
func checkWord(file, key, lang, text string, limit int, ps *problems) {
	switch {
	case strings.TrimSpace(text) == "":
		ps.add(file, 0, "%s is missing or empty", key)
	case utf8.RuneCountInString(text) > limit:
		ps.add(file, 0, "%s is %d characters, at most %d", key, utf8.RuneCountInString(text), limit)
	case rawKey.MatchString(text):
		ps.add(file, 0, "%s has raw markup or placeholders", key)
	case !inScript(lang, text) && utf8.RuneCountInString(text) > 40:
		ps.add(file, 0, "%s is not in the %s script: is it untranslated?", key, lang)
	}
}

// or returns s, or the English fallback when s is empty.
func or(s, en string) string {
	if strings.TrimSpace(s) == "" {
		return en
	}
	return s
}

func buildChecklist(cl checklistData, w, en checklistWords) *flows.Checklist {
	c := &flows.Checklist{Title: or(w.Title, en.Title), Intro: or(w.Intro, en.Intro)}
	for _, it := range cl.Item {
		c.Items = append(c.Items, flows.ChecklistItem{Bit: it.Bit, Page: it.Page, Label: or(w.Items[it.ID], en.Items[it.ID])})
	}
	return c
}

func buildJobCheck(jc jobCheckData, w, en jobCheckWords) *flows.JobCheck {
	j := &flows.JobCheck{Title: or(w.Title, en.Title), Intro: or(w.Intro, en.Intro),
		Clear: finding(jc.Clear, "", or(w.Clear, en.Clear))}
	for _, q := range jc.Question {
		jq := flows.JobQuestion{Text: or(w.Question[q.ID].Text, en.Question[q.ID].Text)}
		for _, a := range q.Answers {
			label := or(w.Question[q.ID].Answers[a.ID], en.Question[q.ID].Answers[a.ID])
			jq.Answers = append(jq.Answers, flows.JobAnswer{Label: label, Flags: a.Flags})
		}
		j.Questions = append(j.Questions, jq)
	}
	for _, f := range jc.Flag {
		fw, fen := w.Flag[f.ID], en.Flag[f.ID]
		j.Flags = append(j.Flags, flows.RedFlag{ID: f.ID, Finding: finding(f.findingData, or(fw.Title, fen.Title), or(fw.Text, fen.Text))})
	}
	return j
}

func finding(f findingData, title, text string) flows.Finding {
	return flows.Finding{Title: title, Text: text, Page: f.Page, Help: f.Help,
		Reviewed: f.Reviewed.Format(time.DateOnly), Sources: f.Sources}
}

// Checklist returns the pre-departure checklist in lang (English where it
// lacks a text, counted in Missing), or nil when the content has none.
func (c *Catalog) Checklist(lang string) *flows.Checklist {
	cl, ok := c.tools.checklist[lang]
	if !ok {
		cl = c.tools.checklist[flows.DefaultLang]
	}
	c.countTools(lang)
	return cl
}

// JobCheck returns the job-offer check in lang, like Checklist.
func (c *Catalog) JobCheck(lang string) *flows.JobCheck {
	jc, ok := c.tools.jobCheck[lang]
	if !ok {
		jc = c.tools.jobCheck[flows.DefaultLang]
	}
	c.countTools(lang)
	return jc
}

func (c *Catalog) countTools(lang string) {
	if !c.tools.complete[lang] {
		c.missing.Add(1)
	}
}
