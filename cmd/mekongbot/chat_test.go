package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// script is what the person types: pick their language (by its position in
// the language list), say they are a worker, open a section and a page, find
// it helpful (👍), read its sources, go back twice, type a question, send a
// sticker-like /command, and change language.
func script(langPos string) string {
	return strings.Join([]string{langPos, "1", "1", "1", "4", "5", "1", "7", "passport", "/nonsense", "/language"}, "\n") + "\n"
}

// TestChatGolden holds the same conversation in several languages in the
// terminal chat and compares it with the transcripts in testdata/. Run
// `go test ./cmd/mekongbot -run TestChatGolden -update` after a deliberate change.
func TestChatGolden(t *testing.T) {
	for _, tt := range []struct{ lang, pos string }{{"en", "7"}, {"km", "1"}, {"vi", "4"}, {"th", "5"}, {"zh", "6"}} {
		t.Run(tt.lang, func(t *testing.T) {
			var out, errs syncBuffer
			env := Env{Stdin: strings.NewReader(script(tt.pos)), Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }}
			if code := run(context.Background(), []string{"chat", "--lang", tt.lang}, env); code != exitOK {
				t.Fatalf("chat exited %d: %s", code, errs.String())
			}
			if !strings.Contains(errs.String(), "embedded") {
				t.Error("chat without REDIS_URL must announce the embedded Redis")
			}
			golden := filepath.Join("testdata", "chat_"+tt.lang+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out.String() != string(want) {
				t.Errorf("transcript differs from %s (run with -update if the change is deliberate):\n%s", golden, out.String())
			}
		})
	}
}

func TestChatRejectsUnknownLanguage(t *testing.T) {
	var errs syncBuffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &errs, Stderr: &errs, Getenv: func(string) string { return "" }}
	if code := run(context.Background(), []string{"chat", "--lang", "fr"}, env); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}
