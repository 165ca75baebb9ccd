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
// the last 24 hours. It implements bot.Journal. All keys share the hash tag
// {upd}, so the Accept script touches one slot on a cluster.
type Updates struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewUpdates returns the journal under prefix.
func NewUpdates(client redis.UniversalClient, prefix string) *Updates {
	return &Updates{rdb: client, keys: Keys{Prefix: prefix}}
}

// acceptScript journals each update not handled yet and stores the offset,
// atomically: a crash leaves either all of it or nothing.
//
//	KEYS: journal, offset, then the handled key of each update
//	ARGV: offset (0: leave it), offset TTL seconds, then id and raw of each update
//	returns 1 for each update already handled, else 0
var acceptScript = redis.NewScript(`
local out = {}
for i = 3, #KEYS do
  local j = 2 * (i - 3) + 3
  if redis.call('EXISTS', KEYS[i]) == 1 then
    out[#out + 1] = 1
  else
    redis.call('HSETNX', KEYS[1], ARGV[j], ARGV[j + 1])
    out[#out + 1] = 0
  end
end
if tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
end
return out
`)

// Accept records updates as received, unless handled already, and stores
// offset (when above 0) as where polling resumes, in one round trip. It
// reports which updates were handled before. ids and raws are parallel.
func (u *Updates) Accept(ctx context.Context, ids []int, raws [][]byte, offset int) ([]bool, error) {
	keys := make([]string, 0, len(ids)+2)
	keys = append(keys, u.keys.Updates("journal"), u.keys.Updates("offset"))
	args := make([]any, 0, 2*len(ids)+2)
	args = append(args, offset, int(offsetTTL/time.Second))
	for i, id := range ids {
		keys = append(keys, u.handledKey(id))
		args = append(args, id, raws[i])
	}
	res, err := acceptScript.Run(ctx, u.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("journal %d updates: %w", len(ids), err)
	}
	handled := make([]bool, len(ids))
	for i := range handled {
		handled[i] = i < len(res) && res[i] == 1
	}
	return handled, nil
}

// Done records updates as handled (remembered for 24 hours) and drops them
// from the journal, in one round trip (MULTI/EXEC).
func (u *Updates) Done(ctx context.Context, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, len(ids))
	_, err := u.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			p.SetNX(ctx, u.handledKey(id), 1, handledTTL)
			fields[i] = strconv.Itoa(id)
		}
		p.HDel(ctx, u.keys.Updates("journal"), fields...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d updates handled: %w", len(ids), err)
	}
	return nil
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
