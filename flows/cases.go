package flows

import (
	"context"
	"time"
)

// Case is a conversation between a person and staff. Staff see its number,
// language and page, never who the person is. Message texts are not kept:
// they live only in the two chats.
type Case struct {
	ID     int64
	ChatID int64 // the person's chat; never shown to staff
	Lang   string
	Page   string // where the person was when they asked
	Open   bool
	Opened time.Time
}

// Cases keeps handover cases. A case expires some days after its last
// message, closed or not.
type Cases interface {
	// Open returns the chat's open case, or opens a new one.
	Open(ctx context.Context, chatID int64, lang, page string) (Case, error)
	// Get returns a case; ErrNotFound when unknown or expired.
	Get(ctx context.Context, id int64) (Case, error)
	// Touch records activity on a case, pushing its expiry back.
	Touch(ctx context.Context, id int64) error
	// Close closes a case; closing a closed case is no error.
	Close(ctx context.Context, id int64) error
	// OpenCount counts open cases.
	OpenCount(ctx context.Context) (int, error)
	// Forget deletes every case of the chat.
	Forget(ctx context.Context, chatID int64) error
}
