package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// handledTTL is how long an update id is remembered as handled. Telegram
	// keeps an undelivered update for at most 24 hours, so it cannot come
	// again later than that.
	handledTTL = 24 * time.Hour
	// offsetTTL forgets the polling offset of a bot idle for a week: after a
	// week without updates Telegram may restart update ids at a random,
	// possibly lower value, which a stale offset would skip.
	offsetTTL = 7 * 24 * time.Hour
)

// Updates is the bot's update journal in Redis: where polling resumes, the
// updates received and not yet handled, and the ids of updates handled in
// the last 24 hours. It implements bot.Journal; PollLease, under the same
// hash tag {upd}, fences its writes. All keys share the tag, so the Accept
// script touches one slot on a cluster.
type Updates struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewUpdates returns the journal under prefix.
func NewUpdates(client redis.UniversalClient, prefix string) *Updates {
	return &Updates{rdb: client, keys: Keys{Prefix: prefix}}
}

// acceptScript is every write to the journal, in one round trip: it records
// handled updates (done), journals each received update not handled yet and
// stores the offset, atomically, so a crash leaves all of it or nothing.
// With a fencing token it first checks that the token still holds the
// polling lease and otherwise writes nothing: a leader that lost the lease
// (paused, cut off from Redis) can no longer move the offset or touch the
// journal.
//
//	KEYS: journal, offset, lease, then the handled key of each done id, then of each update
//	ARGV: token (0: not fenced), offset (0: leave it), offset TTL s, handled TTL s,
//	      number of done ids, then each done id, then id and raw of each update
//	returns {0} when fenced, else {1, then 1 for each update handled already, else 0}
var acceptScript = redis.NewScript(`
if tonumber(ARGV[1]) > 0 and redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return {0}
end
local ndone = tonumber(ARGV[5])
for i = 1, ndone do
  redis.call('SET', KEYS[3 + i], 1, 'EX', ARGV[4])
  redis.call('HDEL', KEYS[1], ARGV[5 + i])
end
local out = {1}
for i = 4 + ndone, #KEYS do
  local j = 6 + ndone + 2 * (i - 4 - ndone)
  if redis.call('EXISTS', KEYS[i]) == 1 then
    out[#out + 1] = 1
  else
    redis.call('HSETNX', KEYS[1], ARGV[j], ARGV[j + 1])
    out[#out + 1] = 0
  end
end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return out
`)

// ErrFenced is Accept's answer when its fencing token no longer holds the
// polling lease: nothing was written. bot recognises it by its Fenced method.
var ErrFenced error = fencedError{}

type fencedError struct{}

func (fencedError) Error() string {
	return "journal write refused: the polling lease passed to another process"
}

// Fenced marks the error for bot, which cannot import this package.
func (fencedError) Fenced() bool { return true }

// Accept is one write to the journal, in one round trip: it records the
// updates done as handled (remembered for 24 hours) and drops them from the
// journal, records the received updates (ids and raws are parallel) unless
// handled already, and stores offset (when above 0) as where polling
// resumes. It reports which received updates were handled before. A token
// above 0 fences the write: when the token does not hold the polling lease
// (see PollLease) nothing is written and the error is ErrFenced.
func (u *Updates) Accept(ctx context.Context, token int64, offset int, ids []int, raws [][]byte, done []int) ([]bool, error) {
	keys := make([]string, 0, 3+len(done)+len(ids))
	keys = append(keys, u.keys.Updates("journal"), u.keys.Updates("offset"), u.keys.Updates("lease"))
	args := make([]any, 0, 5+len(done)+2*len(ids))
	args = append(args, token, offset, int(offsetTTL/time.Second), int(handledTTL/time.Second), len(done))
	for _, id := range done {
		keys = append(keys, u.handledKey(id))
		args = append(args, id)
	}
	for i, id := range ids {
		keys = append(keys, u.handledKey(id))
		args = append(args, id, raws[i])
	}
	res, err := acceptScript.Run(ctx, u.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("journal %d updates and %d handled: %w", len(ids), len(done), err)
	}
	if len(res) == 0 || res[0] == 0 {
		return nil, ErrFenced
	}
	handled := make([]bool, len(ids))
	for i := range handled {
		handled[i] = i+1 < len(res) && res[i+1] == 1
	}
	return handled, nil
}

// Pending returns the updates received and not handled yet, by id.
func (u *Updates) Pending(ctx context.Context) (map[int][]byte, error) {
	all, err := u.rdb.HGetAll(ctx, u.keys.Updates("journal")).Result()
	if err != nil {
		return nil, fmt.Errorf("read update journal: %w", err)
	}
	out := make(map[int][]byte, len(all))
	for field, raw := range all {
		if id, err := strconv.Atoi(field); err == nil {
			out[id] = []byte(raw)
		}
	}
	return out, nil
}

// Offset returns where polling resumes: 0 if it was never stored or expired.
func (u *Updates) Offset(ctx context.Context) (int, error) {
	n, err := u.rdb.Get(ctx, u.keys.Updates("offset")).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read update offset: %w", err)
	}
	return n, nil
}

// Ping reports whether Redis answers.
func (u *Updates) Ping(ctx context.Context) error {
	if err := u.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

func (u *Updates) handledKey(id int) string {
	return u.keys.Updates("h:" + strconv.Itoa(id))
}
