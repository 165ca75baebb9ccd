package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

func TestInsightsCountsAndBoundsUnanswered(t *testing.T) {
	client, prefix := redistest.Client(t)
	in := redisstore.NewInsights(client, prefix)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := in.Unanswered(ctx, "km", "tax refund"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 600; i++ {
		if err := in.Unanswered(ctx, "km", fmt.Sprint("q", i)); err != nil {
			t.Fatal(err)
		}
	}
	top, err := in.TopUnanswered(ctx, "km", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top[0].Member != "tax refund" || top[0].Score != 3 {
		t.Errorf("top = %+v, want tax refund asked 3 times", top)
	}
	if n := client.ZCard(ctx, redisstore.Keys{Prefix: prefix}.Unanswered("km")).Val(); n > 500 {
		t.Errorf("%d questions kept, want at most 500", n)
	}
}

const today = flows.Day(20_000)

func TestInsights(t *testing.T) { testInsights(t, redistest.Client) }

func testInsights(t *testing.T, newClient clientFunc) {
	t.Run("SeenKeys", func(t *testing.T) { testSeenKeys(t, newClient) })
	t.Run("Report", func(t *testing.T) { testReport(t, newClient) })
	t.Run("PageOpenedFlush", func(t *testing.T) { testPageOpenedFlush(t, newClient) })
}

func newInsights(t *testing.T, newClient clientFunc) (*redisstore.Insights, redis.UniversalClient, redisstore.Keys) {
	client, prefix := newClient(t)
	return redisstore.NewInsights(client, prefix), client, redisstore.Keys{Prefix: prefix}
}

// testSeenKeys checks which HyperLogLogs a person is added to, their
// expiry, and that adding the same person twice counts them once.
func testSeenKeys(t *testing.T, newClient clientFunc) {
	tests := []struct {
		name string
		p    flows.Profile
		want []string // suffixes after d:20000
	}{
		{"Full", flows.Profile{Lang: "km", Role: flows.RoleWorker, Country: "kh"}, []string{"", ":l:km", ":r:w", ":c:kh"}},
		{"NoCountry", flows.Profile{Lang: "vi", Role: flows.RoleOfficial}, []string{"", ":l:vi", ":r:o", ":c:-"}},
		{"Onboarding", flows.Profile{}, []string{"", ":c:-"}},
		{"UnknownValues", flows.Profile{Lang: "fr", Role: 'x', Country: "fr"}, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, client, keys := newInsights(t, newClient)
			for range 2 {
				if err := in.Seen(t.Context(), today, tc.p, 1234567890); err != nil {
					t.Fatal(err)
				}
			}
			var want []string
			for _, s := range tc.want {
				want = append(want, keys.Stats("d:20000"+s))
			}
			got := scanKeys(t, client, keys.Stats("d:*"))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("keys %q, want %q", got, want)
			}
			for _, k := range want {
				if n := client.PFCount(t.Context(), k).Val(); n != 1 {
					t.Errorf("PFCOUNT %s = %d after the same person twice, want 1", k, n)
				}
				checkTTLBetween(t, client, k, 32*24*time.Hour-time.Minute, 32*24*time.Hour)
			}
		})
	}
}

// scanKeys lists the keys matching pattern; all stats keys share one slot,
// so on a cluster the node holding the first one holds them all.
func scanKeys(t *testing.T, client redis.UniversalClient, pattern string) []string {
	t.Helper()
	var keys []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		return iter.Err()
	}
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(t.Context(), func(ctx context.Context, node *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return scan(ctx, node)
		})
	} else {
		err = scan(t.Context(), client)
	}
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// activity is who was seen when, for testReport.
var activity = []struct {
	daysAgo int
	chat    int64
	p       flows.Profile
}{
	{0, 1, flows.Profile{Lang: "km", Role: flows.RoleWorker, Country: "kh"}},
	{1, 1, flows.Profile{Lang: "km", Role: flows.RoleWorker, Country: "kh"}}, // the same person again
	{6, 2, flows.Profile{Lang: "vi", Role: flows.RoleWorker, Country: "vn"}},
	{7, 3, flows.Profile{Lang: "km", Role: flows.RoleOfficial}},               // 30 days only
	{29, 4, flows.Profile{Lang: "my", Country: "mm"}},                         // 30 days only
	{30, 5, flows.Profile{Lang: "lo", Role: flows.RoleWorker, Country: "la"}}, // too old
	{-1, 6, flows.Profile{Lang: "zh"}},                                        // tomorrow: not yet
}

func testReport(t *testing.T, newClient clientFunc) {
	in, _, _ := newInsights(t, newClient)
	for _, a := range activity {
		if err := in.Seen(t.Context(), today-flows.Day(a.daysAgo), a.p, a.chat); err != nil {
			t.Fatal(err)
		}
	}
	for _, page := range []string{"root", "pre.fees", "root", "mou", "root", "pre.fees"} {
		in.PageOpened("km", page)
	}
	for _, q := range []struct{ lang, q string }{{"km", "tax"}, {"vi", "visa"}, {"vi", "visa"}, {"en", "bank"}} {
		if err := in.Unanswered(t.Context(), q.lang, q.q); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := in.Report(t.Context(), today)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, got)
}

func checkReport(t *testing.T, got flows.InsightReport) {
	t.Helper()
	c := func(key string, n int) flows.Count { return flows.Count{Key: key, N: n} }
	want := flows.InsightReport{Active7: 2, Active30: 4,
		ByLang:     []flows.Count{c("km", 2), c("lo", 0), c("my", 1), c("vi", 1), c("th", 0), c("zh", 0), c("en", 0)},
		ByRole:     []flows.Count{c("w", 2), c("o", 1)},
		ByCountry:  []flows.Count{c("kh", 1), c("la", 0), c("mm", 1), c("vn", 1), c("xx", 0), c("-", 1)},
		TopPages:   []flows.Count{c("root", 3), c("pre.fees", 2), c("mou", 1)},
		Unanswered: []flows.Count{c("vi: visa", 2), c("km: tax", 1), c("en: bank", 1)},
	}
	if got.Active7 != want.Active7 || got.Active30 != want.Active30 {
		t.Errorf("active 7/30 = %d/%d, want %d/%d", got.Active7, got.Active30, want.Active7, want.Active30)
	}
	for _, c := range []struct {
		name      string
		got, want []flows.Count
	}{
		{"ByLang", got.ByLang, want.ByLang}, {"ByRole", got.ByRole, want.ByRole},
		{"ByCountry", got.ByCountry, want.ByCountry}, {"TopPages", got.TopPages, want.TopPages},
		{"Unanswered", got.Unanswered, want.Unanswered},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v\nwant %v", c.name, c.got, c.want)
		}
	}
}

func testPageOpenedFlush(t *testing.T, newClient clientFunc) {
	in, client, keys := newInsights(t, newClient)
	if err := in.Flush(t.Context()); err != nil {
		t.Fatalf("Flush with nothing buffered: %v", err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				in.PageOpened(flows.Languages[g%len(flows.Languages)], fmt.Sprint("p", i%4))
			}
		})
	}
	wg.Wait()
	if n := client.Exists(t.Context(), keys.Stats("pages")).Val(); n != 0 {
		t.Fatal("PageOpened wrote to Redis before Flush")
	}
	for range 2 { // the second flush has nothing to add
		if err := in.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if got := client.ZScore(t.Context(), keys.Stats("pages"), fmt.Sprint("p", i)).Val(); got != 200 {
			t.Errorf("page p%d counted %v times, want 200", i, got)
		}
	}
}

// TestInsightsRunFlushesOnStop stops Run at once: the final flush writes
// what was buffered.
func TestInsightsRunFlushesOnStop(t *testing.T) {
	in, client, keys := newInsights(t, redistest.Client)
	in.PageOpened("km", "root")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := client.ZScore(t.Context(), keys.Stats("pages"), "root").Val(); got != 1 {
		t.Errorf("root counted %v times after Run stopped, want 1", got)
	}
}

// TestInsightsFlushKeepsCountsWhileRedisIsDown fails a flush and checks that
// the next one, once Redis is back, writes everything.
func TestInsightsFlushKeepsCountsWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	client, prefix := redistest.ClientAt(t, srv.Addr)
	in := redisstore.NewInsights(client, prefix)
	in.PageOpened("km", "root")
	srv.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	err := in.Flush(ctx)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "kept for the next flush") {
		t.Fatalf("Flush with Redis down = %v, want an error keeping the counts", err)
	}
	in.PageOpened("km", "root")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var got float64
	for deadline := time.Now().Add(5 * time.Second); got == 0 && time.Now().Before(deadline); {
		if in.Flush(t.Context()) == nil { // go-redis reconnects within about a second
			got = client.ZScore(t.Context(), redisstore.Keys{Prefix: prefix}.Stats("pages"), "root").Val()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != 2 {
		t.Errorf("root counted %v times after Redis came back, want 2", got)
	}
}

// BenchmarkInsightsReport measures /stats over 30 full days: 3000 people a
// day, so each day's HyperLogLogs are dense (12 KB) and every PFCOUNT of 30
// keys merges 30 of them inside Redis.
func BenchmarkInsightsReport(b *testing.B) {
	client, prefix := redistest.Client(b)
	in := redisstore.NewInsights(client, prefix)
	for d := range 30 {
		fillDay(b, in, today-flows.Day(d), 3000)
	}
	var r flows.InsightReport
	for b.Loop() {
		var err error
		if r, err = in.Report(b.Context(), today); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("active 7/30 days: %d/%d", r.Active7, r.Active30)
}

// fillDay marks n people seen on day, a third of them new each day.
func fillDay(b *testing.B, in *redisstore.Insights, day flows.Day, n int) {
	b.Helper()
	for i := range n {
		chat := int64(day)*1000 + int64(i) // overlaps the next days' people
		p := flows.Profile{Lang: flows.Languages[i%len(flows.Languages)], Role: flows.RoleWorker,
			Country: flows.Countries[i%len(flows.Countries)]}
		if err := in.Seen(context.Background(), day, p, chat); err != nil {
			b.Fatal(err)
		}
	}
}
