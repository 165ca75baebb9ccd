package flows

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// staffCommands are the commands only staff may run; to anyone else they
// are unknown commands.
var staffCommands = map[string]func(e *Engine, ctx context.Context, r *Request) error{
	"broadcast": (*Engine).broadcastCommand,
	"stats":     (*Engine).stats,
	"staff":     (*Engine).staffList,
	"link":      (*Engine).linkCommand,
}

func isStaffCommand(r *Request) bool {
	_, ok := staffCommands[r.Event.Command]
	return r.Event.Kind == KindCommand && ok
}

// isStaff asks the roster now: a removal takes effect at the next action.
func (e *Engine) isStaff(ctx context.Context, r *Request) (bool, error) {
	if e.roster == nil || r.Event.UserID == 0 {
		return false, nil
	}
	ok, err := e.roster.IsStaff(ctx, r.Event.UserID)
	if err != nil {
		return false, fmt.Errorf("check staff role: %w", err)
	}
	return ok, nil
}

// staffCommand runs a staff command for staff; everyone else gets the
// unknown-command answer, so the command's existence is not revealed.
func (e *Engine) staffCommand(ctx context.Context, r *Request) error {
	ok, err := e.isStaff(ctx, r)
	if err != nil {
		return err
	}
	if !ok {
		return e.unknownCommand(ctx, r)
	}
	return staffCommands[r.Event.Command](e, ctx, r)
}

// staffList is /staff, /staff add <id>, /staff remove <id>.
func (e *Engine) staffList(ctx context.Context, r *Request) error {
	verb, arg, _ := strings.Cut(strings.TrimSpace(r.Event.Text), " ")
	if verb == "" {
		return e.showStaff(ctx, r, "")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil || id <= 0 || (verb != "add" && verb != "remove") {
		return e.showStaff(ctx, r, e.text.Text(r.Lang, "StaffUsage", nil))
	}
	if verb == "add" {
		err = e.roster.Add(ctx, r.Event.UserID, id)
	} else {
		err = e.roster.Remove(ctx, r.Event.UserID, id)
	}
	switch {
	case errors.Is(err, ErrFixedStaff):
		return e.showStaff(ctx, r, e.text.Text(r.Lang, "StaffFixed", map[string]any{"User": id}))
	case err != nil:
		return fmt.Errorf("change staff: %w", err)
	}
	return e.showStaff(ctx, r, e.text.Text(r.Lang, "StaffChanged", nil))
}

func (e *Engine) showStaff(ctx context.Context, r *Request, note string) error {
	members, err := e.roster.List(ctx)
	if err != nil {
		return fmt.Errorf("list staff: %w", err)
	}
	var b strings.Builder
	for _, m := range members {
		b.WriteString("• " + strconv.FormatInt(m.UserID, 10))
		if m.Fixed {
			b.WriteString(" " + e.text.Text(r.Lang, "StaffFixedMark", nil))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + e.text.Text(r.Lang, "StaffUsage", nil))
	r.Reply(Reply{Note: note, Title: e.text.Text(r.Lang, "StaffTitle", nil), Text: b.String()})
	return nil
}

// minShown hides small counts in breakdowns: a "1" next to a rare language
// and country could point at one person.
const minShown = 5

func shown(n int) string {
	if n > 0 && n < minShown {
		return "<" + strconv.Itoa(minShown)
	}
	return strconv.Itoa(n)
}

// stats is /stats: counts only, each from its own store; a store that is
// not configured is left out.
func (e *Engine) stats(ctx context.Context, r *Request) error {
	lang := r.Lang
	var parts []string
	if e.insights != nil {
		rep, err := e.insights.Report(ctx, DayOf(e.now()))
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		parts = append(parts, e.activityStats(lang, rep), e.contentStats(lang, rep))
	}
	if e.feedback != nil {
		votes, err := e.feedback.Votes(ctx)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		parts = append(parts, e.feedbackStats(lang, votes))
	}
	if e.subs != nil {
		c, err := e.subs.Count(ctx, Audience{})
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		parts = append(parts, e.subscriberStats(lang, c))
	}
	if e.bcasts != nil {
		recent, err := e.bcasts.Recent(ctx, 5)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		parts = append(parts, e.broadcastStats(lang, recent))
	}
	if e.cases != nil {
		n, err := e.cases.OpenCount(ctx)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		parts = append(parts, e.text.Text(lang, "StatsOpenCases", map[string]any{"Count": n}))
	}
	r.Reply(Reply{Title: e.text.Text(lang, "StatsTitle", nil), Text: strings.Join(parts, "\n\n")})
	return nil
}

func (e *Engine) activityStats(lang string, rep InsightReport) string {
	lines := []string{
		e.text.Text(lang, "StatsActive", map[string]any{"Week": rep.Active7, "Month": rep.Active30}),
		e.text.Text(lang, "StatsByLang", nil) + " " + e.breakdown(rep.ByLang, func(k string) string { return e.text.Text(k, "LanguageName", nil) }),
		e.text.Text(lang, "StatsByRole", nil) + " " + e.breakdown(rep.ByRole, func(k string) string { return e.roleName(lang, Role(k[0])) }),
		e.text.Text(lang, "StatsByCountry", nil) + " " + e.breakdown(rep.ByCountry, func(k string) string { return e.countryName(lang, strings.Trim(k, "-")) }),
	}
	return strings.Join(lines, "\n")
}

// breakdown writes "name 12 · name <5", largest first, leaving out zeros.
func (e *Engine) breakdown(counts []Count, name func(key string) string) string {
	var out []string
	for _, c := range sorted(counts) {
		if c.N > 0 && c.Key != "" {
			out = append(out, name(c.Key)+" "+shown(c.N))
		}
	}
	if len(out) == 0 {
		return "–"
	}
	return strings.Join(out, " · ")
}

func sorted(counts []Count) []Count {
	out := append([]Count(nil), counts...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].N > out[j].N })
	return out
}

func (e *Engine) contentStats(lang string, rep InsightReport) string {
	var b strings.Builder
	b.WriteString(e.text.Text(lang, "StatsTopPages", nil))
	for i, c := range rep.TopPages {
		title, _ := e.catalog.Text(c.Key, lang)
		fmt.Fprintf(&b, "\n%d. %s (%d)", i+1, title, c.N)
	}
	b.WriteString("\n\n" + e.text.Text(lang, "StatsUnanswered", nil))
	for _, c := range rep.Unanswered {
		fmt.Fprintf(&b, "\n• %s (%d)", c.Key, c.N)
	}
	if len(rep.Unanswered) == 0 {
		b.WriteString("\n–")
	}
	return b.String()
}

func (e *Engine) subscriberStats(lang string, c AudienceCount) string {
	var byLang, byCountry []Count
	for k, n := range c.ByLang {
		byLang = append(byLang, Count{Key: k, N: n})
	}
	for k, n := range c.ByCountry {
		byCountry = append(byCountry, Count{Key: k, N: n})
	}
	sort.Slice(byLang, func(i, j int) bool { return byLang[i].Key < byLang[j].Key })
	sort.Slice(byCountry, func(i, j int) bool { return byCountry[i].Key < byCountry[j].Key })
	return e.text.Text(lang, "StatsSubscribers", map[string]any{"Count": c.Total}) + "\n" +
		e.text.Text(lang, "StatsByLang", nil) + " " + e.breakdown(byLang, func(k string) string { return e.text.Text(k, "LanguageName", nil) }) + "\n" +
		e.text.Text(lang, "StatsByCountry", nil) + " " + e.breakdown(byCountry, func(k string) string { return e.countryName(lang, k) })
}

func (e *Engine) broadcastStats(lang string, recent []BroadcastStatus) string {
	var b strings.Builder
	b.WriteString(e.text.Text(lang, "StatsBroadcasts", nil))
	for _, st := range recent {
		b.WriteString("\n• " + e.text.Text(lang, "StatsBroadcastLine", map[string]any{
			"ID": st.ID, "State": e.stateName(lang, st.State), "Date": st.Created.In(Bangkok).Format("2006-01-02 15:04"),
			"Sent": st.Sent, "Failed": st.Failed, "Total": st.Total,
		}))
	}
	if len(recent) == 0 {
		b.WriteString("\n–")
	}
	return b.String()
}

func (e *Engine) stateName(lang string, s BroadcastState) string {
	switch s {
	case BroadcastScheduled:
		return e.text.Text(lang, "StateScheduled", nil)
	case BroadcastRunning:
		return e.text.Text(lang, "StateRunning", nil)
	case BroadcastCancelled:
		return e.text.Text(lang, "StateCancelled", nil)
	}
	return e.text.Text(lang, "StateDone", nil)
}
