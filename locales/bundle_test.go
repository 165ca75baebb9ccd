package locales

import "testing"

func TestTextFallsBackAndCounts(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{"en", "BtnBack", nil, "⬅️ Back"},
		{"xx", "BtnBack", nil, "⬅️ Back"},
		{"en", "NoSuchMessage", nil, "NoSuchMessage"},
		{"en", "SourcesTitle", map[string]any{"Count": 1, "Page": "P"}, "📚 P: 1 source"},
		{"en", "SourcesTitle", map[string]any{"Count": 3, "Page": "P"}, "📚 P: 3 sources"},
	}
	for _, tt := range tests {
		if got := b.Text(tt.lang, tt.id, tt.data); got != tt.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tt.lang, tt.id, got, tt.want)
		}
	}
	if b.Missing() != 2 {
		t.Errorf("Missing() = %d, want 2", b.Missing())
	}
}
