package main

import (
	"fmt"
	"io/fs"
	"os"

	"mekongbot/content"
	"mekongbot/flows"
	"mekongbot/locales"
)

// contentCheck validates content/ and locales/ and lists every problem as
// file:line: problem. It reads content/ from the working directory when
// present, so that an editor sees their files as they are on disk.
func contentCheck(env Env) error {
	var lines []string
	_, problems := content.LoadFS(contentFS())
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	var others []string
	for _, l := range flows.Languages {
		if l != locales.Fallback {
			others = append(others, l)
		}
	}
	lines = append(lines, locales.CheckFS(localesFS(), others)...)
	for _, l := range lines {
		fmt.Fprintln(env.Stdout, l)
	}
	if len(lines) > 0 {
		return fmt.Errorf("content check: %d problems", len(lines))
	}
	fmt.Fprintln(env.Stdout, "content check: ok")
	return nil
}

func contentFS() fs.FS {
	if st, err := os.Stat("content/tree"); err == nil && st.IsDir() {
		return os.DirFS("content")
	}
	return content.Files()
}

func localesFS() fs.FS {
	if st, err := os.Stat("locales/en.toml"); err == nil && !st.IsDir() {
		return os.DirFS("locales")
	}
	return locales.Files()
}
