package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// ErrStore marks a Process error caused by the session store (Load or Save
// failed): the event was not handled and can be handled again later as it
// was. Check with errors.Is; the store's own error is wrapped too.
var ErrStore = errors.New("session store failed")

// Request is one event being handled: the event, the chat's session (which
// handlers change in place), the resolved language, and the replies so far.
type Request struct {
	Event   Event
	Session Session
	// Lang is resolved once per request: stored choice, client language, English.
	Lang    string
	replies []Reply
	// forget deletes the session instead of saving it (/forget).
	forget bool
}

// Reply adds a message to send back.
func (r *Request) Reply(rep Reply) { r.replies = append(r.replies, rep) }

// Replies returns what the handlers answered.
func (r *Request) Replies() []Reply { return r.replies }

// Handler handles one request. An error means the request failed as a whole:
// its session is not saved.
type Handler interface {
	Handle(ctx context.Context, r *Request) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Request) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, r *Request) error { return f(ctx, r) }

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Chain applies middleware so that the first one listed runs first.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Engine runs the conversation: it loads the session, handles the event and
// saves the session back when handling succeeded.
type Engine struct {
	store     Store
	catalog   Catalog
	text      Localizer
	searcher  Searcher
	insights  Insights
	feedback  Feedback
	mou       Procedures
	tools     Tools
	subs      Subscribers
	bcasts    Broadcasts
	drafts    Drafts
	roster    Roster
	cases     Cases
	reminders Reminders
	outbox    Outbox
	staff     staffChat
	now       func() time.Time
	log       *slog.Logger
	handler   Handler
	// botName is the bot's username, for links into the bot; known only
	// once connected (SetBotUsername).
	botName atomic.Value // string
}

// staffChat is the chat where staff answer handover cases.
type staffChat struct {
	id   int64
	lang string
}

// Config holds what an Engine needs.
type Config struct {
	Store   Store
	Catalog Catalog
	Text    Localizer
	// Search answers typed questions; nil: typed text gets a note.
	Search Searcher
	// Insights counts unanswered questions; nil: not counted.
	Insights Insights
	// Feedback counts "was this page helpful?" votes; nil: no vote buttons.
	Feedback Feedback
	// MoU serves the officials' procedure lookup; nil: no lookup.
	MoU Procedures
	// Tools serves the checklist and the job-offer check; nil: not offered.
	Tools Tools
	// Subscribers keeps who wants updates; nil: no subscription offers.
	Subscribers Subscribers
	// Broadcasts and Drafts serve staff broadcasts; nil: no /broadcast.
	Broadcasts Broadcasts
	Drafts     Drafts
	// Roster says who is staff; nil: nobody is.
	Roster Roster
	// Cases and StaffChat serve "talk to a person"; either unset: not offered.
	Cases     Cases
	StaffChat int64
	// Reminders keeps people's reminders about their papers; nil: not offered.
	Reminders Reminders
	// Outbox keeps relayed replies until they are surely sent; nil: a
	// crash between commit and send may lose them.
	Outbox Outbox
	// StaffLang is the language of what the bot writes in the staff chat
	// (default English).
	StaffLang string
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: discard
}

// NewEngine builds an Engine with the standard routes.
func NewEngine(c Config) *Engine {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.StaffLang == "" {
		c.StaffLang = DefaultLang
	}
	e := &Engine{store: c.Store, catalog: c.Catalog, text: c.Text, searcher: c.Search, insights: c.Insights,
		feedback: c.Feedback, mou: c.MoU, tools: c.Tools, subs: c.Subscribers, bcasts: c.Broadcasts, drafts: c.Drafts, roster: c.Roster,
		cases: c.Cases, reminders: c.Reminders, outbox: c.Outbox, staff: staffChat{id: c.StaffChat, lang: c.StaffLang}, now: c.Now, log: c.Log}
	e.handler = Chain(e.routes(), Recover, resolveLang)
	return e
}

// SetBotUsername tells the engine the bot's username, known once the bot is
// connected to the messenger, so that it can make links into the bot. Safe
// to call while events are processed.
func (e *Engine) SetBotUsername(name string) { e.botName.Store(name) }

// botUsername is "" until SetBotUsername was called.
func (e *Engine) botUsername() string {
	name, _ := e.botName.Load().(string)
	return name
}

// ErrHandled is what Process returns for an event handled before (a
// redelivery, see Session.Handled): there is nothing to answer.
var ErrHandled = errors.New("event handled before")

// maxConflicts bounds how often Process handles an event again after its
// session changed underneath: a conflict means another process handled the
// chat meanwhile, which a lock (webhook mode) or a single handler (polling)
// makes rare, so repeated ones mean something is wrong.
const maxConflicts = 3

// Process handles one event for its chat: claim the session, run the
// handlers, commit the session (or delete it after /forget). The store keeps
// the chat's events apart across processes (a lock) or detects when they
// met (a conflict at Commit), so Process may be called for one chat from
// several processes at once; within one process the caller still hands it a
// chat's events one at a time, in order.
//
// On a conflict the event is handled again on the fresh session. Replies
// are returned only after the commit, so nobody sees the first run; what it
// did to other stores can happen twice: counts (Insights, page opens) may
// count once more, and writes that set a value (subscription, language,
// draft, case state) are simply written again. None of them is a message to
// a person: those are replies.
//
// On failure it returns a localized apology to send together with the error
// to log; the session is then left as it was. An event handled before
// returns ErrHandled and no replies.
func (e *Engine) Process(ctx context.Context, ev Event) ([]Reply, error) {
	for attempt := 1; ; attempt++ {
		replies, err := e.processOnce(ctx, ev)
		if !errors.Is(err, ErrConflict) {
			return replies, err
		}
		if attempt == maxConflicts {
			return e.apology(ev, Session{}), fmt.Errorf("process chat %d: %w: %w", ev.ChatID, ErrStore, err)
		}
	}
}

func (e *Engine) processOnce(ctx context.Context, ev Event) ([]Reply, error) {
	c, err := e.store.Claim(ctx, ev.ChatID)
	if err != nil {
		return e.apology(ev, Session{}), fmt.Errorf("process chat %d: %w: %w", ev.ChatID, ErrStore, err)
	}
	if c.Session.Handled(ev) {
		e.store.Abandon(ctx, c)
		return e.resend(ctx, ev)
	}
	r := &Request{Event: ev, Session: c.Session}
	if err := e.handler.Handle(ctx, r); err != nil {
		e.store.Abandon(ctx, c)
		return e.apology(ev, c.Session), fmt.Errorf("process chat %d: %w", ev.ChatID, err)
	}
	if err := e.keepRelays(ctx, ev, r.replies); err != nil {
		e.store.Abandon(ctx, c)
		return e.apology(ev, c.Session), fmt.Errorf("process chat %d: %w: %w", ev.ChatID, ErrStore, err)
	}
	if err := e.persist(ctx, c, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return e.apology(ev, c.Session), fmt.Errorf("process chat %d: %w: %w", ev.ChatID, ErrStore, err)
	}
	return r.replies, nil
}

// persist commits the session (or deletes it after /forget), counting the
// person as active once a day on the way.
func (e *Engine) persist(ctx context.Context, c Claim, r *Request) error {
	if r.forget {
		defer e.store.Abandon(ctx, c)
		return e.store.Delete(ctx, r.Event.ChatID)
	}
	e.countActive(ctx, r)
	r.Session.MarkHandled(r.Event)
	return e.store.Commit(ctx, c, r.Session)
}

// countActive tells Insights about the person's first update of the day.
// Best effort: a failed count must not fail the answer.
func (e *Engine) countActive(ctx context.Context, r *Request) {
	today := DayOf(e.now())
	if e.insights == nil || r.Event.Group || r.Session.IsNew() || r.Session.Day == today {
		return
	}
	p := Profile{Lang: r.Session.Lang, Role: r.Session.Role, Country: r.Session.Country}
	if err := e.insights.Seen(ctx, today, p, r.Event.ChatID); err != nil {
		e.log.Warn("count active person", "err", err)
		return
	}
	r.Session.Day = today
}

// Apology is the localized "something went wrong, try again" for an event
// whose answer could not be given (in the app's language: the session is not
// at hand here).
func (e *Engine) Apology(ev Event) []Reply { return e.apology(ev, Session{}) }

func (e *Engine) apology(ev Event, s Session) []Reply {
	lang := pickLang(s, ev)
	return []Reply{{
		Text:    e.text.Text(lang, "Apology", nil),
		Buttons: [][]Button{{e.button(lang, "BtnMenu", Press{Action: ActMenu})}},
	}}
}

// PanicError is a recovered panic, returned as an error.
type PanicError struct{ Value any }

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Recover turns a panic in a handler into a *PanicError.
func Recover(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &PanicError{Value: v}
			}
		}()
		return next.Handle(ctx, r)
	})
}

func resolveLang(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) error {
		r.Lang = pickLang(r.Session, r.Event)
		return next.Handle(ctx, r)
	})
}

// pickLang: the person's stored choice wins, then their app's language, then English.
func pickLang(s Session, ev Event) string {
	if s.Lang != "" {
		return s.Lang
	}
	if l := SupportedLang(ev.ClientLang); l != "" {
		return l
	}
	return DefaultLang
}

// Migrate moves a chat's session to a new chat id (Telegram gives a group a
// new id when it becomes a supergroup). The staff chat's id is
// configuration: the caller must warn when that one moves.
func (e *Engine) Migrate(ctx context.Context, from, to int64) error {
	s, found, err := e.store.Load(ctx, from)
	if err != nil || !found {
		return err
	}
	if err := e.store.Save(ctx, to, s); err != nil {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, err)
	}
	if err := e.store.Delete(ctx, from); err != nil {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, err)
	}
	if from == e.staff.id {
		e.log.Error("the staff chat became a supergroup: set STAFF_CHAT_ID to the new id", "new_id", to)
	}
	return nil
}
