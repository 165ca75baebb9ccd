package flows

import (
	"context"
	"strings"
)

// jobCheckHome is the handbook page that offers the job-offer check besides
// the main menu.
const jobCheckHome = "pre.joboffer"

// The job-offer check keeps nothing: each button carries the answers given
// so far, one digit per question ("a" + answers shows the next question, or
// the result once every question is answered; "u" + answers lists the
// result's sources), so an old or forwarded message still works.

// jobCheckCommand is /jobcheck: the first question as a new message.
func (e *Engine) jobCheckCommand(ctx context.Context, r *Request) error {
	jc := e.jobCheck(r.Lang)
	if jc == nil {
		return e.unknownCommand(ctx, r)
	}
	r.Reply(e.jobQuestionReply(r, jc, ""))
	return nil
}

func (e *Engine) jobCheck(lang string) *JobCheck {
	if e.tools == nil {
		return nil
	}
	return e.tools.JobCheck(lang)
}

func jobCheckPress(arg string) string { return Press{Action: ActJobCheck, Arg: arg}.Encode() }

// jobCheckPress handles the check's buttons; answers that do not fit the
// questions (forged, or from before the questions changed) are stale.
func (e *Engine) jobCheckPress(ctx context.Context, r *Request, arg string) error {
	jc := e.jobCheck(r.Lang)
	if jc == nil {
		return e.stale(ctx, r)
	}
	if page, ok := strings.CutPrefix(arg, "o-"); ok {
		return e.openAside(ctx, r, page)
	}
	answers := arg[1:]
	if !validAnswers(jc, answers) {
		return e.stale(ctx, r)
	}
	complete := len(answers) == len(jc.Questions)
	switch {
	case arg[0] == 'a' && !complete:
		r.Reply(e.jobQuestionReply(r, jc, answers))
	case arg[0] == 'a':
		r.Reply(e.jobResultReply(r, jc, answers))
	case arg[0] == 'u' && complete:
		r.Reply(e.jobSourcesReply(r, jc, answers))
	default:
		return e.stale(ctx, r)
	}
	return nil
}

// validAnswers: one digit per question answered, each one of its answers.
func validAnswers(jc *JobCheck, answers string) bool {
	if len(answers) > len(jc.Questions) {
		return false
	}
	for i := 0; i < len(answers); i++ {
		n := int(answers[i]) - '0'
		if n < 0 || n >= len(jc.Questions[i].Answers) {
			return false
		}
	}
	return true
}

// jobQuestionReply asks the next question, after the introduction on the
// first one, with a button per answer.
func (e *Engine) jobQuestionReply(r *Request, jc *JobCheck, answers string) Reply {
	n := len(answers)
	q := jc.Questions[n]
	var b strings.Builder
	if n == 0 {
		b.WriteString(jc.Intro + "\n" + e.text.Text(r.Lang, "JobCheckHow", nil) + "\n\n")
	}
	b.WriteString(e.text.Text(r.Lang, "JobQuestionOf", map[string]any{"N": n + 1, "Total": len(jc.Questions)}))
	b.WriteString("\n" + q.Text)
	rep := Reply{Title: jc.Title, Text: b.String(), Edit: r.Event.Kind == KindButton}
	for i, a := range q.Answers {
		rep.Buttons = append(rep.Buttons, []Button{{Text: a.Label, Data: jobCheckPress("a" + answers + string(rune('0'+i)))}})
	}
	var nav []Button
	if n > 0 {
		nav = append(nav, Button{Text: e.text.Text(r.Lang, "BtnPrev", nil), Data: jobCheckPress("a" + answers[:n-1])})
	}
	rep.Buttons = append(rep.Buttons, append(nav, e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})))
	return rep
}

// raisedFlags are the red flags the answers raise, in the check's order.
func raisedFlags(jc *JobCheck, answers string) []RedFlag {
	raised := map[string]bool{}
	for i := 0; i < len(answers); i++ {
		for _, f := range jc.Questions[i].Answers[answers[i]-'0'].Flags {
			raised[f] = true
		}
	}
	var out []RedFlag
	for _, f := range jc.Flags {
		if raised[f.ID] {
			out = append(out, f)
		}
	}
	return out
}

// jobResultReply explains each red flag found, with its sources and review
// date, and offers the pages to read and the help to call: the help pages
// first (they carry the hotlines), then the person's own country's, then
// the pages that explain.
func (e *Engine) jobResultReply(r *Request, jc *JobCheck, answers string) Reply {
	flags := raisedFlags(jc, answers)
	var b strings.Builder
	var helps, reads []string
	if len(flags) == 0 {
		b.WriteString(e.text.Text(r.Lang, "JobNoFlags", nil) + "\n\n" + jc.Clear.Text + "\n" + e.jobSource(r.Lang, jc.Clear))
		helps, reads = []string{jc.Clear.Help}, []string{jc.Clear.Page}
	} else {
		b.WriteString(e.text.Text(r.Lang, "JobFlagsFound", map[string]any{"Count": len(flags)}))
		for _, f := range flags {
			b.WriteString("\n\n🚩 " + f.Title + "\n" + f.Text + "\n" + e.jobSource(r.Lang, f.Finding))
			helps, reads = append(helps, f.Help), append(reads, f.Page)
		}
		b.WriteString("\n\n" + e.text.Text(r.Lang, "JobReadMore", nil))
	}
	if country := r.Session.Country; country != "" {
		helps = append(helps, helpSection+"."+country)
	}
	rep := Reply{Title: jc.Title, Text: b.String(), Edit: true}
	seen := map[string]bool{}
	for _, id := range append(append(helps, helpSection), reads...) {
		if _, ok := e.catalog.Page(id); ok && !seen[id] {
			seen[id] = true
			title, _ := e.catalog.Text(id, r.Lang)
			rep.Buttons = append(rep.Buttons, []Button{{Text: "↪ " + title, Data: jobCheckPress("o-" + id)}})
		}
	}
	rep.Buttons = append(rep.Buttons,
		[]Button{e.button(r.Lang, "BtnJobAgain", Press{Action: ActJobCheck, Arg: "a"}),
			e.button(r.Lang, "BtnSources", Press{Action: ActJobCheck, Arg: "u" + answers})},
		[]Button{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})})
	return rep
}

// jobSource names a finding's sources and the day they were checked.
func (e *Engine) jobSource(lang string, f Finding) string {
	notes := make([]string, 0, len(f.Sources))
	for _, s := range f.Sources {
		notes = append(notes, s.Note)
	}
	return e.text.Text(lang, "JobSource", map[string]any{"Sources": strings.Join(notes, "; "), "Date": f.Reviewed})
}

// jobSourcesReply lists the sources of a result in full, with their links.
func (e *Engine) jobSourcesReply(r *Request, jc *JobCheck, answers string) Reply {
	findings := []Finding{jc.Clear}
	if flags := raisedFlags(jc, answers); len(flags) > 0 {
		findings = findings[:0]
		for _, f := range flags {
			findings = append(findings, f.Finding)
		}
	}
	var parts []string
	count := 0
	for _, f := range findings {
		head := "✅ " + e.text.Text(r.Lang, "JobReviewed", map[string]any{"Date": f.Reviewed})
		if f.Title != "" {
			head = "🚩 " + f.Title + " — " + e.text.Text(r.Lang, "JobReviewed", map[string]any{"Date": f.Reviewed})
		}
		lines := []string{head}
		for _, s := range f.Sources {
			lines = append(lines, "• "+s.Note+"\n"+s.URL)
			count++
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	return Reply{
		Title: e.text.Text(r.Lang, "SourcesTitle", map[string]any{"Count": count, "Page": jc.Title}),
		Text:  strings.Join(parts, "\n\n"),
		Edit:  true,
		Buttons: [][]Button{{
			e.button(r.Lang, "BtnBack", Press{Action: ActJobCheck, Arg: "a" + answers}),
			e.button(r.Lang, "BtnMenu", Press{Action: ActMenu}),
		}},
	}
}
