package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Reminders = (*Reminders)(nil)

// reminderLang is the field of the chat's reminder hash that holds the
// language; the others are kinds.
const reminderLang = "l"

// Reminders keeps people's reminders and their schedule, and lets any
// number of processes deliver them exactly once (bot/reminders). It is safe
// for concurrent use.
//
// The chat's reminders (Keys.Reminders) are the truth; the schedule
// ({rem}:due, one entry per reminder, scored by its next message) follows
// them. On a cluster the two live in different slots, so they are written
// one after the other, in the order that leaves a crash harmless: Set
// schedules first, Delete and Forget unschedule last. An entry left without
// its reminder is dropped, unsent, when it comes due (the deliverer reads
// the reminder first); one whose date changed is rescheduled by the current
// date (Reminder.OnSchedule).
//
// Delivery: Claim moves due entries to {rem}:flight under a lease, in one
// script, so one process gets each. Done, after the send, drops the claim
// and schedules the next message (only if the claim is still the caller's).
// A process that dies holding a claim leaves it to expire: the next Claim
// by anyone takes it over. So a message is lost never, and sent twice only
// when a process dies between Telegram accepting it and Done: the same
// window as broadcasts (see bot/broadcast).
type Reminders struct {
	rdb  redis.UniversalClient
	keys Keys
	now  func() time.Time
}

// NewReminders returns Reminders on client under prefix; now is the
// service clock that schedules are read against (nil: time.Now).
func NewReminders(client redis.UniversalClient, prefix string, now func() time.Time) *Reminders {
	if now == nil {
		now = time.Now
	}
	return &Reminders{rdb: client, keys: Keys{Prefix: prefix}, now: now}
}

func (s *Reminders) due() string    { return s.keys.Reminder("due") }
func (s *Reminders) flight() string { return s.keys.Reminder("flight") }

func dueMember(chat int64, k flows.ReminderKind) string {
	return strconv.FormatInt(chat, 10) + ":" + string(k)
}

// Set schedules the reminder's next message, then stores it with the
// language: two round trips, one per slot.
func (s *Reminders) Set(ctx context.Context, chatID int64, r flows.Reminder, lang string) error {
	next, ok := r.Next(s.now())
	if !ok {
		return fmt.Errorf("set reminder of chat %d: %s has passed", chatID, r.Date)
	}
	if err := s.rdb.ZAdd(ctx, s.due(), redis.Z{Score: float64(next.Unix()), Member: dueMember(chatID, r.Kind)}).Err(); err != nil {
		return fmt.Errorf("schedule reminder of chat %d: %w", chatID, err)
	}
	err := s.rdb.HSet(ctx, s.keys.Reminders(chatID), string(r.Kind), r.Date.String(), reminderLang, lang).Err()
	if err != nil {
		return fmt.Errorf("set reminder of chat %d: %w", chatID, err)
	}
	return nil
}

// List reads the chat's reminders with one HGETALL.
func (s *Reminders) List(ctx context.Context, chatID int64) ([]flows.Reminder, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.Reminders(chatID)).Result()
	if err != nil {
		return nil, fmt.Errorf("list reminders of chat %d: %w", chatID, err)
	}
	var out []flows.Reminder
	for _, k := range flows.ReminderKinds {
		raw, ok := h[string(k)]
		if !ok {
			continue
		}
		d, err := flows.ParseDay(raw)
		if err != nil {
			return nil, fmt.Errorf("list reminders of chat %d: %w", chatID, err)
		}
		out = append(out, flows.Reminder{Kind: k, Date: d})
	}
	return out, nil
}

// reminderDeleteScript deletes the reminder ARGV[1] of the chat (KEYS[1]) if its
// date is ARGV[2] ("" any date), and the whole hash when only the language
// is left. Returns 1 if deleted.
var reminderDeleteScript = redis.NewScript(`
local date = redis.call('HGET', KEYS[1], ARGV[1])
if not date or (ARGV[2] ~= '' and date ~= ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
return 1`)

// Delete removes the reminder, then its schedule.
func (s *Reminders) Delete(ctx context.Context, chatID int64, kind flows.ReminderKind) error {
	if err := reminderDeleteScript.Run(ctx, s.rdb, []string{s.keys.Reminders(chatID)}, string(kind), "").Err(); err != nil {
		return fmt.Errorf("delete reminder of chat %d: %w", chatID, err)
	}
	if err := s.rdb.ZRem(ctx, s.due(), dueMember(chatID, kind)).Err(); err != nil {
		return fmt.Errorf("unschedule reminder of chat %d: %w", chatID, err)
	}
	return nil
}

// reminderSetLangScript changes the language of existing reminders only, so that a
// language change creates nothing for a chat without reminders.
var reminderSetLangScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// SetLang changes the language of the chat's reminders, if it has any.
func (s *Reminders) SetLang(ctx context.Context, chatID int64, lang string) error {
	if err := reminderSetLangScript.Run(ctx, s.rdb, []string{s.keys.Reminders(chatID)}, reminderLang, lang).Err(); err != nil {
		return fmt.Errorf("set the language of the reminders of chat %d: %w", chatID, err)
	}
	return nil
}

// Forget deletes the chat's reminders, then every schedule entry of it. A
// claim in flight is not touched: its delivery reads the reminders first,
// finds none and sends nothing.
func (s *Reminders) Forget(ctx context.Context, chatID int64) error {
	if err := s.rdb.Del(ctx, s.keys.Reminders(chatID)).Err(); err != nil {
		return fmt.Errorf("forget reminders of chat %d: %w", chatID, err)
	}
	members := make([]any, len(flows.ReminderKinds))
	for i, k := range flows.ReminderKinds {
		members[i] = dueMember(chatID, k)
	}
	if err := s.rdb.ZRem(ctx, s.due(), members...).Err(); err != nil {
		return fmt.Errorf("unschedule reminders of chat %d: %w", chatID, err)
	}
	return nil
}

// DueReminder is a reminder message claimed for delivery.
type DueReminder struct {
	Chat int64
	Kind flows.ReminderKind
	At   time.Time // when the message was due
	// Until is when the claim's lease ends as this process sees it: no later
	// than Redis's deadline, since it counts from before the request.
	Until  time.Time
	member string // in the flight zset
}

// reminderClaimScript takes up to ARGV[2] messages for the token ARGV[4] with a
// lease of ARGV[3] ms: first claims whose lease expired (their process
// died), then due entries (score <= ARGV[1], the service clock) in order.
// Each becomes "<chat>:<kind>:<due>|<token>" in the flight zset, scored by
// its lease deadline (Redis clock). Returns the members.
//
// KEYS: due, flight.
var reminderClaimScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n, deadline = tonumber(ARGV[2]), now + tonumber(ARGV[3])
local out = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, n)) do
  redis.call('ZREM', KEYS[2], m)
  local taken = string.match(m, '^([^|]+)|') .. '|' .. ARGV[4]
  redis.call('ZADD', KEYS[2], deadline, taken)
  out[#out + 1] = taken
end
if #out >= n then return out end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, n - #out)
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[1], due[i])
  local claimed = string.format('%s:%d|%s', due[i], tonumber(due[i + 1]), ARGV[4])
  redis.call('ZADD', KEYS[2], deadline, claimed)
  out[#out + 1] = claimed
end
return out`)

// Claim takes up to n due messages (and messages whose claim expired) for
// token, for lease.
func (s *Reminders) Claim(ctx context.Context, token string, n int, lease time.Duration) ([]DueReminder, error) {
	sent := time.Now()
	members, err := reminderClaimScript.Run(ctx, s.rdb, []string{s.due(), s.flight()},
		s.now().Unix(), n, lease.Milliseconds(), token).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim due reminders: %w", err)
	}
	out := make([]DueReminder, 0, len(members))
	for _, m := range members {
		d, err := parseClaim(m)
		if err != nil {
			return out, fmt.Errorf("claim due reminders: %w", err)
		}
		d.Until = sent.Add(lease)
		out = append(out, d)
	}
	return out, nil
}

// parseClaim reads "<chat>:<kind>:<due>|<token>".
func parseClaim(member string) (DueReminder, error) {
	base, _, _ := strings.Cut(member, "|")
	f := strings.Split(base, ":")
	if len(f) != 3 || len(f[1]) != 1 {
		return DueReminder{}, fmt.Errorf("claim %q: want chat:kind:due", member)
	}
	chat, err1 := strconv.ParseInt(f[0], 10, 64)
	at, err2 := strconv.ParseInt(f[2], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return DueReminder{}, fmt.Errorf("claim %q: %w", member, err)
	}
	return DueReminder{Chat: chat, Kind: flows.ReminderKind(f[1][0]), At: time.Unix(at, 0), member: member}, nil
}

// Reminder reads the chat's reminder of kind and the chat's language; ok
// is false when there is none (deleted, forgotten).
func (s *Reminders) Reminder(ctx context.Context, chatID int64, kind flows.ReminderKind) (r flows.Reminder, lang string, ok bool, err error) {
	vals, err := s.rdb.HMGet(ctx, s.keys.Reminders(chatID), string(kind), reminderLang).Result()
	if err != nil {
		return flows.Reminder{}, "", false, fmt.Errorf("read reminder of chat %d: %w", chatID, err)
	}
	raw, _ := vals[0].(string)
	lang, _ = vals[1].(string)
	if raw == "" {
		return flows.Reminder{}, "", false, nil
	}
	d, err := flows.ParseDay(raw)
	if err != nil {
		return flows.Reminder{}, "", false, fmt.Errorf("read reminder of chat %d: %w", chatID, err)
	}
	return flows.Reminder{Kind: kind, Date: d}, lang, true, nil
}

// reminderDoneScript ends the claim ARGV[1] if it is still the caller's and then
// schedules the reminder ARGV[3] at ARGV[2] ("" none), unless the person set
// it anew meanwhile (NX: their schedule stands). Returns 1 if it was held.
//
// KEYS: flight, due.
var reminderDoneScript = redis.NewScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[3]) end
return 1`)

// reminderUnscheduleScript removes the entry ARGV[1] if it is still scheduled at
// ARGV[2]: what Done wrote, not a schedule the person made since.
//
// KEYS: due.
var reminderUnscheduleScript = redis.NewScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`)

// Done ends a claim after its message was sent (or found not to be due)
// and schedules the reminder's next message at next (zero: none). held is
// false when the claim had expired and been taken over: the taker
// schedules then. A delete or /forget may have run while the message was
// out; the reminder is read again afterwards and a next message for one
// that is gone is taken back, so no schedule outlives it.
func (s *Reminders) Done(ctx context.Context, d DueReminder, next time.Time) (held bool, err error) {
	score := ""
	if !next.IsZero() {
		score = strconv.FormatInt(next.Unix(), 10)
	}
	member := dueMember(d.Chat, d.Kind)
	n, err := reminderDoneScript.Run(ctx, s.rdb, []string{s.flight(), s.due()}, d.member, score, member).Int()
	if err != nil {
		return false, fmt.Errorf("end reminder claim: %w", err)
	}
	if n == 0 || score == "" {
		return n == 1, nil
	}
	_, _, ok, err := s.Reminder(ctx, d.Chat, d.Kind)
	if err == nil && !ok {
		err = reminderUnscheduleScript.Run(ctx, s.rdb, []string{s.due()}, member, score).Err()
	}
	if err != nil {
		return true, fmt.Errorf("check reminder after its message: %w", err)
	}
	return true, nil
}

// reminderReleaseScript hands the claim ARGV[1] back for another try in ARGV[2] ms
// (0: at once), if it is still the caller's: it is taken over by the first
// Claim after that.
//
// KEYS: flight.
var reminderReleaseScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`)

// Release hands a claim back unsent, to be tried again after a pause (a
// failed send) or at once (a process stopping).
func (s *Reminders) Release(ctx context.Context, d DueReminder, after time.Duration) error {
	if err := reminderReleaseScript.Run(ctx, s.rdb, []string{s.flight()}, d.member, after.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("hand back reminder claim: %w", err)
	}
	return nil
}

// Finished deletes a reminder whose last message went out, if its date is
// still r.Date (the person may have set a new one meanwhile).
func (s *Reminders) Finished(ctx context.Context, chatID int64, r flows.Reminder) error {
	err := reminderDeleteScript.Run(ctx, s.rdb, []string{s.keys.Reminders(chatID)}, string(r.Kind), r.Date.String()).Err()
	if err != nil {
		return fmt.Errorf("delete finished reminder of chat %d: %w", chatID, err)
	}
	return nil
}
