package flows

import (
	"context"
	"fmt"
)

// start greets a new person with the language choice, opens a deep-linked
// page (/start <page>, see StartParam), or shows the main menu to someone
// returning.
func (e *Engine) start(ctx context.Context, r *Request) error {
	if r.Event.Text != "" {
		id, lang := ParseStartParam(r.Event.Text)
		if _, ok := e.catalog.Page(id); ok {
			e.startOnPage(r, id, lang)
			return nil
		}
	}
	if r.Session.IsNew() || r.Session.State == StateChooseRole {
		return e.onboardingPrompt(ctx, r)
	}
	return e.menu(ctx, r)
}

// startOnPage opens a deep-linked page. A newcomer starts in the link's
// language (a poster in Khmer is scanned by people who read Khmer, whatever
// language their phone is set to), else in their phone's. Someone who already
// chose a language keeps it and reads the page in it: their own choice says
// more about them than the poster they scanned, and a link that silently
// switched their language would surprise them on every later page.
func (e *Engine) startOnPage(r *Request, id, lang string) {
	if r.Session.IsNew() {
		if lang != "" {
			r.Lang = lang
		}
		r.Session.Lang = r.Lang
	}
	r.Session.State = StateNone
	r.Session.Back = nil
	r.Session.Page = id
	r.Reply(e.pageReply(r, id, false))
}

// onboardingPrompt asks the question the person has not answered yet.
func (e *Engine) onboardingPrompt(_ context.Context, r *Request) error {
	if r.Session.IsNew() {
		r.Session.State = StateChooseLang
		r.Reply(e.languageReply(r, "Welcome", false))
		return nil
	}
	r.Reply(e.roleReply(r, false))
	return nil
}

func (e *Engine) languageMenu(_ context.Context, r *Request) error {
	r.Reply(e.languageReply(r, "", r.Event.Kind == KindButton))
	return nil
}

// languageReply lists every language, each named in its own script.
func (e *Engine) languageReply(r *Request, introID string, edit bool) Reply {
	rep := Reply{Title: e.text.Text(r.Lang, "ChooseLanguage", nil), Edit: edit}
	if introID != "" {
		rep.Text = e.text.Text(r.Lang, introID, nil)
	}
	var row []Button
	for _, l := range Languages {
		row = append(row, Button{Text: e.text.Text(l, "LanguageName", nil), Data: Press{Action: ActLang, Arg: l}.Encode()})
		if len(row) == 2 {
			rep.Buttons = append(rep.Buttons, row)
			row = nil
		}
	}
	if row != nil {
		rep.Buttons = append(rep.Buttons, row)
	}
	return rep
}

func (e *Engine) roleReply(r *Request, edit bool) Reply {
	return Reply{
		Title: e.text.Text(r.Lang, "ChooseRole", nil),
		Text:  e.text.Text(r.Lang, "ChooseRoleWhy", nil),
		Edit:  edit,
		Buttons: [][]Button{
			{e.button(r.Lang, "RoleWorker", Press{Action: ActRole, Arg: string(RoleWorker)})},
			{e.button(r.Lang, "RoleOfficial", Press{Action: ActRole, Arg: string(RoleOfficial)})},
		},
	}
}

// chooseLang stores the language; a new person is asked their role next.
func (e *Engine) chooseLang(ctx context.Context, r *Request, lang string) error {
	if SupportedLang(lang) != lang {
		return e.stale(ctx, r)
	}
	r.Session.Lang, r.Lang = lang, lang
	if err := e.syncSubscription(ctx, r); err != nil {
		return fmt.Errorf("choose language: %w", err)
	}
	if e.reminders != nil {
		if err := e.reminders.SetLang(ctx, r.Event.ChatID, lang); err != nil {
			return fmt.Errorf("choose language: %w", err)
		}
	}
	if r.Session.Role == RoleUnknown {
		r.Session.State = StateChooseRole
		r.Reply(e.roleReply(r, true))
		return nil
	}
	r.Session.State = StateNone
	return e.showPage(r, r.currentPage(), true)
}

func (e *Engine) chooseRole(ctx context.Context, r *Request, arg string) error {
	role := Role(0)
	if len(arg) == 1 {
		role = Role(arg[0])
	}
	if role != RoleWorker && role != RoleOfficial || r.Session.IsNew() {
		return e.stale(ctx, r)
	}
	onboarding := r.Session.Role == RoleUnknown
	r.Session.Role = role
	r.Session.State = StateNone
	r.Session.Back = nil
	r.Session.Page = RootPage
	if err := e.syncSubscription(ctx, r); err != nil {
		return fmt.Errorf("choose role: %w", err)
	}
	r.Reply(e.pageReply(r, RootPage, true))
	if onboarding && e.subs != nil {
		r.Reply(e.updatesOffer(r.Lang))
	}
	return nil
}
