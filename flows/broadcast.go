package flows

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned for a broadcast, case or draft that does not exist
// (any more).
var ErrNotFound = errors.New("not found")

// Broadcast is an update staff send to an audience: a text per language.
type Broadcast struct {
	ID       int64             `json:"id"`
	By       int64             `json:"by"` // the staff member who confirmed it
	Audience Audience          `json:"a"`
	Texts    map[string]string `json:"t"` // language -> text
	// Fallback is the language whose text goes to people whose own language
	// has none; "" leaves them out.
	Fallback string `json:"f,omitempty"`
	// At is when delivery starts; zero means at once.
	At time.Time `json:"at,omitzero"`
	// ReportChat gets the progress message and the final report, in ReportLang.
	ReportChat int64  `json:"rc"`
	ReportLang string `json:"rl"`
}

// TextFor returns the text a subscriber whose language is lang receives;
// ok is false when they receive nothing.
func (b Broadcast) TextFor(lang string) (text, textLang string, ok bool) {
	if t, ok := b.Texts[lang]; ok && t != "" {
		return t, lang, true
	}
	if t, ok := b.Texts[b.Fallback]; ok && t != "" {
		return t, b.Fallback, true
	}
	return "", "", false
}

// Recipients counts how many of the audience counted in c receive b.
func (b Broadcast) Recipients(c AudienceCount) int {
	n := 0
	for lang, k := range c.ByLang {
		if _, _, ok := b.TextFor(lang); ok {
			n += k
		}
	}
	return n
}

// BroadcastState is where a broadcast is in its life.
type BroadcastState string

const (
	BroadcastScheduled BroadcastState = "scheduled" // waiting for its time
	BroadcastRunning   BroadcastState = "running"
	BroadcastDone      BroadcastState = "done"
	BroadcastCancelled BroadcastState = "cancelled"
)

// BroadcastStatus is a broadcast's progress: delivery counts only.
type BroadcastStatus struct {
	ID       int64
	State    BroadcastState
	Total    int // recipients; 0 until the recipient list is made
	Sent     int
	Failed   int // could not be delivered (blocked the bot, chat gone, ...)
	Created  time.Time
	At       time.Time // scheduled start
	Finished time.Time // zero while running
}

// Left is how many recipients are still to be tried.
func (s BroadcastStatus) Left() int { return max(0, s.Total-s.Sent-s.Failed) }

// Broadcasts queues broadcasts as durable jobs and reports on them.
// Delivery happens elsewhere (bot/broadcast), never inside a handler.
type Broadcasts interface {
	// Start queues b for delivery at b.At and returns its id.
	Start(ctx context.Context, b Broadcast) (int64, error)
	// Cancel stops a scheduled or running broadcast; ErrNotFound when unknown.
	Cancel(ctx context.Context, id int64) (BroadcastStatus, error)
	// Status reports one broadcast; ErrNotFound when unknown.
	Status(ctx context.Context, id int64) (BroadcastStatus, error)
	// Recent lists the last n broadcasts, newest first.
	Recent(ctx context.Context, n int) ([]BroadcastStatus, error)
}

// Drafts keeps a staff member's broadcast while they compose it, outside the
// session (texts are long). A draft expires after a day.
type Drafts interface {
	// LoadDraft returns the chat's draft, or nil when there is none.
	LoadDraft(ctx context.Context, chatID int64) ([]byte, error)
	SaveDraft(ctx context.Context, chatID int64, draft []byte) error
	DeleteDraft(ctx context.Context, chatID int64) error
}
