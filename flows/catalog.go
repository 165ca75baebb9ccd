package flows

// RootPage is the id of the main menu page.
const RootPage = "root"

// Source is where a page's facts come from.
type Source struct {
	URL  string
	Note string // publisher and date, e.g. "Bangkok Post, 8 Jul 2017"
}

// Page is one node of the handbook tree. Its text lives in the Catalog per language.
type Page struct {
	ID       string
	Parent   string
	Children []string
	See      []string
	Reviewed string // YYYY-MM-DD
	Sources  []Source
}

// Catalog is the handbook: the page tree and each page's text per language.
//
// Page reports whether id is a known page. Text returns a page's title and
// body in lang, falling back to English when that language lacks the page.
type Catalog interface {
	Page(id string) (*Page, bool)
	Text(id, lang string) (title, body string)
}

// Localizer translates interface strings by message id.
//
// Text never returns an empty string: a message missing in lang falls back to
// English (and the implementation counts the miss). data fills the template;
// a "Count" entry selects the plural form.
type Localizer interface {
	Text(lang, id string, data map[string]any) string
}

// Languages are the languages the bot speaks, in the order offered.
var Languages = []string{"km", "lo", "my", "vi", "th", "zh", "en"}

// DefaultLang is used when nothing better is known.
const DefaultLang = "en"

// SupportedLang maps a client language tag ("zh-hans", "km-KH") to one of
// Languages, or "" when it is none of them.
func SupportedLang(tag string) string {
	base := tag
	for i := 0; i < len(tag); i++ {
		if tag[i] == '-' || tag[i] == '_' {
			base = tag[:i]
			break
		}
	}
	for _, l := range Languages {
		if len(base) == len(l) && equalFold(base, l) {
			return l
		}
	}
	return ""
}

func equalFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		ca, cb := a[i]|0x20, b[i]|0x20
		if ca != cb {
			return false
		}
	}
	return true
}

// SearchHit is one page found for a typed question.
type SearchHit struct {
	ID      string
	Title   string
	Snippet string
}

// Searcher finds the pages that answer a typed question, best first, at most
// limit. An empty result means nothing answers it well.
type Searcher interface {
	Search(lang, query string, limit int) []SearchHit
}
