package flows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// talkOffered reports whether "talk to a person" is set up.
func (e *Engine) talkOffered() bool { return e.cases != nil && e.staff.id != 0 }

// talk handles the handover buttons of the person's side.
func (e *Engine) talk(ctx context.Context, r *Request, arg string) error {
	if !e.talkOffered() {
		return e.stale(ctx, r)
	}
	verb, value := cutArg(arg)
	id, _ := strconv.ParseInt(value, 10, 64)
	switch verb {
	case "start":
		return e.startTalk(r)
	case "reply":
		return e.resumeTalk(ctx, r, id)
	case "end":
		return e.endTalk(ctx, r, id)
	}
	return e.stale(ctx, r)
}

func (e *Engine) startTalk(r *Request) error {
	r.Session.State, r.Session.Data = StateTalk, ""
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "TalkTitle", nil),
		Text:  e.text.Text(r.Lang, "TalkIntro", nil),
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnTalkCancel", Press{Action: ActTalk, Arg: "end-0"})},
			{e.button(r.Lang, "BtnHelp", Press{Action: ActOpen, Arg: helpSection})},
		},
	})
	return nil
}

// ownCase returns the case if it is open and belongs to the person's chat.
func (e *Engine) ownCase(ctx context.Context, r *Request, id int64) (Case, bool, error) {
	if id <= 0 {
		return Case{}, false, nil
	}
	c, err := e.cases.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, fmt.Errorf("load case %d: %w", id, err)
	}
	return c, c.Open && c.ChatID == r.Event.ChatID, nil
}

func (e *Engine) resumeTalk(ctx context.Context, r *Request, id int64) error {
	c, ok, err := e.ownCase(ctx, r, id)
	if err != nil {
		return err
	}
	if !ok {
		return e.talkGone(r)
	}
	r.Session.State, r.Session.Data = StateTalk, strconv.FormatInt(c.ID, 10)
	r.Reply(Reply{Text: e.text.Text(r.Lang, "TalkReplyPrompt", nil), Buttons: e.talkButtons(r.Lang, c.ID)})
	return nil
}

// endTalk closes the person's case (id 0: the one they are writing to) and
// tells staff.
func (e *Engine) endTalk(ctx context.Context, r *Request, id int64) error {
	if id == 0 {
		id, _ = strconv.ParseInt(r.Session.Data, 10, 64)
	}
	if r.Session.State == StateTalk {
		r.Session.State, r.Session.Data = StateNone, ""
	}
	c, ok, err := e.ownCase(ctx, r, id)
	if err != nil {
		return err
	}
	if ok {
		if err := e.cases.Close(ctx, c.ID); err != nil {
			return fmt.Errorf("close case %d: %w", c.ID, err)
		}
		r.Reply(Reply{ChatID: e.staff.id, Text: e.text.Text(e.staff.lang, "CaseClosedByPerson", map[string]any{"Case": c.ID})})
	}
	return e.withNote(r, "TalkEnded")
}

func (e *Engine) talkGone(r *Request) error {
	r.Session.State, r.Session.Data = StateNone, ""
	r.Reply(Reply{
		Text: e.text.Text(r.Lang, "TalkClosed", nil),
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnTalk", Press{Action: ActTalk, Arg: "start"})},
			{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})},
		},
	})
	return nil
}

func (e *Engine) talkButtons(lang string, id int64) [][]Button {
	return [][]Button{
		{e.button(lang, "BtnTalkEnd", Press{Action: ActTalk, Arg: "end-" + strconv.FormatInt(id, 10)})},
		{e.button(lang, "BtnMenu", Press{Action: ActMenu})},
	}
}

// talkText sends what the person typed to the staff chat under the case
// number, with their language and page and nothing that identifies them.
func (e *Engine) talkText(ctx context.Context, r *Request) error {
	c, err := e.talkCase(ctx, r)
	if err != nil {
		return err
	}
	if c.ID == 0 {
		return e.talkGone(r)
	}
	if err := e.cases.Touch(ctx, c.ID); err != nil {
		return fmt.Errorf("touch case %d: %w", c.ID, err)
	}
	r.Session.Data = strconv.FormatInt(c.ID, 10)
	r.Reply(Reply{ChatID: e.staff.id, Text: e.caseHeader(c) + "\n\n" + r.Event.Text})
	r.Reply(Reply{Text: e.text.Text(r.Lang, "TalkSent", map[string]any{"Case": c.ID}), Buttons: e.talkButtons(r.Lang, c.ID)})
	return nil
}

// talkCase is the case the person writes to: the one in the session while
// it is open, or a new one for a first message. A zero Case means the
// person's case was closed meanwhile.
func (e *Engine) talkCase(ctx context.Context, r *Request) (Case, error) {
	if id, err := strconv.ParseInt(r.Session.Data, 10, 64); err == nil {
		c, ok, err := e.ownCase(ctx, r, id)
		if err != nil || !ok {
			return Case{}, err
		}
		return c, nil
	}
	c, err := e.cases.Open(ctx, r.Event.ChatID, r.Lang, r.currentPage())
	if err != nil {
		return Case{}, fmt.Errorf("open case: %w", err)
	}
	return c, nil
}

// caseHeader is the first line staff see: case number, language, page.
func (e *Engine) caseHeader(c Case) string {
	title, _ := e.catalog.Text(c.Page, e.staff.lang)
	return e.text.Text(e.staff.lang, "CaseHeader", map[string]any{
		"Case": c.ID, "Language": e.text.Text(c.Lang, "LanguageName", nil), "Page": title})
}

// talkOther answers a photo, sticker or voice sent while talking to staff.
func (e *Engine) talkOther(_ context.Context, r *Request) error {
	id, _ := strconv.ParseInt(r.Session.Data, 10, 64)
	r.Reply(Reply{Text: e.text.Text(r.Lang, "TalkTextOnly", nil), Buttons: e.talkButtons(r.Lang, id)})
	return nil
}

func isStaffChat(e *Engine) func(*Request) bool {
	return func(r *Request) bool { return e.staff.id != 0 && r.Event.ChatID == e.staff.id }
}

// caseRef finds the case number in the bot message a staff member answers.
var caseRef = regexp.MustCompile(`#(\d+)`)

// staffChatEvent handles the staff chat: answers to case messages go to
// the person, /close closes a case, /stats works; anything else there is
// staff talking among themselves and is left alone. Only staff are heard.
func (e *Engine) staffChatEvent(ctx context.Context, r *Request) error {
	r.Lang = e.staff.lang
	ev := r.Event
	isCommand := ev.Kind == KindCommand && (ev.Command == "close" || ev.Command == "stats")
	isAnswer := ev.Kind == KindText && ev.ReplyToText != ""
	if e.cases == nil || !isCommand && !isAnswer {
		return nil // staff talking among themselves: no need to ask the roster
	}
	ok, err := e.isStaff(ctx, r)
	if err != nil || !ok {
		return err
	}
	switch {
	case ev.Kind == KindCommand && ev.Command == "close":
		id, err := strconv.ParseInt(ev.Text, 10, 64)
		if err != nil {
			id = refCase(ev.ReplyToText)
		}
		return e.staffClose(ctx, r, id)
	case ev.Kind == KindCommand && ev.Command == "stats":
		return e.stats(ctx, r)
	case ev.Kind == KindText && ev.ReplyToText != "":
		return e.staffAnswer(ctx, r, refCase(ev.ReplyToText))
	}
	return nil
}

func refCase(text string) int64 {
	m := caseRef.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// openCase returns an open case, or tells staff it is closed or unknown.
func (e *Engine) openCase(ctx context.Context, r *Request, id int64) (Case, bool, error) {
	if id == 0 {
		return Case{}, false, nil
	}
	c, err := e.cases.Get(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Case{}, false, fmt.Errorf("load case %d: %w", id, err)
	}
	if err != nil || !c.Open {
		r.Reply(Reply{Text: e.text.Text(r.Lang, "CaseGone", map[string]any{"Case": id})})
		return Case{}, false, nil
	}
	return c, true, nil
}

// staffAnswer delivers a staff member's answer to the person, in a message
// that shows no staff name either.
func (e *Engine) staffAnswer(ctx context.Context, r *Request, id int64) error {
	c, ok, err := e.openCase(ctx, r, id)
	if err != nil || !ok {
		return err
	}
	if err := e.cases.Touch(ctx, c.ID); err != nil {
		return fmt.Errorf("touch case %d: %w", c.ID, err)
	}
	r.Reply(Reply{
		ChatID: c.ChatID,
		Title:  e.text.Text(c.Lang, "TalkAnswerTitle", map[string]any{"Case": c.ID}),
		Text:   r.Event.Text,
		Buttons: [][]Button{
			{e.button(c.Lang, "BtnTalkReply", Press{Action: ActTalk, Arg: "reply-" + strconv.FormatInt(c.ID, 10)})},
			{e.button(c.Lang, "BtnTalkEnd", Press{Action: ActTalk, Arg: "end-" + strconv.FormatInt(c.ID, 10)})},
		},
	})
	r.Reply(Reply{Text: e.text.Text(r.Lang, "CaseDelivered", map[string]any{"Case": c.ID})})
	return nil
}

func (e *Engine) staffClose(ctx context.Context, r *Request, id int64) error {
	c, ok, err := e.openCase(ctx, r, id)
	if err != nil || !ok {
		if id == 0 {
			r.Reply(Reply{Text: e.text.Text(r.Lang, "CloseUsage", nil)})
		}
		return err
	}
	if err := e.cases.Close(ctx, c.ID); err != nil {
		return fmt.Errorf("close case %d: %w", c.ID, err)
	}
	r.Reply(Reply{
		ChatID: c.ChatID,
		Text:   e.text.Text(c.Lang, "TalkClosedByStaff", nil),
		Buttons: [][]Button{
			{e.button(c.Lang, "BtnTalk", Press{Action: ActTalk, Arg: "start"})},
			{e.button(c.Lang, "BtnMenu", Press{Action: ActMenu})},
		},
	})
	r.Reply(Reply{Text: e.text.Text(r.Lang, "CaseClosed", map[string]any{"Case": c.ID})})
	return nil
}
