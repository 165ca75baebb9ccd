package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PollLease is the right to poll Telegram for updates, held by one process
// at a time (Telegram ends a second concurrent getUpdates with 409
// Conflict). It is a key that expires unless its holder renews it, holding
// the holder's fencing token: a number from a counter that never goes back,
// taken anew at each acquire, so each tenure has its own. The journal's
// Accept refuses a write whose token is not the one in the key. Both keys
// share the journal's hash tag {upd}. It implements bot.Lease.
type PollLease struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewPollLease returns the polling lease under prefix.
func NewPollLease(client redis.UniversalClient, prefix string) *PollLease {
	return &PollLease{rdb: client, keys: Keys{Prefix: prefix}}
}

// acquireScript takes the lease if nobody holds it.
//
//	KEYS: lease, fence counter
//	ARGV: ttl ms
//	returns the new fencing token, or 0 when the lease is held
var acquireScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token
`)

// renewScript extends the lease if token still holds it: returns 1, else 0.
//
//	KEYS: lease; ARGV: token, ttl ms
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes the lease if token still holds it.
//
//	KEYS: lease; ARGV: token
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Acquire takes the lease for ttl if nobody holds it, and returns its
// fencing token; 0 means another process holds it.
func (l *PollLease) Acquire(ctx context.Context, ttl time.Duration) (int64, error) {
	token, err := acquireScript.Run(ctx, l.rdb, []string{l.keys.Updates("lease"), l.keys.Updates("fence")},
		ttl.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("acquire the polling lease: %w", err)
	}
	return token, nil
}

// Renew extends the lease to ttl from now; false means token no longer
// holds it (it expired, and perhaps another process took it).
func (l *PollLease) Renew(ctx context.Context, token int64, ttl time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, l.rdb, []string{l.keys.Updates("lease")}, token, ttl.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("renew the polling lease: %w", err)
	}
	return n == 1, nil
}

// Release gives the lease up at once if token still holds it, so that a
// standby process need not wait for it to expire.
func (l *PollLease) Release(ctx context.Context, token int64) error {
	if err := releaseScript.Run(ctx, l.rdb, []string{l.keys.Updates("lease")}, token).Err(); err != nil {
		return fmt.Errorf("release the polling lease: %w", err)
	}
	return nil
}
