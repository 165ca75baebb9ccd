package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// mouSection is the handbook page the officials' lookup hangs from.
const mouSection = "mou"

// lookup handles the officials' MoU procedure buttons. The buttons carry
// everything they need (corridor, step), so the lookup keeps no state of its
// own; the session stays on the MoU section page.
func (e *Engine) lookup(ctx context.Context, r *Request, p Press) error {
	if e.mou == nil {
		return e.stale(ctx, r)
	}
	var rep Reply
	var ok bool
	switch p.Action {
	case ActCorridor:
		rep, ok = e.corridorReply(r, p.Arg)
	case ActStep:
		rep, ok = e.stepReply(r, p.Arg)
	case ActWhole:
		rep, ok = e.wholeReply(r, p.Arg)
	case ActCompareMenu:
		rep, ok = e.compareMenu(r), true
	case ActCompare:
		rep, ok = e.compareReply(r, p.Arg)
	}
	if !ok {
		return e.stale(ctx, r)
	}
	if r.Session.Page != mouSection {
		r.Session.Push(mouSection)
	}
	r.Reply(rep)
	return nil
}

// lookupButtons are added to the MoU section page: a corridor each, and compare.
func (e *Engine) lookupButtons(lang string) [][]Button {
	if e.mou == nil {
		return nil
	}
	var rows [][]Button
	for _, c := range e.mou.Corridors() {
		rows = append(rows, []Button{{Text: "🪜 " + e.corridorName(lang, c), Data: Press{Action: ActCorridor, Arg: c}.Encode()}})
	}
	return append(rows, []Button{e.button(lang, "BtnCompare", Press{Action: ActCompareMenu})})
}

func (e *Engine) corridorName(lang, corridor string) string {
	return e.text.Text(lang, "Corridor"+strings.ToUpper(corridor), nil)
}

func (e *Engine) actorName(lang, actor string) string {
	return e.text.Text(lang, "Actor"+strings.ToUpper(actor[:1])+actor[1:], nil)
}

// corridorReply lists a procedure's steps, one line each, with a button per step.
func (e *Engine) corridorReply(r *Request, corridor string) (Reply, bool) {
	p, ok := e.mou.Procedure(corridor)
	if !ok {
		return Reply{}, false
	}
	var b strings.Builder
	var row []Button
	rep := Reply{Title: e.text.Text(r.Lang, "ProcedureTitle", map[string]any{"Corridor": e.corridorName(r.Lang, corridor)}), Edit: true}
	for i, s := range p.Steps {
		st := e.mou.StepText(corridor, i, r.Lang)
		fmt.Fprintf(&b, "%d. %s: %s\n", i+1, e.actorName(r.Lang, s.Actor), firstSentence(st.What))
		row = append(row, Button{Text: strconv.Itoa(i + 1), Data: stepPress(corridor, i+1)})
		if len(row) == 6 {
			rep.Buttons, row = append(rep.Buttons, row), nil
		}
	}
	if row != nil {
		rep.Buttons = append(rep.Buttons, row)
	}
	rep.Text = strings.TrimSpace(b.String())
	rep.Buttons = append(rep.Buttons,
		[]Button{e.button(r.Lang, "BtnWhole", Press{Action: ActWhole, Arg: corridor}),
			e.button(r.Lang, "BtnOverview", Press{Action: ActOpen, Arg: p.Page})},
		e.lookupNav(r.Lang))
	return rep, true
}

func stepPress(corridor string, n int) string {
	return Press{Action: ActStep, Arg: corridor + "." + strconv.Itoa(n)}.Encode()
}

func (e *Engine) lookupNav(lang string) []Button {
	return []Button{
		e.button(lang, "BtnBack", Press{Action: ActOpen, Arg: mouSection}),
		e.button(lang, "BtnMenu", Press{Action: ActMenu}),
	}
}

// stepReply shows one step in full, with previous / next and the step list.
func (e *Engine) stepReply(r *Request, arg string) (Reply, bool) {
	corridor, nStr, _ := strings.Cut(arg, ".")
	n, err := strconv.Atoi(nStr)
	p, ok := e.mou.Procedure(corridor)
	if !ok || err != nil || n < 1 || n > len(p.Steps) {
		return Reply{}, false
	}
	title := e.text.Text(r.Lang, "StepTitle", map[string]any{
		"N": n, "Total": len(p.Steps), "Corridor": e.corridorName(r.Lang, corridor)})
	rep := Reply{Title: title, Text: e.stepBody(r.Lang, p, n-1), Edit: true}
	var nav []Button
	if n > 1 {
		nav = append(nav, Button{Text: e.text.Text(r.Lang, "BtnPrev", nil), Data: stepPress(corridor, n-1)})
	}
	if n < len(p.Steps) {
		nav = append(nav, Button{Text: e.text.Text(r.Lang, "BtnNext", nil), Data: stepPress(corridor, n+1)})
	}
	rep.Buttons = append(rep.Buttons, nav,
		[]Button{e.button(r.Lang, "BtnAllSteps", Press{Action: ActCorridor, Arg: corridor})},
		e.lookupNav(r.Lang))
	return rep, true
}

// stepBody is a step in full: who acts, what happens, then each sourced field.
func (e *Engine) stepBody(lang string, p *Procedure, i int) string {
	st := e.mou.StepText(p.Corridor, i, lang)
	var b strings.Builder
	fmt.Fprintf(&b, "👤 %s\n%s", e.actorName(lang, p.Steps[i].Actor), st.What)
	for _, f := range []struct{ label, text string }{
		{"LabelDocuments", st.Documents}, {"LabelFees", st.Fees}, {"LabelTime", st.Time}, {"LabelLegal", st.Legal},
	} {
		if f.text != "" {
			fmt.Fprintf(&b, "\n\n%s: %s", e.text.Text(lang, f.label, nil), f.text)
		}
	}
	var notes []string
	for _, si := range p.Steps[i].Sources {
		if si >= 0 && si < len(p.Sources) {
			notes = append(notes, p.Sources[si].Note+" — "+p.Sources[si].URL)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, "\n\n%s:\n• %s", e.text.Text(lang, "LabelSources", nil), strings.Join(notes, "\n• "))
	}
	return b.String()
}

// wholeReply is the whole procedure as one message, to forward to a
// colleague; the renderer splits it if it is over Telegram's limit.
func (e *Engine) wholeReply(r *Request, corridor string) (Reply, bool) {
	p, ok := e.mou.Procedure(corridor)
	if !ok {
		return Reply{}, false
	}
	parts := make([]string, 0, len(p.Steps)+1)
	for i := range p.Steps {
		parts = append(parts, fmt.Sprintf("%d/%d. %s", i+1, len(p.Steps), e.stepBody(r.Lang, p, i)))
	}
	parts = append(parts, e.text.Text(r.Lang, "SourcesReviewed", map[string]any{"Date": p.Reviewed}))
	return Reply{
		Title:   e.text.Text(r.Lang, "ProcedureTitle", map[string]any{"Corridor": e.corridorName(r.Lang, corridor)}),
		Text:    strings.Join(parts, "\n\n"),
		Buttons: [][]Button{{e.button(r.Lang, "BtnAllSteps", Press{Action: ActCorridor, Arg: corridor})}, e.lookupNav(r.Lang)},
	}, true
}

func (e *Engine) compareMenu(r *Request) Reply {
	rep := Reply{Title: e.text.Text(r.Lang, "CompareTitle", nil), Text: e.text.Text(r.Lang, "CompareIntro", nil), Edit: true}
	for _, a := range Aspects {
		rep.Buttons = append(rep.Buttons, []Button{e.button(r.Lang, "Aspect"+strings.ToUpper(a[:1])+a[1:], Press{Action: ActCompare, Arg: a})})
	}
	rep.Buttons = append(rep.Buttons, e.lookupNav(r.Lang))
	return rep
}

// compareReply shows one aspect for every corridor; a corridor without a
// sourced answer says so rather than staying silent.
func (e *Engine) compareReply(r *Request, aspect string) (Reply, bool) {
	known := false
	for _, a := range Aspects {
		known = known || a == aspect
	}
	if !known {
		return Reply{}, false
	}
	var parts []string
	for _, c := range e.mou.Corridors() {
		text := e.mou.Aspect(c, aspect, r.Lang)
		if text == "" {
			text = e.text.Text(r.Lang, "NotSourced", nil)
		}
		parts = append(parts, e.corridorName(r.Lang, c)+"\n"+text)
	}
	name := e.text.Text(r.Lang, "Aspect"+strings.ToUpper(aspect[:1])+aspect[1:], nil)
	return Reply{
		Title:   name,
		Text:    strings.Join(parts, "\n\n"),
		Edit:    true,
		Buttons: [][]Button{{e.button(r.Lang, "BtnCompare", Press{Action: ActCompareMenu})}, e.lookupNav(r.Lang)},
	}, true
}

// firstSentence shortens a step's text for the step list.
func firstSentence(s string) string {
	for _, stop := range []string{". ", "。", "။ ", "។ "} {
		if i := strings.Index(s, stop); i > 0 {
			return s[:i+len(strings.TrimSpace(stop))]
		}
	}
	return s
}
