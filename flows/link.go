package flows

import (
	"context"
	"strings"
)

// maxLinkHits is how many pages /link lists for words that are not a page id.
const maxLinkHits = 5

// linkCommand is /link <page> [language]: the t.me link that opens a page in
// the bot, for posters and QR codes. The page may be given as its id
// (pre.fees) or as a start parameter (pre_fees-KM). Words that are no page id
// search for pages and list their ids; no words: how to use it, and the
// sections' ids.
func (e *Engine) linkCommand(_ context.Context, r *Request) error {
	args := strings.Fields(r.Event.Text)
	if len(args) == 0 {
		return e.linkHelp(r, "")
	}
	id, lang := ParseStartParam(args[0])
	page, ok := e.catalog.Page(id)
	if !ok {
		return e.linkSearch(r, r.Event.Text)
	}
	switch {
	case len(args) > 2:
		return e.linkHelp(r, "")
	case len(args) == 2:
		if lang = SupportedLang(args[1]); lang == "" {
			return e.linkHelp(r, e.text.Text(r.Lang, "LinkBadLanguage", nil))
		}
	}
	r.Reply(e.linkReply(r.Lang, page, lang))
	return nil
}

// linkReply shows the link and what it does.
func (e *Engine) linkReply(lang string, page *Page, linkLang string) Reply {
	title, _ := e.catalog.Text(page.ID, lang)
	link := DeepLink(e.botUsername(), page.ID, linkLang)
	var note string
	if link == "" {
		link = DeepLink("<bot>", page.ID, linkLang)
		note = e.text.Text(lang, "LinkNoBotName", nil)
	}
	what := e.text.Text(lang, "LinkAnyLanguage", map[string]any{"Page": title})
	if linkLang != "" {
		what = e.text.Text(lang, "LinkInLanguage", map[string]any{
			"Page": title, "Language": e.text.Text(linkLang, "LanguageName", nil)})
	}
	return Reply{Note: note, Title: e.text.Text(lang, "LinkTitle", nil), Text: link + "\n\n" + what}
}

// linkSearch lists the pages that match words, with their ids.
func (e *Engine) linkSearch(r *Request, words string) error {
	var hits []SearchHit
	if e.searcher != nil {
		hits = e.searcher.Search(r.Lang, words, maxLinkHits)
	}
	if len(hits) == 0 {
		return e.linkHelp(r, e.text.Text(r.Lang, "LinkNothingFound", nil))
	}
	var b strings.Builder
	b.WriteString(e.text.Text(r.Lang, "LinkFound", nil))
	for _, h := range hits {
		b.WriteString("\n• " + h.ID + " · " + h.Title)
	}
	b.WriteString("\n\n" + e.text.Text(r.Lang, "LinkUsage", nil))
	r.Reply(Reply{Title: e.text.Text(r.Lang, "LinkTitle", nil), Text: b.String()})
	return nil
}

// linkHelp says how to use /link and lists the sections' ids, under note
// ("" for none).
func (e *Engine) linkHelp(r *Request, note string) error {
	var b strings.Builder
	b.WriteString(e.text.Text(r.Lang, "LinkUsage", nil))
	b.WriteString("\n\n" + e.text.Text(r.Lang, "LinkSections", nil))
	if root, ok := e.catalog.Page(RootPage); ok {
		for _, id := range root.Children {
			title, _ := e.catalog.Text(id, r.Lang)
			b.WriteString("\n• " + id + " · " + title)
		}
	}
	r.Reply(Reply{Note: note, Title: e.text.Text(r.Lang, "LinkTitle", nil), Text: b.String()})
	return nil
}
