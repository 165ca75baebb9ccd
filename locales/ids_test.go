package locales

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// usedMessageIDs finds every message id the flows pass to the localizer:
// string literals that look like ids (CamelCase) in calls of Text, button,
// withNote and languageReply.
func usedMessageIDs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../flows/*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]bool{"Text": true, "button": true, "withNote": true, "languageReply": true, "staffButton": true}
	set := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !calls[calleeName(call)] {
				return true
			}
			for _, arg := range call.Args {
				if id, ok := messageID(arg); ok {
					set[id] = true
				}
			}
			return true
		})
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func calleeName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		return fn.Sel.Name
	case *ast.Ident:
		return fn.Name
	}
	return ""
}

func messageID(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "" || !unicode.IsUpper(rune(s[0])) || strings.ContainsAny(s, " .:") {
		return "", false
	}
	return s, true
}

func TestEveryMessageIDUsedExistsInEveryLocale(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ids := append(usedMessageIDs(t), dynamicMessageIDs...)
	if len(ids) < 10 {
		t.Fatalf("found only %d message ids in flows: the scanner is broken", len(ids))
	}
	for _, lang := range []string{"en", "km", "lo", "my", "vi", "th", "zh"} {
		for _, id := range ids {
			if !b.Has(lang, id) {
				t.Errorf("locales/%s.toml lacks message %q used in flows", lang, id)
			}
		}
	}
}

// dynamicMessageIDs are built in flows from data (a corridor, an actor, an
// aspect), so the scanner cannot see them.
var dynamicMessageIDs = []string{
	"CorridorKH", "CorridorLA", "CorridorMM", "CorridorVN",
	"ActorEmployer", "ActorDoe", "ActorMinistry", "ActorAgency", "ActorWorker", "ActorEmbassy", "ActorImmigration", "ActorCentre",
	"AspectDocuments", "AspectFees", "AspectTime", "AspectStay", "AspectBreak",
	"CountryKH", "CountryLA", "CountryMM", "CountryVN", "CountryXX",
	"TopicRegistration", "TopicRules", "TopicHelp", "TopicSkills",
}

func TestLocalesAgreeWithEnglish(t *testing.T) {
	for _, p := range Check([]string{"km", "lo", "my", "vi", "th", "zh"}) {
		t.Error(p)
	}
}
