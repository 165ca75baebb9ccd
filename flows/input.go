package flows

import "context"

// press handles a button. Its data is untrusted: anything this bot did not
// make, or that points at something gone, re-shows where the person is.
func (e *Engine) press(ctx context.Context, r *Request) error {
	p, err := DecodePress(r.Event.Data)
	if err != nil {
		return e.stale(ctx, r)
	}
	if r.Session.IsNew() && p.Action != ActLang {
		return e.onboardingPrompt(ctx, r)
	}
	switch p.Action {
	case ActLang:
		return e.chooseLang(ctx, r, p.Arg)
	case ActRole:
		return e.chooseRole(ctx, r, p.Arg)
	case ActLangMenu:
		return e.languageMenu(ctx, r)
	case ActMenu:
		return e.menu(ctx, r)
	case ActBack:
		return e.back(ctx, r)
	case ActOpen:
		return e.open(ctx, r, p.Arg)
	case ActSources:
		return e.sources(ctx, r, p.Arg)
	case ActCorridor, ActStep, ActWhole, ActCompareMenu, ActCompare:
		return e.lookup(ctx, r, p)
	case ActSettings:
		return e.showSettings(ctx, r)
	case ActUpdates:
		return e.updates(ctx, r, p.Arg)
	case ActForget:
		return e.forget(ctx, r, p.Arg)
	case ActTalk:
		return e.talk(ctx, r, p.Arg)
	case ActStaff:
		return e.staffPress(ctx, r, p.Arg)
	case ActChecklist:
		return e.checklistPress(ctx, r, p.Arg)
	case ActJobCheck:
		return e.jobCheckPress(ctx, r, p.Arg)
	case ActFeedback:
		return e.feedbackPress(ctx, r, p.Arg)
	case ActReminder:
		return e.reminder(ctx, r, p.Arg)
	}
	return e.stale(ctx, r)
}

func (e *Engine) open(ctx context.Context, r *Request, id string) error {
	if _, ok := e.catalog.Page(id); !ok {
		return e.stale(ctx, r)
	}
	if r.Session.State == StateChooseRole {
		return e.onboardingPrompt(ctx, r)
	}
	return e.showPage(r, id, true)
}

func (e *Engine) sources(ctx context.Context, r *Request, id string) error {
	if _, ok := e.catalog.Page(id); !ok {
		return e.stale(ctx, r)
	}
	r.Reply(e.sourcesReply(r, id))
	return nil
}

// back returns to the previous page; with no history, to the parent page.
func (e *Engine) back(_ context.Context, r *Request) error {
	id := r.Session.Pop()
	if _, ok := e.catalog.Page(id); !ok {
		id = RootPage
		if page, ok := e.catalog.Page(r.currentPage()); ok && page.Parent != "" {
			id = page.Parent
		}
		r.Session.Back = nil
	}
	r.Session.Page = id
	r.Reply(e.pageReply(r, id, true))
	return nil
}

// stale answers a forged or outdated button with a note and the current page.
func (e *Engine) stale(ctx context.Context, r *Request) error {
	if r.Session.IsNew() || r.Session.State == StateChooseRole {
		return e.onboardingPrompt(ctx, r)
	}
	return e.withNote(r, "StaleButton")
}

// withNote shows the current page again, as a new message, under a short note.
func (e *Engine) withNote(r *Request, noteID string) error {
	id := r.currentPage()
	if _, ok := e.catalog.Page(id); !ok {
		id = RootPage
		r.Session.Page, r.Session.Back = id, nil
	}
	rep := e.pageReply(r, id, false)
	rep.Note = e.text.Text(r.Lang, noteID, nil)
	r.Reply(rep)
	return nil
}

func (e *Engine) unknownCommand(_ context.Context, r *Request) error {
	return e.withNote(r, "UnknownCommand")
}

// typed answers free text: anything typed is a question.
func (e *Engine) typed(ctx context.Context, r *Request) error {
	return e.search(ctx, r, r.Event.Text)
}

// searchCommand is /search <words>; without words it asks for them.
func (e *Engine) searchCommand(ctx context.Context, r *Request) error {
	if r.Event.Text == "" {
		return e.withNote(r, "SearchHow")
	}
	return e.search(ctx, r, r.Event.Text)
}

// unsupported answers stickers, photos, voice and the like.
func (e *Engine) unsupported(_ context.Context, r *Request) error {
	return e.withNote(r, "UnsupportedMessage")
}
