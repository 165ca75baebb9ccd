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
		{"start", isCommand("start"), e.start},
		{"onboarding", needsOnboarding, e.onboardingPrompt},
		{"menu", isCommand("menu"), e.menu},
		{"language", isCommand("language"), e.languageMenu},
		{"help", isCommand("help"), e.help},
		{"search", isCommand("search"), e.searchCommand},
		{"unknown command", isKind(KindCommand), e.unknownCommand},
		{"button", isKind(KindButton), e.press},
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

// needsOnboarding holds a new person at the language and role questions
// until they answer, whatever else they send.
func needsOnboarding(r *Request) bool {
	if r.Event.Kind == KindButton {
		return false // decoded and checked in press
	}
	return r.Session.IsNew() || r.Session.State == StateChooseRole
}
