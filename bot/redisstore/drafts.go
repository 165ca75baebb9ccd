package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Drafts = (*Drafts)(nil)

// DraftTTL is how long a broadcast draft is kept after its last save.
const DraftTTL = 24 * time.Hour

// Drafts keeps each staff chat's broadcast draft as one string
// (Keys.Draft), expiring DraftTTL after its last save. It is safe for
// concurrent use.
type Drafts struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewDrafts returns Drafts on client under prefix.
func NewDrafts(client redis.UniversalClient, prefix string) *Drafts {
	return &Drafts{rdb: client, keys: Keys{Prefix: prefix}}
}

// LoadDraft reads the chat's draft with one GET; nil, nil when there is none.
func (d *Drafts) LoadDraft(ctx context.Context, chatID int64) ([]byte, error) {
	b, err := d.rdb.Get(ctx, d.keys.Draft(chatID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load draft of chat %d: %w", chatID, err)
	}
	return b, nil
}

// SaveDraft writes the chat's draft and restarts its expiry (SET ... EX).
func (d *Drafts) SaveDraft(ctx context.Context, chatID int64, draft []byte) error {
	if err := d.rdb.Set(ctx, d.keys.Draft(chatID), draft, DraftTTL).Err(); err != nil {
		return fmt.Errorf("save draft of chat %d: %w", chatID, err)
	}
	return nil
}

// DeleteDraft drops the chat's draft; deleting none is no error.
func (d *Drafts) DeleteDraft(ctx context.Context, chatID int64) error {
	if err := d.rdb.Del(ctx, d.keys.Draft(chatID)).Err(); err != nil {
		return fmt.Errorf("delete draft of chat %d: %w", chatID, err)
	}
	return nil
}
