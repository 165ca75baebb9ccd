package flows

import (
	"context"
	"strings"
)

// helpSection is the page always one press away.
const helpSection = "help"

// officialsFirst is the section officials see first in the main menu.
const officialsFirst = "mou"

func (r *Request) currentPage() string {
	if r.Session.Page == "" {
		return RootPage
	}
	return r.Session.Page
}

func (e *Engine) button(lang, msgID string, p Press) Button {
	return Button{Text: e.text.Text(lang, msgID, nil), Data: p.Encode()}
}

func (e *Engine) menu(_ context.Context, r *Request) error {
	r.Session.Back = nil
	r.Session.Page = RootPage
	r.Reply(e.pageReply(r, RootPage, r.Event.Kind == KindButton))
	return nil
}

// showPage moves the person to page id and shows it.
func (e *Engine) showPage(r *Request, id string, edit bool) error {
	if id == RootPage {
		r.Session.Back = nil
	}
	r.Session.Push(id)
	r.Reply(e.pageReply(r, id, edit))
	return nil
}

// pageReply shows a page and counts it as opened.
func (e *Engine) pageReply(r *Request, id string, edit bool) Reply {
	page, _ := e.catalog.Page(id)
	if e.insights != nil {
		e.insights.PageOpened(r.Lang, id)
	}
	return e.pageView(r, page, edit, e.voteRow(r.Lang, page))
}

// pageView renders a page: its text, a button per sub-page and related page,
// the feedback row (vote buttons, or the thanks after a vote; nil: none),
// then Sources, and Back / Main menu / Help on every page but the main menu.
func (e *Engine) pageView(r *Request, page *Page, edit bool, feedback []Button) Reply {
	id := page.ID
	title, body := e.catalog.Text(id, r.Lang)
	rep := Reply{Title: title, Text: body, Edit: edit}
	for _, child := range e.ordered(r, page) {
		rep.Buttons = append(rep.Buttons, []Button{e.pageButton(r.Lang, child, "")})
	}
	for _, see := range page.See {
		rep.Buttons = append(rep.Buttons, []Button{e.pageButton(r.Lang, see, "↪ ")})
	}
	rep.Buttons = append(rep.Buttons, e.toolButtons(r.Lang, id)...)
	if id == RootPage && e.reminders != nil {
		rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnReminders", Press{Action: ActReminder, Arg: "list"})})
	}
	if id == mouSection {
		rep.Buttons = append(rep.Buttons, e.lookupButtons(r.Lang)...)
	}
	if (id == RootPage || id == helpSection) && e.talkOffered() {
		rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnTalk", Press{Action: ActTalk, Arg: "start"})})
	}
	if id == RootPage {
		rep.Buttons = append(rep.Buttons, []Button{
			e.button(r.Lang, "BtnLanguage", Press{Action: ActLangMenu}),
			e.button(r.Lang, "BtnSettings", Press{Action: ActSettings}),
		})
		return rep
	}
	if feedback != nil {
		rep.Buttons = append(rep.Buttons, feedback)
	}
	if len(page.Sources) > 0 {
		rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnSources", Press{Action: ActSources, Arg: id})})
	}
	rep.Buttons = append(rep.Buttons, e.navRow(r.Lang, id))
	return rep
}

// ordered puts the officials' section first in the main menu for officials.
func (e *Engine) ordered(r *Request, page *Page) []string {
	if page.ID != RootPage || r.Session.Role != RoleOfficial {
		return page.Children
	}
	out := []string{officialsFirst}
	for _, c := range page.Children {
		if c != officialsFirst {
			out = append(out, c)
		}
	}
	return out
}

func (e *Engine) pageButton(lang, id, prefix string) Button {
	title, _ := e.catalog.Text(id, lang)
	return Button{Text: prefix + title, Data: Press{Action: ActOpen, Arg: id}.Encode()}
}

func (e *Engine) navRow(lang, id string) []Button {
	row := []Button{
		e.button(lang, "BtnBack", Press{Action: ActBack}),
		e.button(lang, "BtnMenu", Press{Action: ActMenu}),
	}
	if id != helpSection && !strings.HasPrefix(id, helpSection+".") {
		row = append(row, e.button(lang, "BtnHelp", Press{Action: ActOpen, Arg: helpSection}))
	}
	return row
}

// sourcesReply lists where a page's facts come from and when they were checked.
func (e *Engine) sourcesReply(r *Request, id string) Reply {
	page, _ := e.catalog.Page(id)
	title, _ := e.catalog.Text(id, r.Lang)
	var b strings.Builder
	b.WriteString(e.text.Text(r.Lang, "SourcesReviewed", map[string]any{"Date": page.Reviewed}))
	for _, s := range page.Sources {
		b.WriteString("\n\n• ")
		if s.Note != "" {
			b.WriteString(s.Note + "\n")
		}
		b.WriteString(s.URL)
	}
	return Reply{
		Title: e.text.Text(r.Lang, "SourcesTitle", map[string]any{"Count": len(page.Sources), "Page": title}),
		Text:  b.String(),
		Edit:  true,
		Buttons: [][]Button{{
			e.button(r.Lang, "BtnBack", Press{Action: ActOpen, Arg: id}),
			e.button(r.Lang, "BtnMenu", Press{Action: ActMenu}),
		}},
	}
}

func (e *Engine) help(_ context.Context, r *Request) error {
	text := e.text.Text(r.Lang, "HelpText", nil)
	if e.reminders != nil {
		text += "\n" + e.text.Text(r.Lang, "HelpReminders", nil)
	}
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "HelpTitle", nil),
		Text:  text,
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})},
			{e.button(r.Lang, "BtnHelp", Press{Action: ActOpen, Arg: helpSection})},
			{e.button(r.Lang, "BtnLanguage", Press{Action: ActLangMenu})},
		},
	})
	return nil
}
