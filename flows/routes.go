package flows

import "context"

// route is one entry of the first-match route table.
type route struct {
	name   string
	match  func(r *Request) bool
	handle HandlerFunc
}

func isCommand(name string) func(*Request) bool {
	return func(r *Request) bool { return r.Event.Kind == KindCommand && r.Event.Command == name }
}

func isKind(k EventKind) func(*Request) bool {
	return func(r *Request) bool { return r.Event.Kind == k }
}

// routes is the table every event goes through; the first match handles it.
func (e *Engine) routes() Handler {
	table := []route{
		{"staff chat", isStaffChat(e), e.staffChatEvent},
		{"group", isGroup, e.groupChat},
		{"start", isCommand("start"), e.start},
		{"onboarding", needsOnboarding, e.onboardingPrompt},
		{"menu", isCommand("menu"), e.menu},
		{"language", isCommand("language"), e.languageMenu},
		{"help", isCommand("help"), e.help},
		{"search", isCommand("search"), e.searchCommand},
		{"checklist", isCommand("checklist"), e.checklistCommand},
		{"job check", isCommand("jobcheck"), e.jobCheckCommand},
		{"settings", isCommand("settings"), e.settingsCommand},
		{"subscribe", isCommand("subscribe"), e.subscribeCommand},
		{"stop", isCommand("stop"), e.stopCommand},
		{"privacy", isCommand("privacy"), e.privacy},
		{"forget", isCommand("forget"), e.forgetCommand},
		{"reminders", isCommand("reminders"), e.remindersCommand},
		{"staff command", isStaffCommand, e.staffCommand},
		{"unknown command", isKind(KindCommand), e.unknownCommand},
		{"button", isKind(KindButton), e.press},
		{"talking", inState(StateTalk), e.talkInput},
		{"composing", inState(StateCompose), e.composeInput},
		{"reminder date", inStateTyping(StateReminderDate), e.reminderText},
		{"text", isKind(KindText), e.typed},
		{"other", isKind(KindOther), e.unsupported},
	}
	return HandlerFunc(func(ctx context.Context, r *Request) error {
		for _, rt := range table {
			if rt.match(r) {
				return rt.handle(ctx, r)
			}
		}
		return e.unsupported(ctx, r)
	})
}

func inState(st State) func(*Request) bool {
	return func(r *Request) bool { return r.Session.State == st }
}

// inStateTyping matches typed text in state st; anything else the person
// sends there is handled as anywhere else.
func inStateTyping(st State) func(*Request) bool {
	return func(r *Request) bool { return r.Session.State == st && r.Event.Kind == KindText }
}

func isGroup(r *Request) bool { return r.Event.Group }

// groupChat answers in groups that the bot works in private chats: what a
// person asks there would be read by everyone in the group.
func (e *Engine) groupChat(_ context.Context, r *Request) error {
	if r.Event.Kind == KindCommand || r.Event.Kind == KindButton {
		r.Reply(Reply{Text: e.text.Text(r.Lang, "PrivateOnly", nil)})
	}
	return nil
}

func (e *Engine) talkInput(ctx context.Context, r *Request) error {
	if r.Event.Kind == KindText {
		return e.talkText(ctx, r)
	}
	return e.talkOther(ctx, r)
}

func (e *Engine) composeInput(ctx context.Context, r *Request) error {
	if r.Event.Kind == KindText {
		return e.composeText(ctx, r)
	}
	return e.unsupported(ctx, r)
}

// needsOnboarding holds a new person at the language and role questions
// until they answer, whatever else they send.
func needsOnboarding(r *Request) bool {
	if r.Event.Kind == KindButton {
		return false // decoded and checked in press
	}
	return r.Session.IsNew() || r.Session.State == StateChooseRole
}
