package flows

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxResults is how many pages a search answer lists.
const maxResults = 5

// search answers a typed question with the pages that match it best, or
// with the main menu when nothing matches well.
func (e *Engine) search(ctx context.Context, r *Request, query string) error {
	if e.searcher == nil {
		return e.withNote(r, "TypedText")
	}
	hits := e.searcher.Search(r.Lang, query, maxResults)
	if len(hits) == 0 {
		e.countUnanswered(ctx, r.Lang, query)
		r.Session.Page, r.Session.Back = RootPage, nil
		return e.withNote(r, "SearchNothing")
	}
	r.Reply(e.resultsReply(r, hits))
	return nil
}

func (e *Engine) resultsReply(r *Request, hits []SearchHit) Reply {
	var b strings.Builder
	rep := Reply{Title: e.text.Text(r.Lang, "SearchResults", map[string]any{"Count": len(hits)})}
	for i, h := range hits {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "%d. %s\n%s", i+1, h.Title, h.Snippet)
		rep.Buttons = append(rep.Buttons, []Button{{Text: h.Title, Data: Press{Action: ActOpen, Arg: h.ID}.Encode()}})
	}
	rep.Text = b.String()
	rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})})
	return rep
}

// countUnanswered is best effort: a failure to count must not fail the answer.
func (e *Engine) countUnanswered(ctx context.Context, lang, query string) {
	if e.insights == nil {
		return
	}
	if q := Anonymize(query); q != "" {
		if err := e.insights.Unanswered(ctx, lang, q); err != nil {
			e.log.Warn("count unanswered question", "err", err)
		}
	}
}

var (
	reURL    = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)
	reEmail  = regexp.MustCompile(`\S+@\S+`)
	reHandle = regexp.MustCompile(`@\w+`)
	reDigits = regexp.MustCompile(`\+?\d[\d\s\-+().]*`)
	reSpace  = regexp.MustCompile(`\s+`)
)

// maxAnonymized bounds a kept question, in characters.
const maxAnonymized = 80

// Anonymize strips from a question what could identify a person (links,
// e-mail addresses, @names, any run of digits such as a phone, passport or
// permit number), lower-cases it and cuts it short. Only this form is kept.
func Anonymize(q string) string {
	q = reURL.ReplaceAllString(q, " ")
	q = reEmail.ReplaceAllString(q, " ")
	q = reHandle.ReplaceAllString(q, " ")
	q = reDigits.ReplaceAllString(q, "# ")
	q = strings.TrimSpace(reSpace.ReplaceAllString(strings.ToLower(q), " "))
	if utf8.RuneCountInString(q) > maxAnonymized {
		q = string([]rune(q)[:maxAnonymized])
	}
	return q
}
