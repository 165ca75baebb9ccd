package flows

import "context"

// maxInline is how many pages an inline answer offers.
const maxInline = 10

// InlineResult is a page offered in inline mode, ready to be shared in any chat.
type InlineResult struct {
	ID      string
	Title   string
	Snippet string
	Body    string
	// Link opens the page in the bot, in the asker's language for someone
	// new to the bot (the shared text is in it); "" while the bot's username
	// is not known.
	Link string
}

// Inline answers "@bot <words>" typed in any chat: the pages matching the
// words, in the language of the person asking (their stored choice, else
// their app's language). An empty query offers the help pages. Nothing is
// saved: an inline query is not part of a conversation.
func (e *Engine) Inline(ctx context.Context, userID int64, clientLang, query string) ([]InlineResult, error) {
	s, _, err := e.store.Load(ctx, userID) // a private chat's id is its user's id
	if err != nil {
		e.log.Warn("inline query: load session", "err", err)
	}
	lang := pickLang(s, Event{ClientLang: clientLang})
	var hits []SearchHit
	if query == "" || e.searcher == nil {
		hits = e.childHits(helpSection, lang)
	} else {
		hits = e.searcher.Search(lang, query, maxInline)
	}
	out := make([]InlineResult, 0, len(hits))
	for _, h := range hits {
		_, body := e.catalog.Text(h.ID, lang)
		out = append(out, InlineResult{ID: h.ID, Title: h.Title, Snippet: h.Snippet, Body: body,
			Link: DeepLink(e.botUsername(), h.ID, lang)})
	}
	return out, nil
}

func (e *Engine) childHits(id, lang string) []SearchHit {
	page, ok := e.catalog.Page(id)
	if !ok {
		return nil
	}
	hits := make([]SearchHit, 0, len(page.Children))
	for _, c := range page.Children {
		title, _ := e.catalog.Text(c, lang)
		hits = append(hits, SearchHit{ID: c, Title: title})
	}
	return hits
}
