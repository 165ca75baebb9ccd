package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Cases = (*Cases)(nil)

// DefaultCaseTTL is how long a case is kept after its last activity when
// NewCases is given no TTL.
const DefaultCaseTTL = 14 * 24 * time.Hour

// chatKeyMargin makes the chat's keys outlive its cases a little, so that the
// list /forget reads never expires before a case it should delete.
const chatKeyMargin = time.Minute

// Hash fields of a case (Keys.Case("<n>")).
const (
	fieldChat   = "chat"
	fieldLang   = "lang"
	fieldPage   = "page"
	fieldOpen   = "open"
	fieldOpened = "opened"
)

// closeScript closes a case only if its hash still exists: a plain HSET on an
// expired or forgotten case would recreate it without expiry. KEYS[1] is the
// case hash, KEYS[2] the open set (one slot: {case}); ARGV[1] the number.
var closeScript = redis.NewScript(`
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'open', '0')
return 1`)

// Cases keeps handover cases in Redis. It is safe for concurrent use.
//
// A case lives under the tag {case} (its hash, the open set, the sequence)
// and is also pointed to from its chat's keys under {<chat>} (the open-case
// pointer and the list of all the chat's cases). On a cluster those are
// different slots, so each side is written in its own transaction, chat side
// first. A crash in between leaves only chat keys naming a case that does not
// exist: Open checks every pointer against the case hash (same chat, still
// open) and Forget deletes missing hashes without complaint. The other order
// could leave a case hash naming the chat that /forget would not find.
type Cases struct {
	rdb  redis.UniversalClient
	keys Keys
	ttl  time.Duration
}

// NewCases returns Cases on client under prefix whose keys expire ttl after
// the case's last Open or Touch; ttl <= 0 means DefaultCaseTTL.
func NewCases(client redis.UniversalClient, prefix string, ttl time.Duration) *Cases {
	if ttl <= 0 {
		ttl = DefaultCaseTTL
	}
	return &Cases{rdb: client, keys: Keys{Prefix: prefix}, ttl: ttl}
}

// Open returns the chat's open case, or opens a new one. Callers must not
// open cases for one chat concurrently (the bot's dispatcher runs one chat's
// updates in order): two racing Opens would both create a case.
func (c *Cases) Open(ctx context.Context, chatID int64, lang, page string) (flows.Case, error) {
	cs, ok, err := c.openOf(ctx, chatID)
	if err == nil && !ok {
		cs, err = c.create(ctx, chatID, lang, page)
	}
	if err != nil {
		return flows.Case{}, fmt.Errorf("open case for chat %d: %w", chatID, err)
	}
	return cs, nil
}

// openOf follows the chat's pointer (one GET) to its case (one HGETALL); ok
// is false when there is no pointer or it names a case that is gone, closed
// or another chat's.
func (c *Cases) openOf(ctx context.Context, chatID int64) (flows.Case, bool, error) {
	id, err := c.rdb.Get(ctx, c.keys.ChatCase(chatID)).Int64()
	if errors.Is(err, redis.Nil) {
		return flows.Case{}, false, nil
	}
	if err != nil {
		return flows.Case{}, false, fmt.Errorf("read open case pointer: %w", err)
	}
	cs, err := c.Get(ctx, id)
	if errors.Is(err, flows.ErrNotFound) {
		return flows.Case{}, false, nil
	}
	if err != nil {
		return flows.Case{}, false, err
	}
	return cs, cs.Open && cs.ChatID == chatID, nil
}

// create numbers a new case (INCR) and writes the chat side, then the case
// side (see Cases for why in that order): three round trips.
func (c *Cases) create(ctx context.Context, chatID int64, lang, page string) (flows.Case, error) {
	id, err := c.rdb.Incr(ctx, c.keys.Case("seq")).Result()
	if err != nil {
		return flows.Case{}, fmt.Errorf("number case: %w", err)
	}
	cs := flows.Case{ID: id, ChatID: chatID, Lang: lang, Page: page, Open: true,
		Opened: time.Unix(time.Now().Unix(), 0)}
	chatTTL := c.ttl + chatKeyMargin
	_, err = c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, c.keys.ChatCases(chatID), id)
		p.PExpire(ctx, c.keys.ChatCases(chatID), chatTTL)
		p.Set(ctx, c.keys.ChatCase(chatID), id, chatTTL)
		return nil
	})
	if err != nil {
		return flows.Case{}, fmt.Errorf("point chat to case %d: %w", id, err)
	}
	if err := c.write(ctx, cs); err != nil {
		return flows.Case{}, fmt.Errorf("write case %d: %w", id, err)
	}
	return cs, nil
}

// write stores a new open case and lists it as open, in one transaction.
func (c *Cases) write(ctx context.Context, cs flows.Case) error {
	key := c.keys.Case(strconv.FormatInt(cs.ID, 10))
	_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fieldChat, cs.ChatID, fieldLang, cs.Lang, fieldPage, cs.Page,
			fieldOpen, "1", fieldOpened, cs.Opened.Unix())
		p.PExpire(ctx, key, c.ttl)
		p.SAdd(ctx, c.keys.Case("open"), cs.ID)
		return nil
	})
	return err
}

// Get reads a case with one HGETALL; ErrNotFound when it expired or never
// existed.
func (c *Cases) Get(ctx context.Context, id int64) (flows.Case, error) {
	h, err := c.rdb.HGetAll(ctx, c.caseKey(id)).Result()
	if err != nil {
		return flows.Case{}, fmt.Errorf("read case %d: %w", id, err)
	}
	if len(h) == 0 {
		return flows.Case{}, fmt.Errorf("read case %d: %w", id, flows.ErrNotFound)
	}
	cs, err := decodeCase(id, h)
	if err != nil {
		return flows.Case{}, fmt.Errorf("read case %d: %w", id, err)
	}
	return cs, nil
}

func decodeCase(id int64, h map[string]string) (flows.Case, error) {
	chat, err := strconv.ParseInt(h[fieldChat], 10, 64)
	if err != nil {
		return flows.Case{}, fmt.Errorf("field %s: %w", fieldChat, err)
	}
	opened, err := strconv.ParseInt(h[fieldOpened], 10, 64)
	if err != nil {
		return flows.Case{}, fmt.Errorf("field %s: %w", fieldOpened, err)
	}
	return flows.Case{ID: id, ChatID: chat, Lang: h[fieldLang], Page: h[fieldPage],
		Open: h[fieldOpen] == "1", Opened: time.Unix(opened, 0)}, nil
}

// Touch pushes back the expiry of the case and of its chat's keys: two round
// trips, one per slot. ErrNotFound when the case is gone.
func (c *Cases) Touch(ctx context.Context, id int64) error {
	key := c.caseKey(id)
	var expired *redis.BoolCmd
	var chat *redis.StringCmd
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		expired = p.PExpire(ctx, key, c.ttl) // false: no such key, none created
		chat = p.HGet(ctx, key, fieldChat)
		return nil
	})
	switch {
	case expired.Err() != nil:
		return fmt.Errorf("touch case %d: %w", id, expired.Err())
	case !expired.Val():
		return fmt.Errorf("touch case %d: %w", id, flows.ErrNotFound)
	case err != nil:
		return fmt.Errorf("touch case %d: %w", id, err)
	}
	chatID, err := chat.Int64()
	if err != nil {
		return fmt.Errorf("touch case %d: read chat: %w", id, err)
	}
	return c.touchChat(ctx, chatID)
}

// touchChat pushes back the expiry of the chat's case keys.
func (c *Cases) touchChat(ctx context.Context, chatID int64) error {
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.PExpire(ctx, c.keys.ChatCase(chatID), c.ttl+chatKeyMargin)
		p.PExpire(ctx, c.keys.ChatCases(chatID), c.ttl+chatKeyMargin)
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch cases of chat %d: %w", chatID, err)
	}
	return nil
}

// Close marks a case closed and takes it off the open set, atomically. The
// chat's pointer is left to expire: Open ignores a pointer to a closed case.
// ErrNotFound when the case is gone.
func (c *Cases) Close(ctx context.Context, id int64) error {
	keys := []string{c.caseKey(id), c.keys.Case("open")}
	found, err := closeScript.Run(ctx, c.rdb, keys, id).Int()
	if err != nil {
		return fmt.Errorf("close case %d: %w", id, err)
	}
	if found == 0 {
		return fmt.Errorf("close case %d: %w", id, flows.ErrNotFound)
	}
	return nil
}

// OpenCount counts open cases whose hash has not expired: SMEMBERS of the
// open set, then one pipelined HGET per member (both in slot {case}, so two
// round trips on a cluster too), then SREM of the members that expired. Its
// cost grows with the cases opened and not closed within the TTL, which
// staff keep small.
func (c *Cases) OpenCount(ctx context.Context) (int, error) {
	ids, err := c.members(ctx, c.keys.Case("open"))
	if err != nil {
		return 0, fmt.Errorf("count open cases: %w", err)
	}
	flags := make([]*redis.StringCmd, len(ids))
	_, _ = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			flags[i] = p.HGet(ctx, c.caseKey(id), fieldOpen)
		}
		return nil
	}) // each reply is checked below: redis.Nil (expired) is expected
	n, gone := 0, []any{}
	for i, f := range flags {
		switch {
		case errors.Is(f.Err(), redis.Nil):
			gone = append(gone, ids[i])
		case f.Err() != nil:
			return 0, fmt.Errorf("count open cases: %w", f.Err())
		case f.Val() == "1":
			n++
		}
	}
	return n, c.dropGone(ctx, gone)
}

// members reads a set of case numbers.
func (c *Cases) members(ctx context.Context, key string) ([]int64, error) {
	raw, err := c.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	return parseIDs(raw)
}

// dropGone removes expired cases from the open set.
func (c *Cases) dropGone(ctx context.Context, gone []any) error {
	if len(gone) == 0 {
		return nil
	}
	if err := c.rdb.SRem(ctx, c.keys.Case("open"), gone...).Err(); err != nil {
		return fmt.Errorf("drop %d expired cases from the open set: %w", len(gone), err)
	}
	return nil
}

// Forget deletes every case of the chat, then the chat's case keys, so that
// a failure half way leaves the list to retry with.
func (c *Cases) Forget(ctx context.Context, chatID int64) error {
	ids, err := c.members(ctx, c.keys.ChatCases(chatID))
	if err != nil {
		return fmt.Errorf("forget cases of chat %d: %w", chatID, err)
	}
	if err := c.deleteCases(ctx, ids); err != nil {
		return fmt.Errorf("forget cases of chat %d: %w", chatID, err)
	}
	err = c.rdb.Del(ctx, c.keys.ChatCase(chatID), c.keys.ChatCases(chatID)).Err()
	if err != nil {
		return fmt.Errorf("forget cases of chat %d: %w", chatID, err)
	}
	return nil
}

// deleteCases deletes the case hashes and their open-set entries in one
// transaction (slot {case}).
func (c *Cases) deleteCases(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Del(ctx, c.caseKey(id))
			p.SRem(ctx, c.keys.Case("open"), id)
		}
		return nil
	})
	return err
}

func (c *Cases) caseKey(id int64) string { return c.keys.Case(strconv.FormatInt(id, 10)) }
