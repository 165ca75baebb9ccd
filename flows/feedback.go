package flows

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Feedback counts answers to "was this page helpful?". Implementations keep
// counts per page only: never who voted, nor their language or country.
type Feedback interface {
	// Vote counts one vote for page: helpful or not.
	Vote(ctx context.Context, page string, helpful bool) error
	// Votes returns the counts of every page that has votes, in no order.
	Votes(ctx context.Context) ([]PageVotes, error)
}

// PageVotes is how often a page was found helpful and not.
type PageVotes struct {
	Page               string
	Helpful, Unhelpful int
}

// Arguments of ActFeedback: a vote is "u-<page>" or "d-<page>"; the thanks
// that replaces the vote buttons carries feedbackThanks and does nothing.
const (
	voteHelpful    = "u"
	voteUnhelpful  = "d"
	feedbackThanks = "ok"
)

// isContentPage says whether a page answers something itself, rather than
// being a menu of other pages: only those ask for a vote.
func isContentPage(p *Page) bool {
	return p.ID != RootPage && len(p.Children) == 0
}

// voteRow is the one row of vote buttons under a content page; nil on menus
// and when votes are not counted.
func (e *Engine) voteRow(lang string, page *Page) []Button {
	if e.feedback == nil || !isContentPage(page) {
		return nil
	}
	return []Button{
		e.button(lang, "BtnHelpful", Press{Action: ActFeedback, Arg: voteHelpful + "-" + page.ID}),
		e.button(lang, "BtnNotHelpful", Press{Action: ActFeedback, Arg: voteUnhelpful + "-" + page.ID}),
	}
}

// feedbackPress counts a vote and edits the page's message so that the vote
// buttons become a thanks: one message gives at most one vote. Nothing about
// the person is recorded.
func (e *Engine) feedbackPress(ctx context.Context, r *Request, arg string) error {
	if arg == feedbackThanks {
		return nil // the thanks is only a label
	}
	vote, id, _ := strings.Cut(arg, "-")
	page, ok := e.catalog.Page(id)
	if e.feedback == nil || (vote != voteHelpful && vote != voteUnhelpful) || !ok || !isContentPage(page) {
		return e.stale(ctx, r)
	}
	// Best effort: a vote lost to a Redis hiccup must not cost the person an
	// apology; the thanks is still true of what they did.
	if err := e.feedback.Vote(ctx, id, vote == voteHelpful); err != nil {
		e.log.Warn("count page feedback", "err", err)
	}
	thanks := []Button{e.button(r.Lang, "FeedbackThanks", Press{Action: ActFeedback, Arg: feedbackThanks})}
	r.Reply(e.pageView(r, page, true, thanks))
	return nil
}

// feedbackTop is how many pages the feedback part of /stats lists.
const feedbackTop = 10

// feedbackStats lists the pages with votes, those found unhelpful most often
// first: they are the ones to improve. Counts are shown as they are: a vote
// is tied to a page, not to a language or a country, so a small number
// points at nobody (the "<5" rule is for breakdowns of people).
func (e *Engine) feedbackStats(lang string, votes []PageVotes) string {
	votes = slices.DeleteFunc(slices.Clone(votes), func(v PageVotes) bool {
		_, ok := e.catalog.Page(v.Page)
		return !ok // a page removed since: nothing left to improve
	})
	slices.SortFunc(votes, func(a, b PageVotes) int {
		return cmp.Or(cmp.Compare(b.Unhelpful, a.Unhelpful), cmp.Compare(b.Helpful, a.Helpful), cmp.Compare(a.Page, b.Page))
	})
	var b strings.Builder
	b.WriteString(e.text.Text(lang, "StatsFeedback", nil))
	for i, v := range votes[:min(len(votes), feedbackTop)] {
		title, _ := e.catalog.Text(v.Page, lang)
		fmt.Fprintf(&b, "\n%d. %s: 👍 %d · 👎 %d", i+1, title, v.Helpful, v.Unhelpful)
	}
	if len(votes) == 0 {
		b.WriteString("\n–")
	}
	return b.String()
}
