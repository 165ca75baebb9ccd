package content

import (
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"mekongbot/flows"
)

var (
	corridorOrder = []string{"kh", "la", "mm", "vn"}
	actors        = map[string]bool{"employer": true, "doe": true, "ministry": true, "agency": true,
		"worker": true, "embassy": true, "immigration": true, "centre": true}
	stepIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)
)

type mouFile struct {
	Corridor string         `toml:"corridor"`
	Page     string         `toml:"page"`
	Reviewed time.Time      `toml:"reviewed"`
	Source   []flows.Source `toml:"source"`
	Step     []struct {
		ID      string `toml:"id"`
		Actor   string `toml:"actor"`
		Sources []int  `toml:"sources"`
	} `toml:"step"`
}

type mouText struct {
	Aspects map[string]string            `toml:"aspects"`
	Step    map[string]map[string]string `toml:"step"`
}

// mouData holds every procedure and its texts per language.
type mouData struct {
	procs map[string]*flows.Procedure
	texts map[string]map[string]mouText // corridor -> lang -> text
}

// loadMoU reads mou/*.toml and mou/text/<lang>/*.toml.
func loadMoU(fsys fs.FS, pages map[string]*flows.Page, ps *problems) *mouData {
	d := &mouData{procs: map[string]*flows.Procedure{}, texts: map[string]map[string]mouText{}}
	names, _ := fs.Glob(fsys, "mou/*.toml")
	for _, name := range names {
		p := loadProcedure(fsys, name, pages, ps)
		if p == nil {
			continue
		}
		d.procs[p.Corridor] = p
		d.texts[p.Corridor] = map[string]mouText{}
		for _, lang := range flows.Languages {
			if t, ok := loadMoUText(fsys, p, lang, ps); ok {
				d.texts[p.Corridor][lang] = t
			}
		}
	}
	return d
}

func loadProcedure(fsys fs.FS, name string, pages map[string]*flows.Page, ps *problems) *flows.Procedure {
	var f mouFile
	md, err := toml.DecodeFS(fsys, name, &f)
	if err != nil {
		ps.add(name, 0, "not valid TOML: %v", err)
		return nil
	}
	for _, k := range md.Undecoded() {
		ps.add(name, 0, "unknown key %q", k.String())
	}
	want := strings.TrimSuffix(path.Base(name), ".toml")
	switch {
	case f.Corridor != want:
		ps.add(name, 0, "corridor = %q, but the file is named for %q", f.Corridor, want)
	case pages[f.Page] == nil:
		ps.add(name, 0, "page %q: no such page in tree/", f.Page)
	case f.Reviewed.IsZero():
		ps.add(name, 0, "no reviewed date (reviewed = YYYY-MM-DD)")
	case len(f.Step) == 0:
		ps.add(name, 0, "no steps")
	}
	p := &flows.Procedure{Corridor: f.Corridor, Page: f.Page, Sources: f.Source, Reviewed: f.Reviewed.Format(time.DateOnly)}
	seen := map[string]bool{}
	for _, s := range f.Step {
		checkStep(name, s.ID, s.Actor, s.Sources, len(f.Source), seen, ps)
		idx := make([]int, 0, len(s.Sources))
		for _, n := range s.Sources {
			idx = append(idx, n-1)
		}
		p.Steps = append(p.Steps, flows.Step{ID: s.ID, Actor: s.Actor, Sources: idx})
	}
	checkFacts(&flows.Page{ID: "mou/" + f.Corridor, Sources: f.Source, Reviewed: p.Reviewed}, where{file: name}, ps)
	return p
}

func checkStep(file, id, actor string, sources []int, nSources int, seen map[string]bool, ps *problems) {
	switch {
	case !stepIDPattern.MatchString(id):
		ps.add(file, 0, "step id %q: use a-z, 0-9 and '-', at most 16 bytes", id)
	case seen[id]:
		ps.add(file, 0, "step id %q is used twice", id)
	case !actors[actor]:
		ps.add(file, 0, "step %q: actor %q is not one of %s", id, actor, strings.Join(slices.Sorted(maps.Keys(actors)), ", "))
	case len(sources) == 0:
		ps.add(file, 0, "step %q has no sources", id)
	}
	seen[id] = true
	for _, n := range sources {
		if n < 1 || n > nSources {
			ps.add(file, 0, "step %q: source %d does not exist (there are %d)", id, n, nSources)
		}
	}
}

var stepFields = map[string]bool{"what": true, "documents": true, "fees": true, "time": true, "legal": true}

func loadMoUText(fsys fs.FS, p *flows.Procedure, lang string, ps *problems) (mouText, bool) {
	name := path.Join("mou", "text", lang, p.Corridor+".toml")
	var t mouText
	md, err := toml.DecodeFS(fsys, name, &t)
	if err != nil {
		ps.add(name, 0, "missing or not valid TOML: %v", err)
		return t, false
	}
	for _, k := range md.Undecoded() {
		ps.add(name, 0, "unknown key %q", k.String())
	}
	for aspect, text := range t.Aspects {
		checkField(name, "aspects."+aspect, lang, text, ps)
		if !slices.Contains(flows.Aspects, aspect) {
			ps.add(name, 0, "aspect %q is not one of %v", aspect, flows.Aspects)
		}
	}
	for _, s := range p.Steps {
		fields, ok := t.Step[s.ID]
		if !ok || fields["what"] == "" {
			ps.add(name, 0, "step %q has no text (step.%s.what)", s.ID, s.ID)
		}
		for k, v := range fields {
			if !stepFields[k] {
				ps.add(name, 0, "step %q: unknown field %q", s.ID, k)
			}
			checkField(name, "step."+s.ID+"."+k, lang, v, ps)
		}
	}
	return t, true
}

func checkField(file, key, lang, text string, ps *problems) {
	switch {
	case strings.TrimSpace(text) == "":
		ps.add(file, 0, "%s is empty", key)
	case len([]rune(text)) > 600:
		ps.add(file, 0, "%s is over 600 characters", key)
	case rawKey.MatchString(text):
		ps.add(file, 0, "%s has raw markup or placeholders", key)
	case !inScript(lang, text) && len([]rune(text)) > 40:
		ps.add(file, 0, "%s is not in the %s script: is it untranslated?", key, lang)
	}
}

// checkMoUParity reports keys present in English but missing in another language.
func checkMoUParity(d *mouData, ps *problems) {
	for _, c := range slices.Sorted(maps.Keys(d.procs)) {
		en := d.texts[c][flows.DefaultLang]
		for _, lang := range flows.Languages {
			t, ok := d.texts[c][lang]
			if !ok || lang == flows.DefaultLang {
				continue
			}
			name := path.Join("mou", "text", lang, c+".toml")
			for a := range en.Aspects {
				if t.Aspects[a] == "" {
					ps.add(name, 0, "aspects.%s is in English but missing here", a)
				}
			}
			for id, fields := range en.Step {
				for k := range fields {
					if t.Step[id][k] == "" {
						ps.add(name, 0, "step.%s.%s is in English but missing here", id, k)
					}
				}
			}
		}
	}
}

// Corridors lists the corridors that have a procedure, in display order.
func (c *Catalog) Corridors() []string {
	var out []string
	for _, k := range corridorOrder {
		if c.mou.procs[k] != nil {
			out = append(out, k)
		}
	}
	return out
}

// Procedure returns a corridor's procedure.
func (c *Catalog) Procedure(corridor string) (*flows.Procedure, bool) {
	p, ok := c.mou.procs[corridor]
	return p, ok
}

// StepText returns step i (from 0) of a corridor in lang, or in English.
func (c *Catalog) StepText(corridor string, i int, lang string) flows.StepText {
	p, ok := c.mou.procs[corridor]
	if !ok || i < 0 || i >= len(p.Steps) {
		return flows.StepText{}
	}
	f := c.mouText(corridor, lang).Step[p.Steps[i].ID]
	return flows.StepText{What: f["what"], Documents: f["documents"], Fees: f["fees"], Time: f["time"], Legal: f["legal"]}
}

// Aspect returns one aspect of a corridor in lang, or in English.
func (c *Catalog) Aspect(corridor, aspect, lang string) string {
	return c.mouText(corridor, lang).Aspects[aspect]
}

func (c *Catalog) mouText(corridor, lang string) mouText {
	if t, ok := c.mou.texts[corridor][lang]; ok {
		return t
	}
	c.missing.Add(1)
	return c.mou.texts[corridor][flows.DefaultLang]
}
