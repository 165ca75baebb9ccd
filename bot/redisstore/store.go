package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Store = (*Store)(nil)

// Store keeps sessions in Redis, one string key per chat (see Keys), each
// expiring ttl after its last Save. It is safe for concurrent use.
type Store struct {
	rdb            redis.UniversalClient
	keys           Keys
	ttl            time.Duration
	decodeFailures atomic.Uint64
}

// New returns a Store on client whose keys start with prefix. Sessions expire
// ttl after their last Save; ttl <= 0 means they never expire.
func New(client redis.UniversalClient, prefix string, ttl time.Duration) *Store {
	return &Store{rdb: client, keys: Keys{Prefix: prefix}, ttl: max(ttl, 0)}
}

// Load reads the chat's session with one GET. A missing key, or a value that
// no longer decodes (written by an older schema), is ok=false with no error;
// the latter is counted in DecodeFailures.
func (s *Store) Load(ctx context.Context, chatID int64) (flows.Session, bool, error) {
	raw, err := s.rdb.Get(ctx, s.keys.Session(chatID)).Result()
	if errors.Is(err, redis.Nil) {
		return flows.Session{}, false, nil
	}
	if err != nil {
		return flows.Session{}, false, fmt.Errorf("load session %d: %w", chatID, err)
	}
	sess, err := flows.DecodeSession(raw)
	if err != nil {
		s.decodeFailures.Add(1)
		return flows.Session{}, false, nil
	}
	return sess, true, nil
}

// Save writes the chat's session and restarts its TTL with one SET ... EX.
func (s *Store) Save(ctx context.Context, chatID int64, sess flows.Session) error {
	if err := s.rdb.Set(ctx, s.keys.Session(chatID), sess.Encode(), s.ttl).Err(); err != nil {
		return fmt.Errorf("save session %d: %w", chatID, err)
	}
	return nil
}

// Delete forgets the chat; deleting an unknown chat is not an error.
func (s *Store) Delete(ctx context.Context, chatID int64) error {
	if err := s.rdb.Del(ctx, s.keys.Session(chatID)).Err(); err != nil {
		return fmt.Errorf("delete session %d: %w", chatID, err)
	}
	return nil
}

// DecodeFailures is how many loaded values failed to decode and were treated
// as not found since the Store was created.
func (s *Store) DecodeFailures() uint64 { return s.decodeFailures.Load() }
