package flows

import (
	"context"
	"strconv"
)

// checklistHome is the handbook page that offers the checklist besides the
// main menu.
const checklistHome = "pre"

// checklistCommand is /checklist: the checklist as a new message.
func (e *Engine) checklistCommand(ctx context.Context, r *Request) error {
	cl := e.checklist(r.Lang)
	if cl == nil {
		return e.unknownCommand(ctx, r)
	}
	r.Reply(e.checklistReply(r, cl, false))
	return nil
}

func (e *Engine) checklist(lang string) *Checklist {
	if e.tools == nil {
		return nil
	}
	return e.tools.Checklist(lang)
}

// checklistPress handles the checklist's buttons. Each edits the checklist
// message in place, but for "o-<page>", which sends the page as a new
// message so that the checklist stays on screen above it.
func (e *Engine) checklistPress(ctx context.Context, r *Request, arg string) error {
	cl := e.checklist(r.Lang)
	if cl == nil {
		return e.stale(ctx, r)
	}
	verb, value := cutArg(arg)
	switch {
	case arg == "v":
		r.Reply(e.checklistReply(r, cl, true))
	case arg == "i":
		r.Reply(e.checklistInfoReply(r, cl))
	case verb == "t" && checklistHas(cl, value):
		bit, _ := strconv.Atoi(value)
		r.Session.Checklist ^= 1 << bit
		r.Reply(e.checklistReply(r, cl, true))
	case verb == "o":
		return e.openAside(ctx, r, value)
	case arg == "r":
		r.Reply(e.checklistResetQuestion(r))
	case arg == "r-y":
		r.Session.Checklist = 0
		r.Reply(e.checklistReply(r, cl, true))
	default:
		return e.stale(ctx, r)
	}
	return nil
}

// checklistHas reports whether value is the bit of one of the items.
func checklistHas(cl *Checklist, value string) bool {
	bit, err := strconv.Atoi(value)
	if err != nil || strconv.Itoa(bit) != value {
		return false
	}
	for _, it := range cl.Items {
		if it.Bit == bit {
			return true
		}
	}
	return false
}

func ticked(s Session, it ChecklistItem) bool { return s.Checklist&(1<<it.Bit) != 0 }

// checklistReply shows every item as a button that ticks or unticks it.
func (e *Engine) checklistReply(r *Request, cl *Checklist, edit bool) Reply {
	done := 0
	rep := Reply{Title: cl.Title, Edit: edit}
	for _, it := range cl.Items {
		box := "⬜ "
		if ticked(r.Session, it) {
			box = "✅ "
			done++
		}
		rep.Buttons = append(rep.Buttons, []Button{{Text: box + it.Label, Data: checklistPress("t-" + strconv.Itoa(it.Bit))}})
	}
	rep.Text = cl.Intro + "\n\n" + e.text.Text(r.Lang, "ChecklistHow", nil) + "\n\n" +
		e.text.Text(r.Lang, "ChecklistProgress", map[string]any{"Done": done, "Total": len(cl.Items)})
	rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "BtnChecklistInfo", Press{Action: ActChecklist, Arg: "i"})})
	last := []Button{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})}
	if done > 0 {
		last = append([]Button{e.button(r.Lang, "BtnChecklistReset", Press{Action: ActChecklist, Arg: "r"})}, last...)
	}
	rep.Buttons = append(rep.Buttons, last)
	return rep
}

// checklistInfoReply shows the same items as buttons that open their pages.
func (e *Engine) checklistInfoReply(r *Request, cl *Checklist) Reply {
	rep := Reply{Title: cl.Title, Text: cl.Intro + "\n\n" + e.text.Text(r.Lang, "ChecklistInfoHow", nil), Edit: true}
	for _, it := range cl.Items {
		rep.Buttons = append(rep.Buttons, []Button{{Text: "ℹ️ " + it.Label, Data: checklistPress("o-" + it.Page)}})
	}
	rep.Buttons = append(rep.Buttons, []Button{
		e.button(r.Lang, "BtnChecklistTick", Press{Action: ActChecklist, Arg: "v"}),
		e.button(r.Lang, "BtnMenu", Press{Action: ActMenu}),
	})
	return rep
}

// checklistResetQuestion asks before unticking everything: ticks are the
// person's own work, and a slip of the finger must not lose them.
func (e *Engine) checklistResetQuestion(r *Request) Reply {
	return Reply{
		Text: e.text.Text(r.Lang, "ChecklistResetQuestion", nil),
		Edit: true,
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnChecklistResetYes", Press{Action: ActChecklist, Arg: "r-y"})},
			{e.button(r.Lang, "BtnChecklistResetNo", Press{Action: ActChecklist, Arg: "v"})},
		},
	}
}

func checklistPress(arg string) string { return Press{Action: ActChecklist, Arg: arg}.Encode() }
