package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxBroadcastText keeps a broadcast in one Telegram message with its header.
const maxBroadcastText = 3500

// maxSchedule is how far ahead a broadcast can be scheduled.
const maxSchedule = 60 * 24 * time.Hour

// Steps of a draft that wait for typed text.
const (
	stepNone = ""
	stepOne  = "one"  // one text for everyone
	stepLang = "lang" // the text for Langs[0]
	stepWhen = "when" // the start time
)

// draft is a broadcast being composed; it lives in Drafts, not in the session.
type draft struct {
	Audience      Audience          `json:"a"`
	Texts         map[string]string `json:"t,omitempty"`
	Langs         []string          `json:"l,omitempty"` // languages still to write, in order
	Fallback      string            `json:"f,omitempty"`
	FallbackAsked bool              `json:"fa,omitempty"`
	At            time.Time         `json:"at,omitzero"`
	Step          string            `json:"s,omitempty"`
}

func (d *draft) broadcast() Broadcast {
	return Broadcast{Audience: d.Audience, Texts: d.Texts, Fallback: d.Fallback, At: d.At}
}

func (e *Engine) loadDraft(ctx context.Context, chatID int64) (*draft, error) {
	raw, err := e.drafts.LoadDraft(ctx, chatID)
	if err != nil || raw == nil {
		return nil, err
	}
	var d draft
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode draft: %w", err)
	}
	return &d, nil
}

func (e *Engine) saveDraft(ctx context.Context, chatID int64, d *draft) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	return e.drafts.SaveDraft(ctx, chatID, raw)
}

// broadcastCommand is /broadcast (staff only): a new draft, audience first.
func (e *Engine) broadcastCommand(ctx context.Context, r *Request) error {
	if e.bcasts == nil || e.drafts == nil || e.subs == nil {
		return e.unknownCommand(ctx, r)
	}
	d := &draft{}
	r.Session.State, r.Session.Data = StateCompose, ""
	return e.showAudience(ctx, r, d)
}

// staffPress handles a staff button. The role is checked first, every time:
// to anyone else the button is just an invalid one.
func (e *Engine) staffPress(ctx context.Context, r *Request, arg string) error {
	ok, err := e.isStaff(ctx, r)
	if err != nil {
		return err
	}
	if !ok || e.bcasts == nil || e.drafts == nil || e.subs == nil {
		return e.stale(ctx, r)
	}
	verb, value := cutArg(arg)
	if verb == "stop" {
		return e.cancelBroadcast(ctx, r, value)
	}
	d, err := e.loadDraft(ctx, r.Event.ChatID)
	if err != nil {
		return fmt.Errorf("staff action %q: %w", arg, err)
	}
	if d == nil {
		r.Reply(Reply{Text: e.text.Text(r.Lang, "DraftGone", nil)})
		return nil
	}
	r.Session.State = StateCompose
	return e.composeStep(ctx, r, d, verb, value)
}

// composeStep applies one button to the draft and shows what comes next.
func (e *Engine) composeStep(ctx context.Context, r *Request, d *draft, verb, value string) error {
	switch verb {
	case "aud":
		return e.showAudience(ctx, r, d)
	case "dim":
		return e.showDimension(ctx, r, d, value)
	case "l", "c", "r", "t":
		if !toggleAudience(&d.Audience, verb, value) {
			return e.stale(ctx, r)
		}
		return e.showDimension(ctx, r, d, verb)
	case "all":
		d.Audience = Audience{}
		return e.askOneText(ctx, r, d)
	case "one":
		return e.askOneText(ctx, r, d)
	case "texts":
		return e.askTexts(ctx, r, d)
	case "skip":
		if d.Step == stepLang && len(d.Langs) > 0 {
			d.Langs = d.Langs[1:]
		}
		return e.nextText(ctx, r, d)
	case "fb":
		if value != "none" && d.Texts[value] == "" {
			return e.stale(ctx, r)
		}
		d.Fallback, d.FallbackAsked = strings.TrimPrefix(value, "none"), true
		return e.preview(ctx, r, d)
	case "when":
		d.Step = stepWhen
		return e.ask(ctx, r, d, e.text.Text(r.Lang, "AskWhen", nil))
	case "now":
		d.At, d.Step = time.Time{}, stepNone
		return e.preview(ctx, r, d)
	case "send":
		return e.sendBroadcast(ctx, r, d)
	case "quit":
		return e.quitDraft(ctx, r)
	}
	return e.stale(ctx, r)
}

// composeText takes typed text for the step the draft waits on.
func (e *Engine) composeText(ctx context.Context, r *Request) error {
	ok, err := e.isStaff(ctx, r)
	if err != nil {
		return err
	}
	d, derr := e.loadDraft(ctx, r.Event.ChatID)
	if !ok || derr != nil || d == nil {
		r.Session.State = StateNone
		if derr != nil {
			return derr
		}
		return e.typed(ctx, r)
	}
	text := strings.TrimSpace(r.Event.Text)
	switch d.Step {
	case stepOne, stepLang:
		return e.takeText(ctx, r, d, text)
	case stepWhen:
		return e.takeWhen(ctx, r, d, text)
	}
	return e.ask(ctx, r, d, e.text.Text(r.Lang, "ComposeUseButtons", nil))
}

func (e *Engine) takeText(ctx context.Context, r *Request, d *draft, text string) error {
	if n := utf8.RuneCountInString(text); n == 0 || n > maxBroadcastText {
		return e.ask(ctx, r, d, e.text.Text(r.Lang, "TextTooLong", map[string]any{"Max": maxBroadcastText}))
	}
	if d.Texts == nil {
		d.Texts = map[string]string{}
	}
	if d.Step == stepOne {
		d.Texts = map[string]string{r.Lang: text}
		d.Fallback, d.FallbackAsked, d.Step = r.Lang, true, stepNone
		return e.preview(ctx, r, d)
	}
	d.Texts[d.Langs[0]] = text
	d.Langs = d.Langs[1:]
	return e.nextText(ctx, r, d)
}

func (e *Engine) takeWhen(ctx context.Context, r *Request, d *draft, text string) error {
	at, ok := parseWhen(text, e.now())
	if !ok {
		return e.ask(ctx, r, d, e.text.Text(r.Lang, "WhenInvalid", nil))
	}
	d.At, d.Step = at, stepNone
	return e.preview(ctx, r, d)
}

// parseWhen reads a Bangkok date and time between a minute and maxSchedule ahead.
func parseWhen(s string, now time.Time) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15.04", "2006-01-02T15:04", "2/1/2006 15:04"} {
		at, err := time.ParseInLocation(layout, s, Bangkok)
		if err == nil {
			ok := at.After(now.Add(time.Minute)) && at.Before(now.Add(maxSchedule))
			return at, ok
		}
	}
	return time.Time{}, false
}

// showAudience shows who the draft reaches and how the texts will be written.
func (e *Engine) showAudience(ctx context.Context, r *Request, d *draft) error {
	d.Step = stepNone
	c, err := e.subs.Count(ctx, d.Audience)
	if err != nil {
		return fmt.Errorf("count audience: %w", err)
	}
	lang := r.Lang
	rep := Reply{
		Title: e.text.Text(lang, "BroadcastNew", nil),
		Text:  e.text.Text(lang, "AudienceSummary", map[string]any{"Audience": e.describeAudience(lang, d.Audience), "Count": c.Total}),
		Edit:  r.Event.Kind == KindButton,
		Buttons: [][]Button{
			{e.staffButton(lang, "BtnEveryoneOneText", "all")},
			{e.staffButton(lang, "BtnDimLang", "dim-l"), e.staffButton(lang, "BtnDimCountry", "dim-c")},
			{e.staffButton(lang, "BtnDimRole", "dim-r"), e.staffButton(lang, "BtnDimTopic", "dim-t")},
			{e.staffButton(lang, "BtnOneText", "one"), e.staffButton(lang, "BtnTextPerLang", "texts")},
			{e.staffButton(lang, "BtnDiscard", "quit")},
		},
	}
	r.Reply(rep)
	return e.saveDraft(ctx, r.Event.ChatID, d)
}

func (e *Engine) staffButton(lang, msgID, arg string) Button {
	return e.button(lang, msgID, Press{Action: ActStaff, Arg: arg})
}

// describeAudience names an audience: "everyone", or each narrowed dimension.
func (e *Engine) describeAudience(lang string, a Audience) string {
	if a.Everyone() {
		return e.text.Text(lang, "AudienceEveryone", nil)
	}
	var parts []string
	add := func(label string, names []string) {
		if len(names) > 0 {
			parts = append(parts, label+" "+strings.Join(names, ", "))
		}
	}
	add(e.text.Text(lang, "DimLang", nil), mapNames(a.Langs, func(l string) string { return e.text.Text(l, "LanguageName", nil) }))
	add(e.text.Text(lang, "DimCountry", nil), mapNames(a.Countries, func(c string) string { return e.countryName(lang, c) }))
	add(e.text.Text(lang, "DimRole", nil), mapNames(a.Roles, func(r Role) string { return e.roleName(lang, r) }))
	add(e.text.Text(lang, "DimTopic", nil), mapNames(a.Topics, func(t Topic) string { return e.text.Text(lang, topicMessage(t), nil) }))
	return strings.Join(parts, "\n")
}

func mapNames[T any](in []T, name func(T) string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, name(v))
	}
	return out
}

// dimensionChoices lists a dimension's values as button args and labels.
func (e *Engine) dimensionChoices(lang, dim string) (args, labels []string) {
	switch dim {
	case "l":
		return Languages, mapNames(Languages, func(l string) string { return e.text.Text(l, "LanguageName", nil) })
	case "c":
		return Countries, mapNames(Countries, func(c string) string { return e.countryName(lang, c) })
	case "r":
		return []string{"w", "o"}, []string{e.roleName(lang, RoleWorker), e.roleName(lang, RoleOfficial)}
	case "t":
		args = mapNames(Topics, func(t Topic) string { return string(t) })
		return args, mapNames(Topics, func(t Topic) string { return e.text.Text(lang, topicMessage(t), nil) })
	}
	return nil, nil
}

// showDimension offers a tick box per value of one audience dimension.
func (e *Engine) showDimension(ctx context.Context, r *Request, d *draft, dim string) error {
	args, labels := e.dimensionChoices(r.Lang, dim)
	if args == nil {
		return e.stale(ctx, r)
	}
	rep := Reply{Title: e.text.Text(r.Lang, "BroadcastNew", nil), Text: e.text.Text(r.Lang, "DimensionHint", nil), Edit: true}
	for i, arg := range args {
		mark := "⬜ "
		if inAudience(d.Audience, dim, arg) {
			mark = "✅ "
		}
		rep.Buttons = append(rep.Buttons, []Button{{Text: mark + labels[i], Data: Press{Action: ActStaff, Arg: dim + "-" + arg}.Encode()}})
	}
	rep.Buttons = append(rep.Buttons, []Button{e.staffButton(r.Lang, "BtnDone", "aud")})
	r.Reply(rep)
	return e.saveDraft(ctx, r.Event.ChatID, d)
}

func inAudience(a Audience, dim, v string) bool {
	switch dim {
	case "l":
		return slices.Contains(a.Langs, v)
	case "c":
		return slices.Contains(a.Countries, v)
	case "r":
		return len(v) == 1 && slices.Contains(a.Roles, Role(v[0]))
	case "t":
		return len(v) == 1 && slices.Contains(a.Topics, Topic(v[0]))
	}
	return false
}

// toggleAudience adds or removes one value; false when the value is unknown.
func toggleAudience(a *Audience, dim, v string) bool {
	switch {
	case dim == "l" && SupportedLang(v) == v:
		a.Langs = toggle(a.Langs, v)
	case dim == "c" && slices.Contains(Countries, v):
		a.Countries = toggle(a.Countries, v)
	case dim == "r" && (v == "w" || v == "o"):
		a.Roles = toggle(a.Roles, Role(v[0]))
	case dim == "t" && len(v) == 1 && strings.Contains(AllTopics, v):
		a.Topics = toggle(a.Topics, Topic(v[0]))
	default:
		return false
	}
	return true
}

func toggle[T comparable](list []T, v T) []T {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return append(list, v)
}

func (e *Engine) askOneText(ctx context.Context, r *Request, d *draft) error {
	d.Step, d.Texts, d.Langs = stepOne, nil, nil
	return e.ask(ctx, r, d, e.text.Text(r.Lang, "AskOneText", map[string]any{"Language": e.text.Text(r.Lang, "LanguageName", nil)}))
}

// askTexts asks for a text in each language the audience reads.
func (e *Engine) askTexts(ctx context.Context, r *Request, d *draft) error {
	c, err := e.subs.Count(ctx, d.Audience)
	if err != nil {
		return fmt.Errorf("count audience: %w", err)
	}
	d.Texts, d.Fallback, d.FallbackAsked, d.Langs = map[string]string{}, "", false, nil
	for _, l := range Languages {
		if c.ByLang[l] > 0 {
			d.Langs = append(d.Langs, l)
		}
	}
	if len(d.Langs) == 0 {
		d.Langs = append(d.Langs, Languages...)
		if len(d.Audience.Langs) > 0 {
			d.Langs = append([]string(nil), d.Audience.Langs...)
		}
	}
	return e.nextText(ctx, r, d)
}

// nextText asks for the next language's text, or moves on when all are in.
func (e *Engine) nextText(ctx context.Context, r *Request, d *draft) error {
	if len(d.Langs) > 0 {
		d.Step = stepLang
		return e.ask(ctx, r, d, e.text.Text(r.Lang, "AskLangText", map[string]any{"Language": e.text.Text(d.Langs[0], "LanguageName", nil)}),
			e.staffButton(r.Lang, "BtnSkipLang", "skip"))
	}
	d.Step = stepNone
	if len(d.Texts) == 0 {
		return e.askTexts(ctx, r, d)
	}
	return e.preview(ctx, r, d)
}

// ask shows a prompt for typed input, with Discard always offered.
func (e *Engine) ask(ctx context.Context, r *Request, d *draft, prompt string, extra ...Button) error {
	rep := Reply{Text: prompt}
	if len(extra) > 0 {
		rep.Buttons = append(rep.Buttons, extra)
	}
	rep.Buttons = append(rep.Buttons, []Button{e.staffButton(r.Lang, "BtnDiscard", "quit")})
	r.Reply(rep)
	return e.saveDraft(ctx, r.Event.ChatID, d)
}

// preview shows each text exactly as recipients will see it, then the
// count and the buttons to send, schedule or discard.
func (e *Engine) preview(ctx context.Context, r *Request, d *draft) error {
	c, err := e.subs.Count(ctx, d.Audience)
	if err != nil {
		return fmt.Errorf("count audience: %w", err)
	}
	if missing := e.withoutText(d, c); len(missing) > 0 && !d.FallbackAsked {
		return e.askFallback(ctx, r, d, missing)
	}
	b := d.broadcast()
	r.Reply(Reply{Text: e.text.Text(r.Lang, "PreviewIntro", nil)})
	for _, l := range Languages {
		if t, ok := d.Texts[l]; ok {
			r.Reply(e.BroadcastMessage(l, t))
		}
	}
	when := e.text.Text(r.Lang, "WhenNow", nil)
	if !d.At.IsZero() {
		when = d.At.In(Bangkok).Format("2006-01-02 15:04") + " (Bangkok)"
	}
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "PreviewTitle", nil),
		Text: e.text.Text(r.Lang, "PreviewSummary", map[string]any{
			"Count": b.Recipients(c), "Audience": e.describeAudience(r.Lang, d.Audience),
			"Breakdown": e.recipientBreakdown(b, c), "When": when,
		}),
		Buttons: [][]Button{
			{e.staffButton(r.Lang, "BtnSend", "send")},
			{e.staffButton(r.Lang, "BtnSchedule", "when"), e.staffButton(r.Lang, "BtnSendNow", "now")},
			{e.staffButton(r.Lang, "BtnStartOver", "aud"), e.staffButton(r.Lang, "BtnDiscard", "quit")},
		},
	})
	return e.saveDraft(ctx, r.Event.ChatID, d)
}

// withoutText lists the languages with recipients in the audience but no text.
func (e *Engine) withoutText(d *draft, c AudienceCount) []string {
	var out []string
	for _, l := range Languages {
		if c.ByLang[l] > 0 && d.Texts[l] == "" {
			out = append(out, l)
		}
	}
	return out
}

func (e *Engine) askFallback(ctx context.Context, r *Request, d *draft, missing []string) error {
	names := mapNames(missing, func(l string) string { return e.text.Text(l, "LanguageName", nil) })
	var buttons []Button
	for _, l := range Languages {
		if d.Texts[l] != "" {
			buttons = append(buttons, Button{Text: e.text.Text(l, "LanguageName", nil), Data: Press{Action: ActStaff, Arg: "fb-" + l}.Encode()})
		}
	}
	buttons = append(buttons, e.staffButton(r.Lang, "BtnFallbackNone", "fb-none"))
	rep := Reply{Text: e.text.Text(r.Lang, "AskFallback", map[string]any{"Languages": strings.Join(names, ", ")})}
	for _, b := range buttons {
		rep.Buttons = append(rep.Buttons, []Button{b})
	}
	r.Reply(rep)
	return e.saveDraft(ctx, r.Event.ChatID, d)
}

// recipientBreakdown is "ខ្មែរ 300 · ລາວ 20", for the languages reached.
func (e *Engine) recipientBreakdown(b Broadcast, c AudienceCount) string {
	var parts []string
	for _, l := range Languages {
		if _, _, ok := b.TextFor(l); ok && c.ByLang[l] > 0 {
			parts = append(parts, e.text.Text(l, "LanguageName", nil)+" "+strconv.Itoa(c.ByLang[l]))
		}
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, " · ")
}

// sendBroadcast queues the draft as a durable job; delivery and progress
// happen in bot/broadcast.
func (e *Engine) sendBroadcast(ctx context.Context, r *Request, d *draft) error {
	if len(d.Texts) == 0 || d.Step != stepNone {
		return e.preview(ctx, r, d)
	}
	if !d.At.IsZero() && !d.At.After(e.now()) {
		d.At = time.Time{}
	}
	b := d.broadcast()
	b.By, b.ReportChat, b.ReportLang = r.Event.UserID, r.Event.ChatID, r.Lang
	id, err := e.bcasts.Start(ctx, b)
	if err != nil {
		return fmt.Errorf("start broadcast: %w", err)
	}
	if err := e.drafts.DeleteDraft(ctx, r.Event.ChatID); err != nil {
		return fmt.Errorf("start broadcast %d: %w", id, err)
	}
	r.Session.State = StateNone
	msg := "BroadcastQueued"
	if !b.At.IsZero() {
		msg = "BroadcastScheduled"
	}
	r.Reply(Reply{Text: e.text.Text(r.Lang, msg, map[string]any{"ID": id, "When": b.At.In(Bangkok).Format("2006-01-02 15:04")}), Edit: true})
	return nil
}

func (e *Engine) quitDraft(ctx context.Context, r *Request) error {
	if err := e.drafts.DeleteDraft(ctx, r.Event.ChatID); err != nil {
		return fmt.Errorf("discard draft: %w", err)
	}
	r.Session.State = StateNone
	r.Reply(Reply{Text: e.text.Text(r.Lang, "DraftDiscarded", nil), Edit: true,
		Buttons: [][]Button{{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})}}})
	return nil
}

// cancelBroadcast is the Cancel button on a progress message.
func (e *Engine) cancelBroadcast(ctx context.Context, r *Request, value string) error {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return e.stale(ctx, r)
	}
	st, err := e.bcasts.Cancel(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return e.stale(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("cancel broadcast %d: %w", id, err)
	}
	rep := e.BroadcastProgress(r.Lang, st)
	rep.Edit = true
	r.Reply(rep)
	return nil
}

// BroadcastMessage is a broadcast as its recipients see it, in their language.
func (e *Engine) BroadcastMessage(lang, text string) Reply {
	return Reply{
		Title: e.text.Text(lang, "BroadcastHeader", nil),
		Text:  text,
		Buttons: [][]Button{
			{e.button(lang, "BtnMenu", Press{Action: ActMenu})},
			{e.button(lang, "BtnUpdatesOff", Press{Action: ActUpdates, Arg: "off"})},
		},
	}
}

// BroadcastProgress is the staff's progress message or final report.
func (e *Engine) BroadcastProgress(lang string, st BroadcastStatus) Reply {
	rep := Reply{
		Title: e.text.Text(lang, "ProgressTitle", map[string]any{"ID": st.ID, "State": e.stateName(lang, st.State)}),
		Text: e.text.Text(lang, "ProgressCounts", map[string]any{
			"Sent": st.Sent, "Failed": st.Failed, "Left": st.Left(), "Total": st.Total}),
	}
	if st.State == BroadcastRunning || st.State == BroadcastScheduled {
		rep.Buttons = [][]Button{{e.staffButton(lang, "BtnCancelBroadcast", "stop-"+strconv.FormatInt(st.ID, 10))}}
	}
	return rep
}
