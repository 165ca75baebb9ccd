package broadcast

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"mekongbot/flows"
)

// Run with: go test ./bot/broadcast -run '^$' -bench Broadcast -benchtime=1x

// benchResult is what one delivery run measured.
type benchResult struct {
	elapsed        time.Duration // Start to done
	delivered      int
	missing, dups  int
	redisDup       int
	steadyRate     float64       // deliveries/s between the 10th and 90th percentile of delivery times
	p99            time.Duration // Start to 99% delivered
	callRate       float64       // sendMessage calls/s (failed ones too) over the delivery window
	overall, chats int           // flood 429s: overall limit, per-chat limit
}

// BenchmarkBroadcast10k: one process delivers to 10,000 recipients under a
// flood limit of 1,000 messages/s (and 1/s per chat), with 5% of calls
// failing (half 429 retry_after 1, half 500/502).
func BenchmarkBroadcast10k(b *testing.B) {
	const n, rate = 10_000, 1000
	var res benchResult
	for range b.N {
		res = runBroadcast(b, n, rate)
	}
	msgs := float64(res.delivered) / res.elapsed.Seconds()
	b.ReportMetric(msgs, "msgs/s")
	b.ReportMetric(msgs/rate, "ratio")
	b.ReportMetric(res.steadyRate, "steady_msgs/s")
	b.ReportMetric(0.99*n/res.p99.Seconds()/rate, "ratio_p99")
	b.ReportMetric(res.elapsed.Seconds(), "s_total")
	b.ReportMetric(res.callRate, "calls/s")
	b.ReportMetric(float64(res.dups), "dups")
	b.ReportMetric(float64(res.missing), "missing")
	b.ReportMetric(float64(res.overall), "flood429")
	b.ReportMetric(float64(res.chats), "chat429")
	b.ReportMetric(0, "ns/op") // the run's time is in msgs/s
}

func runBroadcast(b *testing.B, n int, rate float64) benchResult {
	b.StopTimer()
	e := newEnv(b)
	e.subscribe(n, english)
	e.srv.SetRateLimit(rate, 1)
	e.srv.SetFailureRate(0.05, 11, "sendMessage")
	budget := mustBudget(e.t, e.rdb, e.prefix, rate, nil)
	cfg := e.config(e.sender(budget), budget)
	cfg.Workers, cfg.RangeSize, cfg.Lease, cfg.ProgressEvery = 0, 0, 0, 0 // the defaults
	cfg.Poll = 100 * time.Millisecond
	e.run(cfg)
	b.StartTimer()
	start := time.Now()
	id := e.start(news())
	d := e.waitFor(id, "done", func(d Details) bool { return d.State == flows.BroadcastDone }, 5*time.Minute)
	res := benchResult{elapsed: time.Since(start), delivered: d.Sent, redisDup: d.Dup}
	b.StopTimer()
	res.missing, res.dups = e.deliveries(n)
	res.overall, res.chats = e.srv.RateLimited()
	res.steadyRate, res.callRate, res.p99 = e.rates(n, start)
	b.Logf("%d recipients in %v: %+v", n, res.elapsed.Round(time.Millisecond), res)
	return res
}

// rates reads the fake's log: the steady delivery rate (middle 80% of
// deliveries), the rate of sendMessage calls to recipients, failed ones
// included, between the first and the last delivery, and the time from
// start until 99% were delivered.
func (e *env) rates(n int, start time.Time) (steady, calls float64, p99 time.Duration) {
	var at []time.Time
	for i := range n {
		if m := e.srv.MessagesTo(int64(firstChat + i)); len(m) > 0 {
			at = append(at, m[0].At)
		}
	}
	if len(at) < 10 {
		return 0, 0, 0
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	var q []string
	for _, p := range []float64{0, 0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
		q = append(q, fmt.Sprintf("%g%%:%v", p*100, at[min(len(at)-1, int(p*float64(len(at))))].Sub(at[0]).Round(time.Millisecond)))
	}
	e.t.Logf("deliveries after the first: %v", q)
	lo, hi := at[len(at)/10], at[len(at)*9/10]
	steady = float64(len(at)*8/10) / hi.Sub(lo).Seconds()
	first, last := at[0], at[len(at)-1]
	count := 0
	for _, c := range e.srv.CallsTo("sendMessage") {
		if c.Params.Get("chat_id") != "42" && !c.At.Before(first) && !c.At.After(last) {
			count++
		}
	}
	return steady, float64(count) / last.Sub(first).Seconds(), at[len(at)*99/100].Sub(start)
}

// BenchmarkBroadcastKill10k is the kill test at 10,000 recipients with the
// production lease (10 s): the first process is killed (SIGKILL) halfway,
// a second one finishes.
func BenchmarkBroadcastKill10k(b *testing.B) {
	const n, rate = 10_000, 1000
	var res killResult
	for range b.N {
		res = runKillRestart(b, n, rate, DefaultLease)
	}
	b.Log(res)
	b.ReportMetric(float64(res.n-res.missing)/res.elapsed.Seconds(), "msgs/s")
	b.ReportMetric(res.elapsed.Seconds(), "s_total")
	b.ReportMetric(float64(res.dups), "dups")
	b.ReportMetric(float64(res.missing), "missing")
	b.ReportMetric(float64(res.redisDup), "redis_dup")
	b.ReportMetric(float64(res.floodLimited), "flood429")
	b.ReportMetric(0, "ns/op")
}
