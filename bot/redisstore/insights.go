package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Insights = (*Insights)(nil)

const (
	// maxUnanswered bounds the unanswered questions kept per language; the
	// least asked are dropped first.
	maxUnanswered = 500
	// statsTTL keeps a day's active-people counts long enough for a 30-day
	// report on any day, with a little slack.
	statsTTL = 32 * 24 * time.Hour
	// FlushInterval is how often Run writes the buffered page counts.
	FlushInterval = 10 * time.Second
	// finalFlushTimeout bounds the last flush when Run stops.
	finalFlushTimeout = 5 * time.Second
	// reportTop is how many pages and questions a report lists.
	reportTop = 10
)

// Insights keeps anonymous counts for staff in Redis (see Keys for the
// layout). Nothing in it names or points to a person: active people are
// counted in HyperLogLogs, pages by page id only, questions in anonymised
// form. It is safe for concurrent use.
//
// Page counts are buffered in memory and written by Flush, which Run calls
// every FlushInterval and once more on stop: a crash loses up to one
// interval of page counts, which is fine for "most opened pages".
type Insights struct {
	client redis.UniversalClient
	keys   Keys

	mu    sync.Mutex
	pages map[string]int64 // page id -> opens not yet written
}

// NewInsights returns Insights under prefix. Call Run (or Flush) for page
// counts to reach Redis.
func NewInsights(client redis.UniversalClient, prefix string) *Insights {
	return &Insights{client: client, keys: Keys{Prefix: prefix}, pages: map[string]int64{}}
}

// Unanswered counts an (already anonymised) question no page answered.
// One round trip: the count and the trim go in one pipeline.
func (in *Insights) Unanswered(ctx context.Context, lang, question string) error {
	key := in.keys.Unanswered(lang)
	_, err := in.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZIncrBy(ctx, key, 1, question)
		p.ZRemRangeByRank(ctx, key, 0, -maxUnanswered-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count unanswered question: %w", err)
	}
	return nil
}

// TopUnanswered returns the most asked unanswered questions in lang.
func (in *Insights) TopUnanswered(ctx context.Context, lang string, n int) ([]redis.Z, error) {
	z, err := in.client.ZRevRangeWithScores(ctx, in.keys.Unanswered(lang), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read unanswered questions: %w", err)
	}
	return z, nil
}

// Seen adds the chat id to the day's HyperLogLog and to those of the
// person's language, role and country, and sets each to expire after 32
// days: one pipeline, one round trip (one slot, {stats}, on a cluster). A
// dimension whose value is not one the report reads (unknown language or
// role) gets no key. The error names no chat.
func (in *Insights) Seen(ctx context.Context, day flows.Day, p flows.Profile, chatID int64) error {
	keys := in.seenKeys(day, p)
	_, err := in.client.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, k := range keys {
			pl.PFAdd(ctx, k, chatID)
			pl.Expire(ctx, k, statsTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count active person on day %d: %w", day, err)
	}
	return nil
}

// seenKeys are the HyperLogLogs a person seen on day with profile p is
// added to.
func (in *Insights) seenKeys(day flows.Day, p flows.Profile) []string {
	keys := []string{in.dayKey(day, "")}
	for _, d := range dimensions {
		if v := d.of(p); slices.Contains(d.values, v) {
			keys = append(keys, in.dayKey(day, ":"+d.tag+":"+v))
		}
	}
	return keys
}

// dimension is a way the active people are split in a report.
type dimension struct {
	tag    string   // in the key: d:<day>:<tag>:<value>
	values []string // the values counted, in report order
	of     func(flows.Profile) string
}

var dimensions = []dimension{
	{"l", flows.Languages, func(p flows.Profile) string { return p.Lang }},
	{"r", []string{string(flows.RoleWorker), string(flows.RoleOfficial)},
		func(p flows.Profile) string { return string(p.Role) }},
	{"c", append(slices.Clone(flows.Countries), "-"), func(p flows.Profile) string { return cmp.Or(p.Country, "-") }},
}

// dayKey is the key of day's HyperLogLog, with suffix naming a dimension
// value or "" for everyone.
func (in *Insights) dayKey(day flows.Day, suffix string) string {
	return in.keys.Stats("d:" + strconv.Itoa(int(day)) + suffix)
}

// lastDays are the keys of the n days up to today, with suffix.
func (in *Insights) lastDays(today flows.Day, n int, suffix string) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = in.dayKey(today-flows.Day(i), suffix)
	}
	return keys
}

// PageOpened counts a page being shown, in memory only: it takes a mutex
// and never touches the network. The language is not kept.
func (in *Insights) PageOpened(_, page string) {
	if page == "" {
		return
	}
	in.mu.Lock()
	in.pages[page]++
	in.mu.Unlock()
}

// Flush writes the buffered page counts with one pipelined ZINCRBY per page.
// Counts whose write failed go back into the buffer for the next flush (a
// write whose reply was lost may so be counted twice).
func (in *Insights) Flush(ctx context.Context) error {
	in.mu.Lock()
	pending := in.pages
	in.pages = map[string]int64{}
	in.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	cmds := make(map[string]*redis.FloatCmd, len(pending))
	_, _ = in.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for page, n := range pending {
			cmds[page] = p.ZIncrBy(ctx, in.keys.Stats("pages"), float64(n), page)
		}
		return nil
	}) // each reply is checked below
	return in.keepFailed(pending, cmds)
}

// keepFailed puts the counts whose ZINCRBY failed back into the buffer.
func (in *Insights) keepFailed(pending map[string]int64, cmds map[string]*redis.FloatCmd) error {
	var failed int
	var first error
	in.mu.Lock()
	defer in.mu.Unlock()
	for page, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			in.pages[page] += pending[page]
			failed++
			first = cmp.Or(first, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("write %d page counts (kept for the next flush): %w", failed, first)
	}
	return nil
}

// Run flushes the page counts every FlushInterval until ctx ends, then once
// more (with up to 5 s of its own) and returns that last flush's error. A
// failed flush in between keeps its counts for the next one.
func (in *Insights) Run(ctx context.Context) error {
	tick := time.NewTicker(FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			_ = in.Flush(ctx)
		case <-ctx.Done():
			return in.finalFlush(ctx)
		}
	}
}

// finalFlush flushes on stop with a context of its own, since ctx is done.
func (in *Insights) finalFlush(ctx context.Context) error {
	final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
	defer cancel()
	return in.Flush(final)
}

// Report sums the counts as of today in one pipelined round trip: PFCOUNT
// over the day keys of the last 7 and 30 days (a PFCOUNT of several keys
// counts their union, so a person active on many days counts once), the same
// over 30 days for each language, role and country, and the top pages and
// unanswered questions: about 3 ms on a local Redis for 30 days of 3000
// people a day (BenchmarkInsightsReport), nearly all of it the merging inside
// PFCOUNT. The splits list every known value in a fixed order, zeros
// included, so reports of different days line up.
func (in *Insights) Report(ctx context.Context, today flows.Day) (flows.InsightReport, error) {
	q := in.queueReport(ctx, today)
	if _, err := q.pipe.Exec(ctx); err != nil {
		return flows.InsightReport{}, fmt.Errorf("insights report for day %d: %w", today, err)
	}
	r := flows.InsightReport{
		Active7:    int(q.active7.Val()),
		Active30:   int(q.active30.Val()),
		ByLang:     q.split(0),
		ByRole:     q.split(1),
		ByCountry:  q.split(2),
		TopPages:   counts(q.pages.Val()),
		Unanswered: topUnanswered(q.unanswered),
	}
	return r, nil
}

// reportQuery holds the replies of a report's pipeline.
type reportQuery struct {
	pipe              redis.Pipeliner
	active7, active30 *redis.IntCmd
	byDim             [][]*redis.IntCmd // per dimension, per value
	pages             *redis.ZSliceCmd
	unanswered        []*redis.ZSliceCmd // per flows.Languages
}

func (in *Insights) queueReport(ctx context.Context, today flows.Day) *reportQuery {
	p := in.client.Pipeline()
	q := &reportQuery{pipe: p,
		active7:  p.PFCount(ctx, in.lastDays(today, 7, "")...),
		active30: p.PFCount(ctx, in.lastDays(today, 30, "")...),
		pages:    p.ZRevRangeWithScores(ctx, in.keys.Stats("pages"), 0, reportTop-1),
	}
	for _, d := range dimensions {
		var cmds []*redis.IntCmd
		for _, v := range d.values {
			cmds = append(cmds, p.PFCount(ctx, in.lastDays(today, 30, ":"+d.tag+":"+v)...))
		}
		q.byDim = append(q.byDim, cmds)
	}
	for _, lang := range flows.Languages {
		q.unanswered = append(q.unanswered, p.ZRevRangeWithScores(ctx, in.keys.Unanswered(lang), 0, reportTop-1))
	}
	return q
}

// split is the counts of dimensions[i], one per known value.
func (q *reportQuery) split(i int) []flows.Count {
	out := make([]flows.Count, len(dimensions[i].values))
	for j, v := range dimensions[i].values {
		out[j] = flows.Count{Key: v, N: int(q.byDim[i][j].Val())}
	}
	return out
}

// counts turns a sorted-set reply into Counts, keeping its order.
func counts(zs []redis.Z) []flows.Count {
	out := make([]flows.Count, len(zs))
	for i, z := range zs {
		out[i] = flows.Count{Key: fmt.Sprint(z.Member), N: int(z.Score)}
	}
	return out
}

// topUnanswered merges each language's top questions into the overall top,
// most asked first, as "lang: question". The overall top is always among the
// per-language tops, so reading reportTop of each is enough.
func topUnanswered(byLang []*redis.ZSliceCmd) []flows.Count {
	var all []flows.Count
	for i, cmd := range byLang {
		for _, c := range counts(cmd.Val()) {
			all = append(all, flows.Count{Key: flows.Languages[i] + ": " + c.Key, N: c.N})
		}
	}
	slices.SortStableFunc(all, func(a, b flows.Count) int { return cmp.Compare(b.N, a.N) })
	return all[:min(len(all), reportTop)]
}
