package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Files returns the embedded message files.
func Files() fs.FS { return files }

// Fallback is the language every message must exist in.
const Fallback = "en"

// Bundle serves interface strings. It implements flows.Localizer.
type Bundle struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	ids        map[string]map[string]bool // lang -> message ids present
	missing    atomic.Uint64
	// OnMissing, if set, is told about every fallback to English (for metrics).
	OnMissing func(lang, id string)
}

// Load parses the embedded message files.
func Load() (*Bundle, error) { return LoadFS(files) }

// LoadFS parses every *.toml in fsys; the file name (without .toml) is the language.
func LoadFS(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{
		bundle:     i18n.NewBundle(language.English),
		localizers: map[string]*i18n.Localizer{},
		ids:        map[string]map[string]bool{},
	}
	b.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list locale files: %w", err)
	}
	for _, name := range names {
		if err := b.loadFile(fsys, name); err != nil {
			return nil, err
		}
	}
	if len(b.ids[Fallback]) == 0 {
		return nil, fmt.Errorf("load locales: no messages for fallback language %q", Fallback)
	}
	return b, nil
}

func (b *Bundle) loadFile(fsys fs.FS, name string) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	mf, err := b.bundle.ParseMessageFileBytes(data, name)
	if err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	lang := strings.TrimSuffix(name, ".toml")
	b.ids[lang] = map[string]bool{}
	for _, m := range mf.Messages {
		b.ids[lang][m.ID] = true
	}
	b.localizers[lang] = i18n.NewLocalizer(b.bundle, lang)
	return nil
}

// Languages lists the languages that have a message file, sorted.
func (b *Bundle) Languages() []string {
	out := make([]string, 0, len(b.ids))
	for l := range b.ids {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Has reports whether lang has its own text for id.
func (b *Bundle) Has(lang, id string) bool { return b.ids[lang][id] }

// Missing counts fallbacks to English since Load.
func (b *Bundle) Missing() uint64 { return b.missing.Load() }

// Text returns message id in lang, filled with data. A message missing in lang
// is taken from English and counted; an id unknown even in English returns
// the id itself, so that nothing is ever sent empty.
func (b *Bundle) Text(lang, id string, data map[string]any) string {
	if !b.ids[lang][id] {
		b.missing.Add(1)
		if b.OnMissing != nil {
			b.OnMissing(lang, id)
		}
		lang = Fallback
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := b.localizers[lang].Localize(cfg)
	if err != nil || s == "" {
		return id
	}
	return s
}
