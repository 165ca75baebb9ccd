package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Outbox = (*Outbox)(nil)

// OutboxTTL is how long relayed replies are kept for a resend. A journal
// replay comes at the next start or takeover (seconds); Telegram resends an
// unanswered webhook update within the hour unless the bot stays away.
const OutboxTTL = time.Hour

// Outbox keeps the replies of each chat's last relaying update as one JSON
// string (Keys.Outbox), expiring after OutboxTTL. Safe for concurrent use.
type Outbox struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewOutbox returns the Outbox on client under prefix.
func NewOutbox(client redis.UniversalClient, prefix string) *Outbox {
	return &Outbox{rdb: client, keys: Keys{Prefix: prefix}}
}

type kept struct {
	Update  int64         `json:"u"`
	Replies []flows.Reply `json:"r"`
}

// Keep stores replies as those of update, replacing what the chat had.
func (o *Outbox) Keep(ctx context.Context, chatID, updateID int64, replies []flows.Reply) error {
	raw, err := json.Marshal(kept{Update: updateID, Replies: replies})
	if err != nil {
		return fmt.Errorf("encode replies of chat %d: %w", chatID, err)
	}
	if err := o.rdb.Set(ctx, o.keys.Outbox(chatID), raw, OutboxTTL).Err(); err != nil {
		return fmt.Errorf("keep replies of chat %d: %w", chatID, err)
	}
	return nil
}

// Take returns the replies kept for update and deletes them; none when the
// chat kept nothing, or another update's.
func (o *Outbox) Take(ctx context.Context, chatID, updateID int64) ([]flows.Reply, error) {
	key := o.keys.Outbox(chatID)
	raw, err := o.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read kept replies of chat %d: %w", chatID, err)
	}
	var k kept
	if err := json.Unmarshal(raw, &k); err != nil || k.Update != updateID {
		return nil, nil
	}
	if err := o.rdb.Del(ctx, key).Err(); err != nil {
		return nil, fmt.Errorf("delete kept replies of chat %d: %w", chatID, err)
	}
	return k.Replies, nil
}

// Forget deletes what the chat kept.
func (o *Outbox) Forget(ctx context.Context, chatID int64) error {
	if err := o.rdb.Del(ctx, o.keys.Outbox(chatID)).Err(); err != nil {
		return fmt.Errorf("forget kept replies of chat %d: %w", chatID, err)
	}
	return nil
}
