package broadcast

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/wait"
)

const (
	// maxBatch bounds the sends one Take round trip reserves: 20 at
	// 1,000/s is 20 ms of the whole bot's sending.
	maxBatch = 20
	// batchSpan is how much sending time one batch may reserve, so that a
	// slow rate (30/s) reserves one send at a time.
	batchSpan = 50 * time.Millisecond
	// minAhead is how far ahead of now reservations may reach: two batches
	// at least, so that one process can fetch its next batch while it
	// hands out the current one.
	minAhead = 100 * time.Millisecond
	// flushEvery is how long Consume buffers before telling Redis.
	flushEvery = 100 * time.Millisecond
	// flushTimeout bounds a Consume flush; interactive sends never wait on it.
	flushTimeout = time.Second
)

// budgetScript is GCRA over a "theoretical arrival time" (tat, Unix µs of
// the Redis clock) in KEYS[1]: the next moment a send may go out, for all
// processes. ARGV: n sends, interval µs per send, max µs ahead, "take" or
// "force". A take of n is granted when tat is at most ahead in the future;
// the caller then owns the n slots tat, tat+interval, ... and tat moves past
// them. A forced consumption (interactive sends already made) always moves
// tat, possibly far ahead: that debt makes the next takes wait. Returns
// {granted, µs}: for a grant, how long from now the first slot is; for a
// refusal, how long until asking again makes sense.
var budgetScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local n, interval, ahead = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if ARGV[4] == 'take' and tat - now > ahead then
  return {0, tat - now - ahead}
end
local next = tat + n * interval
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.floor((next - now) / 1000) + 1000)
return {n, tat - now}
`)

// Budget is the send rate shared by every process of the bot (SEND_RATE),
// kept in Redis. Broadcast workers Take a slot before each send; the
// interactive sender reports its sends with Consume and never waits. See the
// package doc for why it has this shape. It is safe for concurrent use.
type Budget struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration // between two sends at the rate
	batch    int
	ahead    time.Duration
	stale    time.Duration // a slot older than this is wasted, not used late
	log      *slog.Logger

	waiting atomic.Int64 // Take calls without a slot
	fill    sync.Mutex   // one reservation round trip at a time per process
	mu      sync.Mutex
	slots   []time.Time // reserved, local clock, ascending

	pending  atomic.Int64 // Consume'd, not yet flushed
	flushing atomic.Bool
}

// NewBudget returns the budget of perSecond sends for all processes using
// the same client and prefix. log may be nil.
func NewBudget(client redis.UniversalClient, prefix string, perSecond float64, log *slog.Logger) (*Budget, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("broadcast budget: rate %v/s, want a positive number", perSecond)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := time.Duration(float64(time.Second) / perSecond)
	batch := min(maxBatch, max(1, int(batchSpan/interval)))
	return &Budget{
		rdb:      client,
		key:      newKeys(prefix).budget(),
		interval: interval,
		batch:    batch,
		ahead:    max(minAhead, 2*time.Duration(batch)*interval),
		stale:    max(2*interval, 5*time.Millisecond),
		log:      log,
	}, nil
}

// Take waits for a send slot. Slots are reserved in Redis in batches of up
// to 20 (one round trip each) and handed out here at their time, so the
// sends of all processes together stay on one schedule.
func (b *Budget) Take(ctx context.Context) error {
	for {
		at, err := b.slot(ctx)
		if err != nil {
			return err
		}
		if err := wait.Sleep(ctx, time.Until(at)); err != nil {
			return err
		}
		// Woken too late (a stall, a busy machine): every sender woken with
		// us would go out at once, so the slot is given up like a stale one.
		if time.Since(at) <= b.stale {
			return nil
		}
	}
}

// slot returns the next slot, reserving more when there is none.
func (b *Budget) slot(ctx context.Context) (time.Time, error) {
	b.waiting.Add(1)
	defer b.waiting.Add(-1)
	for {
		if at, ok := b.pop(); ok {
			return at, nil
		}
		if err := b.reserve(ctx); err != nil {
			return time.Time{}, err
		}
	}
}

// pop hands out the next slot, dropping those too old to use: sending them
// late would bunch sends together.
func (b *Budget) pop() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for len(b.slots) > 0 {
		at := b.slots[0]
		b.slots = b.slots[1:]
		if now.Sub(at) <= b.stale {
			return at, true
		}
	}
	return time.Time{}, false
}

// reserve fetches a batch of slots for the goroutines waiting, unless
// another one just did.
func (b *Budget) reserve(ctx context.Context) error {
	b.fill.Lock()
	defer b.fill.Unlock()
	b.mu.Lock()
	has := len(b.slots) > 0
	b.mu.Unlock()
	if has {
		return nil
	}
	n := min(b.batch, max(1, int(b.waiting.Load())))
	res, err := budgetScript.Run(ctx, b.rdb, []string{b.key},
		n, b.interval.Microseconds(), b.ahead.Microseconds(), "take").Int64Slice()
	if err != nil {
		return fmt.Errorf("reserve %d sends: %w", n, err)
	}
	if len(res) != 2 {
		return fmt.Errorf("reserve %d sends: unexpected answer %v", n, res)
	}
	pause := time.Duration(res[1]) * time.Microsecond
	if res[0] == 0 {
		return wait.Sleep(ctx, pause)
	}
	// The reply's arrival stands for the script's "now": slots fall a
	// little late rather than early.
	first := time.Now().Add(pause)
	b.mu.Lock()
	for i := range int(res[0]) {
		b.slots = append(b.slots, first.Add(time.Duration(i)*b.interval))
	}
	b.mu.Unlock()
	return nil
}

// Consume counts n sends already made outside Take (interactive replies,
// retries). It never blocks: the count is flushed to Redis within 100 ms as
// a forced consumption, which may put the budget in debt; broadcasts then
// wait until the debt is paid.
func (b *Budget) Consume(n int) {
	if n <= 0 {
		return
	}
	b.pending.Add(int64(n))
	if b.flushing.CompareAndSwap(false, true) {
		time.AfterFunc(flushEvery, b.flush)
	}
}

func (b *Budget) flush() {
	b.flushing.Store(false) // before the swap: a Consume from now on schedules another flush
	n := b.pending.Swap(0)
	if n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	err := budgetScript.Run(ctx, b.rdb, []string{b.key},
		n, b.interval.Microseconds(), b.ahead.Microseconds(), "force").Err()
	if err != nil {
		// Dropped, not retried: a Redis outage must not pile up debt.
		b.log.Warn("broadcast budget: count interactive sends", "sends", n, "err", err)
	}
}
