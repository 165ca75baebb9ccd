package content

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"mekongbot/flows"
)

// questionFile is testdata/questions/<lang>.toml: questions as people type
// them, each with the pages that answer it.
type questionFile struct {
	Q []struct {
		Text string   `toml:"text"`
		Want []string `toml:"want"`
	} `toml:"q"`
}

func mustIndex(t testing.TB) (*Catalog, *Index) {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c, NewIndex(c)
}

// TestSearchQuality reports hit@3 per language: the share of questions for
// which one of the wanted pages is among the first three results.
func TestSearchQuality(t *testing.T) {
	c, ix := mustIndex(t)
	var report []string
	for _, lang := range flows.Languages {
		var qf questionFile
		path := filepath.Join("testdata", "questions", lang+".toml")
		if _, err := toml.DecodeFile(path, &qf); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if len(qf.Q) < 15 {
			t.Errorf("%s has %d questions, want at least 15", path, len(qf.Q))
		}
		hits := 0
		for _, q := range qf.Q {
			for _, w := range q.Want {
				if _, ok := c.Page(w); !ok {
					t.Errorf("%s: %q wants page %q, which does not exist", path, q.Text, w)
				}
			}
			got := ids(ix.Search(lang, q.Text, 3))
			if slices.ContainsFunc(got, func(id string) bool { return slices.Contains(q.Want, id) }) {
				hits++
			} else if testing.Verbose() {
				t.Logf("%s miss: %q want %v got %v", lang, q.Text, q.Want, got)
			}
		}
		rate := float64(hits) / float64(max(1, len(qf.Q)))
		report = append(report, fmt.Sprintf("%s %.2f (%d/%d)", lang, rate, hits, len(qf.Q)))
		if rate < 0.9 {
			t.Errorf("%s: hit@3 = %.2f, want >= 0.90", lang, rate)
		}
	}
	t.Logf("hit@3: %s", strings.Join(report, ", "))
	if os.Getenv("SEARCH_REPORT") != "" {
		fmt.Println("hit@3:", strings.Join(report, ", "))
	}
}

func ids(hits []flows.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestSearchTolerance(t *testing.T) {
	_, ix := mustIndex(t)
	tests := []struct {
		lang, query, want string
	}{
		{"en", "passport", "rights.docs"},
		{"en", "pasport kept by employer", "rights.docs"},
		{"en", "trafficking", "rights.trafficking"},
		{"zh", "护照", "rights.docs"},
	}
	for _, tt := range tests {
		got := ids(ix.Search(tt.lang, tt.query, 5))
		if !slices.Contains(got, tt.want) {
			t.Errorf("Search(%s, %q) = %v, want %s among them", tt.lang, tt.query, got, tt.want)
		}
	}
}

func TestSearchNothingForNoise(t *testing.T) {
	_, ix := mustIndex(t)
	for _, q := range []string{"", "   ", "!!!", "zzzzqqqq xxyyzz"} {
		if got := ix.Search("en", q, 5); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, ids(got))
		}
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Giấy phép lao động": "giay phep lao đong",
		"ĐƯỜNG":              "duong",
		"Passport":           "passport",
		"ภาษาไทย":            "ภาษาไทย",
		"៣០០០០ បាត":          "30000 បាត",
		"๑๕๔๖":               "1546",
		"បណ្ដុះ":             "បណ្តុះ",
	}
	for in, want := range tests {
		if got := fold(in); got != strings.ReplaceAll(want, "đ", "d") {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := map[string][]string{
		"ធ្វើOTថ្ងៃ":      {"ធ្វើ", "ot", "ថ្ងៃ"},
		"MoU 2016, visa!": {"mou", "2016", "visa"},
		"ການຈັດຫາງານ":     {"ການຈັດຫາງານ"},
		"giấy phép":       {"giay", "phep"},
	}
	for in, want := range tests {
		if got := words(fold(in)); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	_, ix := mustIndex(b)
	queries := map[string]string{
		"en": "my employer keeps my passport what can I do",
		"th": "นายจ้างยึดหนังสือเดินทาง",
		"zh": "雇主扣留护照怎么办",
	}
	for lang, q := range queries {
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				ix.Search(lang, q, 5)
			}
		})
	}
}

func BenchmarkBuildIndex(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		NewIndex(c)
	}
}
