package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// cutArg splits a button argument "verb-value" at its first '-'.
func cutArg(arg string) (verb, value string) {
	verb, value, _ = strings.Cut(arg, "-")
	return verb, value
}

// updatesOffer asks, once after onboarding, whether the person wants updates.
func (e *Engine) updatesOffer(lang string) Reply {
	return Reply{
		Title: e.text.Text(lang, "UpdatesTitle", nil),
		Text:  e.text.Text(lang, "UpdatesOffer", nil),
		Buttons: [][]Button{
			{e.button(lang, "BtnUpdatesYes", Press{Action: ActUpdates, Arg: "on"})},
			{e.button(lang, "BtnUpdatesNo", Press{Action: ActUpdates, Arg: "no"})},
		},
	}
}

// updates handles the subscription buttons.
func (e *Engine) updates(ctx context.Context, r *Request, arg string) error {
	if e.subs == nil {
		return e.stale(ctx, r)
	}
	verb, value := cutArg(arg)
	switch verb {
	case "on":
		return e.subscribe(ctx, r)
	case "no":
		return e.declineUpdates(r)
	case "off":
		return e.unsubscribe(ctx, r)
	case "c":
		return e.chooseCountry(ctx, r, value)
	case "t":
		return e.toggleTopic(ctx, r, value)
	}
	return e.stale(ctx, r)
}

// subscribeCommand is /subscribe.
func (e *Engine) subscribeCommand(ctx context.Context, r *Request) error {
	if e.subs == nil {
		return e.unknownCommand(ctx, r)
	}
	return e.subscribe(ctx, r)
}

// stopCommand is /stop: no more updates.
func (e *Engine) stopCommand(ctx context.Context, r *Request) error {
	if e.subs == nil {
		return e.unknownCommand(ctx, r)
	}
	return e.unsubscribe(ctx, r)
}

// subscribe asks for the country first when the bot does not know it.
func (e *Engine) subscribe(ctx context.Context, r *Request) error {
	if _, ok, err := e.subs.Subscription(ctx, r.Event.ChatID); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	} else if ok {
		return e.showSettings(ctx, r)
	}
	if r.Session.Country == "" {
		r.Reply(e.countryReply(r))
		return nil
	}
	return e.saveSubscription(ctx, r, AllTopics, true)
}

func (e *Engine) saveSubscription(ctx context.Context, r *Request, topics string, confirm bool) error {
	p := Profile{Lang: r.Session.Lang, Role: r.Session.Role, Country: r.Session.Country, Topics: topics}
	if err := e.subs.Subscribe(ctx, r.Event.ChatID, p); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if !confirm {
		return e.showSettings(ctx, r)
	}
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "UpdatesTitle", nil),
		Text:  e.text.Text(r.Lang, "UpdatesOn", nil),
		Edit:  r.Event.Kind == KindButton,
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnSettings", Press{Action: ActSettings})},
			{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})},
		},
	})
	return nil
}

func (e *Engine) declineUpdates(r *Request) error {
	r.Reply(Reply{
		Text:    e.text.Text(r.Lang, "UpdatesDeclined", nil),
		Edit:    true,
		Buttons: [][]Button{{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})}},
	})
	return nil
}

func (e *Engine) unsubscribe(ctx context.Context, r *Request) error {
	if err := e.subs.Unsubscribe(ctx, r.Event.ChatID); err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	r.Reply(Reply{
		Title: e.text.Text(r.Lang, "UpdatesTitle", nil),
		Text:  e.text.Text(r.Lang, "UpdatesOff", nil),
		Buttons: [][]Button{
			{e.button(r.Lang, "BtnSettings", Press{Action: ActSettings})},
			{e.button(r.Lang, "BtnMenu", Press{Action: ActMenu})},
		},
	})
	return nil
}

// countryReply asks where the person is from; buttons name each country.
func (e *Engine) countryReply(r *Request) Reply {
	rep := Reply{
		Title: e.text.Text(r.Lang, "CountryQuestion", nil),
		Text:  e.text.Text(r.Lang, "CountryWhy", nil),
		Edit:  r.Event.Kind == KindButton,
	}
	for _, c := range Countries {
		rep.Buttons = append(rep.Buttons, []Button{{Text: e.countryName(r.Lang, c), Data: Press{Action: ActUpdates, Arg: "c-" + c}.Encode()}})
	}
	return rep
}

func (e *Engine) countryName(lang, code string) string {
	if code == "" {
		return "–"
	}
	return e.text.Text(lang, "Country"+strings.ToUpper(code), nil)
}

// chooseCountry stores the country ("c" alone shows the choice) and
// subscribes a person who was on the way to subscribing.
func (e *Engine) chooseCountry(ctx context.Context, r *Request, code string) error {
	if code == "" {
		r.Reply(e.countryReply(r))
		return nil
	}
	if !slices.Contains(Countries, code) {
		return e.stale(ctx, r)
	}
	r.Session.Country = code
	p, ok, err := e.subs.Subscription(ctx, r.Event.ChatID)
	if err != nil {
		return fmt.Errorf("choose country: %w", err)
	}
	if !ok {
		return e.saveSubscription(ctx, r, AllTopics, true)
	}
	return e.saveSubscription(ctx, r, p.Topics, false)
}

func (e *Engine) toggleTopic(ctx context.Context, r *Request, value string) error {
	if len(value) != 1 || !strings.Contains(AllTopics, value) {
		return e.stale(ctx, r)
	}
	p, ok, err := e.subs.Subscription(ctx, r.Event.ChatID)
	if err != nil {
		return fmt.Errorf("toggle topic: %w", err)
	}
	if !ok {
		return e.showSettings(ctx, r)
	}
	topics := strings.ReplaceAll(p.Topics, value, "")
	if topics == p.Topics {
		topics += value
	}
	return e.saveSubscription(ctx, r, sortTopics(topics), false)
}

// sortTopics keeps topic letters in the order of Topics.
func sortTopics(s string) string {
	var b strings.Builder
	for _, t := range Topics {
		if strings.IndexByte(s, byte(t)) >= 0 {
			b.WriteByte(byte(t))
		}
	}
	return b.String()
}

// syncSubscription copies a changed language or role into the person's
// subscription, so broadcasts reach them in the language they now read.
func (e *Engine) syncSubscription(ctx context.Context, r *Request) error {
	if e.subs == nil {
		return nil
	}
	p, ok, err := e.subs.Subscription(ctx, r.Event.ChatID)
	if err != nil || !ok {
		return err
	}
	if p.Lang == r.Session.Lang && p.Role == r.Session.Role {
		return nil
	}
	p.Lang, p.Role = r.Session.Lang, r.Session.Role
	return e.subs.Subscribe(ctx, r.Event.ChatID, p)
}

func (e *Engine) settingsCommand(ctx context.Context, r *Request) error {
	return e.showSettings(ctx, r)
}

// showSettings lists what the person chose, with a button to change each.
func (e *Engine) showSettings(ctx context.Context, r *Request) error {
	lang := r.Lang
	var b strings.Builder
	b.WriteString(e.text.Text(lang, "SettingsLanguage", map[string]any{"Language": e.text.Text(lang, "LanguageName", nil)}))
	b.WriteString("\n" + e.text.Text(lang, "SettingsRole", map[string]any{"Role": e.roleName(lang, r.Session.Role)}))
	rep := Reply{Title: e.text.Text(lang, "SettingsTitle", nil), Edit: r.Event.Kind == KindButton}
	rep.Buttons = append(rep.Buttons,
		[]Button{e.button(lang, "BtnLanguage", Press{Action: ActLangMenu})},
		[]Button{e.roleSwitchButton(lang, r.Session.Role)})
	if e.subs != nil {
		p, ok, err := e.subs.Subscription(ctx, r.Event.ChatID)
		if err != nil {
			return fmt.Errorf("show settings: %w", err)
		}
		b.WriteString("\n\n")
		rep.Buttons = append(rep.Buttons, e.updatesSettings(&b, lang, p, ok)...)
	}
	rep.Text = b.String()
	rep.Buttons = append(rep.Buttons,
		[]Button{e.button(lang, "BtnForget", Press{Action: ActForget, Arg: "ask"})},
		[]Button{e.button(lang, "BtnMenu", Press{Action: ActMenu})})
	r.Reply(rep)
	return nil
}

// updatesSettings describes the subscription and returns its buttons.
func (e *Engine) updatesSettings(b *strings.Builder, lang string, p Profile, subscribed bool) [][]Button {
	if !subscribed {
		b.WriteString(e.text.Text(lang, "SettingsUpdatesOff", nil))
		return [][]Button{{e.button(lang, "BtnUpdatesOn", Press{Action: ActUpdates, Arg: "on"})}}
	}
	b.WriteString(e.text.Text(lang, "SettingsUpdatesOn", map[string]any{"Country": e.countryName(lang, p.Country)}))
	var rows [][]Button
	for _, t := range Topics {
		mark := "⬜ "
		if p.HasTopic(t) {
			mark = "✅ "
		}
		rows = append(rows, []Button{{Text: mark + e.text.Text(lang, topicMessage(t), nil),
			Data: Press{Action: ActUpdates, Arg: "t-" + string(t)}.Encode()}})
	}
	return append(rows,
		[]Button{e.button(lang, "BtnCountry", Press{Action: ActUpdates, Arg: "c"})},
		[]Button{e.button(lang, "BtnUpdatesOff", Press{Action: ActUpdates, Arg: "off"})})
}

func topicMessage(t Topic) string {
	switch t {
	case TopicRegistration:
		return "TopicRegistration"
	case TopicRules:
		return "TopicRules"
	case TopicHelp:
		return "TopicHelp"
	}
	return "TopicSkills"
}

func (e *Engine) roleName(lang string, role Role) string {
	if role == RoleOfficial {
		return e.text.Text(lang, "RoleOfficial", nil)
	}
	return e.text.Text(lang, "RoleWorker", nil)
}

// roleSwitchButton offers the other role.
func (e *Engine) roleSwitchButton(lang string, role Role) Button {
	if role == RoleOfficial {
		return e.button(lang, "BtnBeWorker", Press{Action: ActRole, Arg: string(RoleWorker)})
	}
	return e.button(lang, "BtnBeOfficial", Press{Action: ActRole, Arg: string(RoleOfficial)})
}
