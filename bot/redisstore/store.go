package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/wait"
	"mekongbot/flows"
)

var _ flows.Store = (*Store)(nil)

// Store keeps sessions in Redis, one string key per chat (see Keys), each
// expiring ttl after its last write. It is safe for concurrent use.
//
// A claim (flows.Store) costs at most two round trips: Claim reads the
// session (and, with ChatLocks, takes the chat's lock in the same script),
// Commit writes it with a script that compares what is stored with what was
// claimed (and releases the lock). With a cache (CacheSessions) a claim of a
// chat this process wrote last costs one: the Commit.
type Store struct {
	rdb            redis.UniversalClient
	keys           Keys
	ttl            time.Duration
	decodeFailures atomic.Uint64

	// cache holds what this process wrote last per chat; nil: none.
	cache *sessionCache
	// locks makes Claim take the chat's lock (lockTTL) and Commit or Abandon
	// release it.
	locks     bool
	lockID    string // this Store's part of every lock token
	lockCount atomic.Uint64
}

// Option configures a Store.
type Option func(*Store)

// CacheSessions keeps in memory the last session this process wrote for up
// to n chats, so that claiming one of them needs no read: the Commit's
// comparison finds out if another process wrote it since, and the engine
// then reads it afresh. It pays off only when one process handles each
// chat (polling: only the leader polls); with several handling the same
// chats (webhook mode) most claims would conflict. Memory: about 100 bytes
// a chat (a map entry and the encoded session), so 10 MB for 100,000.
func CacheSessions(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.cache = newSessionCache(n)
		}
	}
}

// ChatLocks makes every claim hold the chat's lock (P{<chat>}:l) from Claim
// to Commit or Abandon, so that processes sharing Redis (webhook mode)
// handle one chat's events one at a time. The lock expires after lockTTL,
// so a process that dies holding it blocks the chat for that long at most.
func ChatLocks() Option { return func(s *Store) { s.locks = true } }

const (
	// lockTTL bounds how long a claim holds its chat's lock: far longer than
	// handling takes (a few Redis calls; replies are sent after the Commit).
	lockTTL = 15 * time.Second
	// lockRetryMax caps the pause between tries for a busy lock.
	lockRetryMax = 20 * time.Millisecond
)

// New returns a Store on client whose keys start with prefix. Sessions expire
// ttl after their last write; ttl <= 0 means they never expire.
func New(client redis.UniversalClient, prefix string, ttl time.Duration, opts ...Option) *Store {
	var id [6]byte
	_, _ = rand.Read(id[:])
	s := &Store{rdb: client, keys: Keys{Prefix: prefix}, ttl: max(ttl, 0), lockID: hex.EncodeToString(id[:])}
	for _, o := range opts {
		o(s)
	}
	return s
}

// claimScript takes the chat's lock (when a token is given) and reads the
// session, in one round trip.
//
//	KEYS: session, lock
//	ARGV: lock token ("": take no lock), lock TTL in milliseconds
//	returns {1, session} ({1} when there is none), or {0, lock PTTL} when
//	the lock is taken
var claimScript = redis.NewScript(`
if ARGV[1] ~= '' and not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('PTTL', KEYS[2])}
end
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
return {1}
`)

// commitScript writes the session if what is stored is still what was
// claimed, and releases the lock if the token still holds it. The
// comparison, not the lock, decides the write: a claim that outlived its
// lock writes only if nobody wrote meanwhile, and whoever holds the lock now
// then meets a conflict and handles its event again on the new session.
//
//	KEYS: session, lock
//	ARGV: claimed value ("": none), new value, TTL in milliseconds (0: none),
//	      lock token ("": none)
//	returns 1 when written, 0 on a conflict
var commitScript = redis.NewScript(`
local written = 0
if (redis.call('GET', KEYS[1]) or '') == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[2])
  end
  written = 1
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4] then
  redis.call('DEL', KEYS[2])
end
return written
`)

// unlockScript releases the chat's lock if the token still holds it.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Claim implements flows.Store: from the cache when it holds the chat, else
// with one script that takes the chat's lock (with ChatLocks; a busy lock
// is tried again until it is free or ctx ends) and reads the session.
func (s *Store) Claim(ctx context.Context, chatID int64) (flows.Claim, error) {
	c := flows.Claim{ChatID: chatID}
	if raw, ok := s.cache.get(chatID); ok {
		return s.claimed(c, raw, true), nil
	}
	if s.locks {
		c.Lock = s.lockID + strconv.FormatUint(s.lockCount.Add(1), 36)
	}
	keys := []string{s.keys.Session(chatID), s.keys.Lock(chatID)}
	for pause := time.Millisecond; ; pause = min(2*pause, lockRetryMax) {
		res, err := claimScript.Run(ctx, s.rdb, keys, c.Lock, lockTTL.Milliseconds()).Slice()
		if err != nil {
			return c, fmt.Errorf("claim session %d: %w", chatID, err)
		}
		if got, _ := res[0].(int64); got == 1 {
			raw, found := "", len(res) > 1
			if found {
				raw, _ = res[1].(string)
			}
			return s.claimed(c, raw, found), nil
		}
		if err := wait.Sleep(ctx, pause); err != nil {
			return c, fmt.Errorf("claim session %d: the chat stays locked: %w", chatID, err)
		}
	}
}

// claimed fills c with the stored value raw.
func (s *Store) claimed(c flows.Claim, raw string, found bool) flows.Claim {
	c.Version = raw
	if !found {
		return c
	}
	sess, err := flows.DecodeSession(raw)
	if err != nil {
		s.decodeFailures.Add(1)
		return c // written over at the Commit
	}
	c.Session, c.Found = sess, true
	return c
}

// Commit implements flows.Store with one script (see commitScript). A
// conflict, or a failure that leaves unknown what Redis holds, drops the
// chat from the cache.
func (s *Store) Commit(ctx context.Context, c flows.Claim, sess flows.Session) error {
	raw := sess.Encode()
	keys := []string{s.keys.Session(c.ChatID), s.keys.Lock(c.ChatID)}
	written, err := commitScript.Run(ctx, s.rdb, keys, c.Version, raw, s.ttl.Milliseconds(), c.Lock).Int()
	switch {
	case err != nil:
		s.cache.drop(c.ChatID)
		s.Abandon(ctx, c) // or a retry would wait for the lock to expire
		return fmt.Errorf("commit session %d: %w", c.ChatID, err)
	case written == 0:
		s.cache.drop(c.ChatID)
		return fmt.Errorf("commit session %d: %w", c.ChatID, flows.ErrConflict)
	}
	s.cache.put(c.ChatID, raw)
	return nil
}

// Abandon implements flows.Store: it releases the chat's lock, if the claim
// took one. Best effort: a lock not released expires after lockTTL.
func (s *Store) Abandon(ctx context.Context, c flows.Claim) {
	if c.Lock == "" {
		return
	}
	_ = unlockScript.Run(context.WithoutCancel(ctx), s.rdb, []string{s.keys.Lock(c.ChatID)}, c.Lock).Err()
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
	c := s.claimed(flows.Claim{}, raw, true)
	return c.Session, c.Found, nil
}

// Save writes the chat's session and restarts its TTL with one SET ... EX,
// whatever is stored.
func (s *Store) Save(ctx context.Context, chatID int64, sess flows.Session) error {
	s.cache.drop(chatID)
	if err := s.rdb.Set(ctx, s.keys.Session(chatID), sess.Encode(), s.ttl).Err(); err != nil {
		return fmt.Errorf("save session %d: %w", chatID, err)
	}
	return nil
}

// Delete forgets the chat; deleting an unknown chat is not an error.
func (s *Store) Delete(ctx context.Context, chatID int64) error {
	s.cache.drop(chatID)
	if err := s.rdb.Del(ctx, s.keys.Session(chatID)).Err(); err != nil {
		return fmt.Errorf("delete session %d: %w", chatID, err)
	}
	return nil
}

// DropCache empties the session cache, e.g. when this process starts
// handling chats that another process handled meanwhile (it became the
// polling leader). Not needed for correctness: a stale entry only costs a
// conflict and a second run.
func (s *Store) DropCache() { s.cache.clear() }

// DecodeFailures is how many loaded values failed to decode and were treated
// as not found since the Store was created.
func (s *Store) DecodeFailures() uint64 { return s.decodeFailures.Load() }
