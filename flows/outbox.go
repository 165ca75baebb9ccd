package flows

import (
	"context"
	"fmt"
)

// Outbox keeps, for a short while, the replies of an update that relays a
// message to another chat (a person writing to the staff chat, staff
// answering a person). The session records an update as handled before its
// replies are sent, so a crash in between would lose them; for a page
// that only costs the person a second tap, but a relayed message would be
// gone unseen. With an Outbox the relay is sent again when the update comes
// again (the journal's replay, Telegram's redelivery): at least once.
type Outbox interface {
	// Keep stores the replies of update (replacing what the chat had kept).
	Keep(ctx context.Context, chatID, updateID int64, replies []Reply) error
	// Take returns and forgets the replies kept for update; none when
	// nothing, or another update's, is kept.
	Take(ctx context.Context, chatID, updateID int64) ([]Reply, error)
	// Forget deletes what the chat has kept.
	Forget(ctx context.Context, chatID int64) error
}

// relays reports whether replies send anything to a chat other than the
// event's.
func relays(ev Event, replies []Reply) bool {
	for _, r := range replies {
		if r.ChatID != 0 && r.ChatID != ev.ChatID {
			return true
		}
	}
	return false
}

// keepRelays stores the replies of an event that relays, before its session
// is committed.
func (e *Engine) keepRelays(ctx context.Context, ev Event, replies []Reply) error {
	if e.outbox == nil || ev.UpdateID == 0 || !relays(ev, replies) {
		return nil
	}
	if err := e.outbox.Keep(ctx, ev.ChatID, ev.UpdateID, replies); err != nil {
		return fmt.Errorf("keep relayed replies of update %d: %w", ev.UpdateID, err)
	}
	return nil
}

// resend answers an event handled before: the replies kept for it if it
// relayed something, else ErrHandled and nothing.
func (e *Engine) resend(ctx context.Context, ev Event) ([]Reply, error) {
	handled := fmt.Errorf("process chat %d update %d: %w", ev.ChatID, ev.UpdateID, ErrHandled)
	if e.outbox == nil {
		return nil, handled
	}
	replies, err := e.outbox.Take(ctx, ev.ChatID, ev.UpdateID)
	if err != nil {
		e.log.Warn("take relayed replies kept for a redelivered update", "err", err)
		return nil, handled
	}
	if len(replies) == 0 {
		return nil, handled
	}
	return replies, nil
}
