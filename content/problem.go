package content

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the content, located in its file.
type Problem struct {
	File string // relative to content/
	Line int    // 1-based; 0 when the whole file is meant
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("content/%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("content/%s:%d: %s", p.File, p.Line, p.Msg)
}

// problems collects Problems while loading.
type problems []Problem

func (ps *problems) add(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Translation reports whether the problem is in a text other than English,
// which the bot can replace with the English text.
func (p Problem) Translation() bool {
	for _, dir := range []string{"text/", "mou/text/", "tools/text/"} {
		if strings.HasPrefix(p.File, dir) && !strings.HasPrefix(p.File, dir+"en/") {
			return true
		}
	}
	return false
}
