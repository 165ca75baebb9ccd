package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Report is what a run measured. Rates and per-update figures are over the
// measured window only (after the warm-up).
type Report struct {
	Mode        string  `json:"mode"` // "polling" or "webhook"
	Procs       int     `json:"procs"`
	Redis       string  `json:"redis"`
	Active      int     `json:"active"`
	People      int     `json:"people"` // people onboarded during the run
	WindowSecs  float64 `json:"window_seconds"`
	Updates     int     `json:"updates"` // steps answered in the window
	UpdatesPerS float64 `json:"updates_per_second"`
	BotUpdates  float64 `json:"bot_updates"` // updates the bots counted in the window

	LatencyMs struct {
		P50, P95, P99, Max float64
	} `json:"latency_ms"` // update made available -> first reply received

	OrderViolations int64    `json:"order_violations"`
	Lost            int64    `json:"lost"` // steps with no (complete) reply within the step timeout
	Examples        []string `json:"examples,omitempty"`

	RedisCommandsPerUpdate   float64            `json:"redis_commands_per_update"`
	RedisCommands            map[string]float64 `json:"redis_commands"` // per update, by command
	RedisRoundTripsPerUpdate float64            `json:"redis_round_trips_per_update"`
	RedisBytesPerPerson      float64            `json:"redis_bytes_per_person"` // used_memory growth / people
	SessionBytes             float64            `json:"session_bytes"`          // MEMORY USAGE of a session key, mean
	SessionValueBytes        float64            `json:"session_value_bytes"`    // STRLEN of a session, mean
	SessionSamples           int                `json:"session_samples"`
	Keys                     map[string]int     `json:"keys"`

	CPUMicrosPerUpdate float64          `json:"cpu_us_per_update"` // all bot processes
	Processes          []procReport     `json:"processes"`
	TelegramCalls      map[string]int64 `json:"telegram_calls"` // in the window
	WebhookRetries     int64            `json:"webhook_retries"`

	// The machine: its cores and its 1-minute load average at the end of
	// the window (other work on it slows the bots and the tool alike).
	Cores   int     `json:"cores"`
	LoadAvg float64 `json:"load_average"`
	// ToolCPUSecs is the load tool's own CPU time in the window, taken from
	// the same cores as the bots'.
	ToolCPUSecs float64 `json:"tool_cpu_seconds"`
}

type procReport struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	Updates    float64 `json:"updates"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
}

func (r *runner) report(before, after snapshot, samples []sample, lost int64) *Report {
	rep := &Report{Mode: "polling", Procs: len(r.bots), Redis: redisKind(r.o.Redis), Active: r.o.Active}
	if r.o.Webhook || r.o.Procs > 1 {
		rep.Mode = "webhook"
	}
	window := after.at.Sub(before.at)
	rep.WindowSecs = window.Seconds()
	var lat []time.Duration
	for _, s := range samples {
		if !s.at.Before(before.at) && s.at.Before(after.at) {
			lat = append(lat, s.latency)
		}
	}
	rep.Updates = len(lat)
	rep.UpdatesPerS = float64(len(lat)) / window.Seconds()
	slices.Sort(lat)
	rep.LatencyMs.P50, rep.LatencyMs.P95 = ms(percentile(lat, 50)), ms(percentile(lat, 95))
	rep.LatencyMs.P99, rep.LatencyMs.Max = ms(percentile(lat, 99)), ms(percentile(lat, 100))
	rep.OrderViolations, rep.Lost, rep.Examples = r.crowd.violations.Load(), lost, r.crowd.Examples()

	var cpu time.Duration
	var trips float64
	for i := range r.bots {
		d := after.cpu[i] - before.cpu[i]
		cpu += d
		trips += after.trips[i] - before.trips[i]
		n := after.counts[i] - before.counts[i]
		rep.BotUpdates += n
		rep.Processes = append(rep.Processes, procReport{CPUSeconds: d.Seconds(), Updates: n})
	}
	redis := after.redis.minus(before.redis)
	rep.RedisCommands = map[string]float64{}
	if per := float64(rep.Updates); per > 0 {
		rep.CPUMicrosPerUpdate = float64(cpu.Microseconds()) / per
		rep.RedisRoundTripsPerUpdate = trips / per
		var total int64
		for name, n := range redis.calls {
			rep.RedisCommands[name] = float64(n) / per
			total += n
		}
		rep.RedisCommandsPerUpdate = float64(total) / per
	}
	rep.TelegramCalls = map[string]int64{}
	for m, n := range after.calls {
		if d := n - before.calls[m]; d > 0 {
			rep.TelegramCalls[m] = d
		}
	}
	rep.WebhookRetries = r.api.retries.Load()
	rep.Cores, rep.LoadAvg = runtime.NumCPU(), after.loadAvg
	rep.ToolCPUSecs = (after.toolCPU - before.toolCPU).Seconds()
	return rep
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Write prints the report for people.
func (rep *Report) Write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("mode            %s, %d process(es), Redis %s", rep.Mode, rep.Procs, rep.Redis)
	p("people          %d onboarded, %d active at once", rep.People, rep.Active)
	p("window          %.1f s", rep.WindowSecs)
	p("updates         %d answered (%.0f/s); the bots counted %.0f", rep.Updates, rep.UpdatesPerS, rep.BotUpdates)
	p("latency         p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms", rep.LatencyMs.P50, rep.LatencyMs.P95, rep.LatencyMs.P99, rep.LatencyMs.Max)
	p("order           %d violations, %d steps lost", rep.OrderViolations, rep.Lost)
	for _, e := range rep.Examples {
		p("                %s", e)
	}
	p("cpu             %.1f µs per update (all processes)", rep.CPUMicrosPerUpdate)
	for i, pr := range rep.Processes {
		p("  process %d     %.2f s cpu, %.0f updates, peak RSS %.1f MiB", i+1, pr.CPUSeconds, pr.Updates, pr.PeakRSSMiB)
	}
	p("redis           %.2f round trips, %.2f commands per update", rep.RedisRoundTripsPerUpdate, rep.RedisCommandsPerUpdate)
	p("  by command    %s", perCommand(rep.RedisCommands))
	p("  memory        %.0f bytes per person (used_memory growth); a session: %.0f bytes in Redis (MEMORY USAGE), value %.0f bytes (%d sampled)",
		rep.RedisBytesPerPerson, rep.SessionBytes, rep.SessionValueBytes, rep.SessionSamples)
	p("  keys          %s", counts(rep.Keys))
	p("machine         %d cores, load average %.2f; the load tool used %.2f s cpu", rep.Cores, rep.LoadAvg, rep.ToolCPUSecs)
	p("telegram        %s; webhook retries %d", counts64(rep.TelegramCalls), rep.WebhookRetries)
}

// WriteJSON prints the report as one JSON object.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func perCommand(m map[string]float64) string {
	names := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.2f", n, m[n]))
	}
	return strings.Join(parts, ", ")
}

func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func counts64(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
