package flows

import (
	"context"
	"fmt"
)

// privacy is /privacy: what the bot keeps, in short, with the way to delete it.
func (e *Engine) privacy(_ context.Context, r *Request) error {
	text := e.text.Text(r.Lang, "PrivacyText", nil)
	if e.reminders != nil {
		text += "\n\n" + e.text.Text(r.Lang, "PrivacyReminders", nil)
	}
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "PrivacyTitle", nil),
		Text:  text,
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnForget", Press{Action: ActForget, Arg: "ask"})},
			{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})},
		},
	})
	return nil
}

// forgetCommand is /forget: it asks before deleting anything.
func (e *Engine) forgetCommand(_ context.Context, r *Request) error {
	r.Reply(e.forgetQuestion(r))
	return nil
}

func (e *Engine) forgetQuestion(r *Request) Reply {
	text := e.text.Text(r.Lang, "ForgetQuestion", nil)
	if e.reminders != nil {
		text += " " + e.text.Text(r.Lang, "ForgetAlsoReminders", nil)
	}
	return Reply{
		Title: e.text.Text(r.Lang, "ForgetTitle", nil),
		Text:  text,
		Edit:  r.Event.Kind == KindButton,
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnForgetYes", Press{Action: ActForget, Arg: "yes"})},
			{e.button(r.Lang, "BtnForgetNo", Press{Action: ActMenu})},
		},
	}
}

// forget handles the delete-my-data buttons.
func (e *Engine) forget(ctx context.Context, r *Request, arg string) error {
	switch arg {
	case "ask":
		r.Reply(e.forgetQuestion(r))
		return nil
	case "yes":
		return e.forgetAll(ctx, r)
	}
	return e.stale(ctx, r)
}

// forgetAll deletes everything kept about the chat: subscription, handover
// cases, a broadcast draft, reminders, relayed replies kept for a resend,
// and (when the request ends) the session.
func (e *Engine) forgetAll(ctx context.Context, r *Request) error {
	chat := r.Event.ChatID
	if e.subs != nil {
		if err := e.subs.Unsubscribe(ctx, chat); err != nil {
			return fmt.Errorf("forget chat %d: %w", chat, err)
		}
	}
	if e.cases != nil {
		if err := e.cases.Forget(ctx, chat); err != nil {
			return fmt.Errorf("forget chat %d: %w", chat, err)
		}
	}
	if e.drafts != nil {
		if err := e.drafts.DeleteDraft(ctx, chat); err != nil {
			return fmt.Errorf("forget chat %d: %w", chat, err)
		}
	}
	if e.reminders != nil {
		if err := e.reminders.Forget(ctx, chat); err != nil {
			return fmt.Errorf("forget chat %d: %w", chat, err)
		}
	}
	if e.outbox != nil {
		if err := e.outbox.Forget(ctx, chat); err != nil {
			return fmt.Errorf("forget chat %d: %w", chat, err)
		}
	}
	r.forget = true
	r.Reply(Reply{Text: e.text.Text(r.Lang, "ForgetDone", nil), Edit: r.Event.Kind == KindButton})
	return nil
}
