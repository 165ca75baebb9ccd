package flows

import "context"

// FloodNote is the one note a person gets when they send so much so fast
// that the bot answers their messages one at a time. It is in the person's
// language (stored choice, else their app's); when the store cannot be read
// it still answers, in the app's language.
func (e *Engine) FloodNote(ctx context.Context, ev Event) Reply {
	s, _, err := e.store.Load(ctx, ev.ChatID)
	if err != nil {
		s = Session{}
	}
	return Reply{Text: e.text.Text(pickLang(s, ev), "FloodNote", nil)}
}
