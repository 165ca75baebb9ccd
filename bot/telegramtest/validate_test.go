package telegramtest

import (
	"encoding/json"
	"testing"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in        string
		plain     string
		entities  string // JSON of the entities, "" to skip
		wantError string
	}{
		{in: "plain", plain: "plain", entities: "null"},
		{in: "<b>a</b>b", plain: "ab", entities: `[{"length":1,"offset":0,"type":"bold"}]`},
		{in: "<B>a</B >", plain: "a"},
		{in: "😀<i>x</i>", plain: "😀x", entities: `[{"length":1,"offset":2,"type":"italic"}]`},
		{in: "&lt;&gt;&amp;&quot;&#65;&#x42;", plain: `<>&"AB`},
		{in: "&nbsp;&copy", plain: "&nbsp;&copy"},
		{in: `<a href="https://e.com/?a=1&amp;b=2">e</a>`, plain: "e", entities: `[{"length":1,"offset":0,"type":"text_link","url":"https://e.com/?a=1\u0026b=2"}]`},
		{in: `<pre><code class="language-go">x</code></pre>`, plain: "x", entities: `[{"language":"go","length":1,"offset":0,"type":"pre"}]`},
		{in: `<code class="language-go">x</code>`, plain: "x", entities: `[{"length":1,"offset":0,"type":"code"}]`},
		{in: `<blockquote expandable>q</blockquote>`, plain: "q", entities: `[{"length":1,"offset":0,"type":"expandable_blockquote"}]`},
		{in: "<b></b>", plain: "", entities: "null"},
		{in: "<b>x</>", plain: "x"},
		{in: "<b", wantError: "Unclosed start tag at byte offset 0"},
		{in: "<b>x", wantError: `Can't find end tag corresponding to start tag "b"`},
		{in: "x</b>", wantError: "Unexpected end tag at byte offset 1"},
		{in: "<br/>", wantError: `Unsupported start tag "br/" at byte offset 0`},
		{in: "<b>x</i>", wantError: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{in: "<span>x</span>", wantError: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{in: `<a href=x'y>z</a>`, wantError: "Unexpected end of name token at byte offset 8"},
		{in: "<b>x</b", wantError: "Unclosed end tag at byte offset 4"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			plain, ents, err := parseHTML(tt.in)
			if tt.wantError != "" {
				if err == nil || err.Error() != tt.wantError {
					t.Errorf("err = %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plain != tt.plain {
				t.Errorf("plain = %q, want %q", plain, tt.plain)
			}
			if tt.entities != "" {
				if got, _ := json.Marshal(ents); string(got) != tt.entities {
					t.Errorf("entities = %s, want %s", got, tt.entities)
				}
			}
		})
	}
}

func TestUTF16Len(t *testing.T) {
	for in, want := range map[string]int{"": 0, "abc": 3, "ສະບາຍດີ": 7, "😀": 2, "a😀b": 4} {
		if got := utf16Len(in); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", in, got, want)
		}
	}
}
