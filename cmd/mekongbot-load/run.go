package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/wait"
)

// Options say what to run and how hard.
type Options struct {
	Bin         string // the mekongbot binary; "": build it
	Procs       int    // bot processes; more than one runs in webhook mode behind a round-robin proxy
	Webhook     bool   // webhook mode with one process too
	Redis       string // REDIS_URL for the bots: a URL, host:port, or cluster seeds a,b,c
	People      int
	Active      int // people mid-conversation at once
	Depth       int // pages opened per visit
	Think       time.Duration
	Warmup      time.Duration // load before the measured window
	Duration    time.Duration // the measured window
	StepTimeout time.Duration
	FloodRate   string // the bots' FLOOD_RATE
	SendRate    string // the bots' SEND_RATE
	CPUProfile  string // file for a CPU profile of the window (of process 1)
}

const token = "123456:LOAD-test_token-for-the-fake-api"

// Run starts the fake Bot API and the bots, drives the load and measures it.
func Run(ctx context.Context, o Options) (*Report, error) {
	dir, err := os.MkdirTemp("", "mekongbot-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if o.Bin == "" {
		if o.Bin, err = buildBot(ctx, dir); err != nil {
			return nil, err
		}
	}
	client, err := redisstore.Open(ctx, o.Redis)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	// As short as the default "mekongbot:" prefix plus a few characters,
	// since MEMORY USAGE of a session counts its key.
	prefix := "mkload" + randomHex(3) + ":"

	c := newCrowd(o.People)
	api, err := startFakeAPI(token, c)
	if err != nil {
		return nil, err
	}
	defer api.Close()

	r := &runner{o: o, dir: dir, api: api, crowd: c, redis: client, prefix: prefix}
	rep, err := r.run(ctx)
	census, sweepErr := sweepPrefix(context.WithoutCancel(ctx), client, prefix)
	if rep != nil {
		rep.Keys = census.kinds
	}
	return rep, errors.Join(err, sweepErr)
}

// runner holds one run's parts.
type runner struct {
	o      Options
	dir    string
	api    *fakeAPI
	crowd  *crowd
	redis  redis.UniversalClient
	prefix string
	bots   []*botProc
}

func (r *runner) env(webhookURL, secret string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"TELEGRAM_BOT_TOKEN=" + token,
		"TELEGRAM_API_ENDPOINT=" + r.api.Endpoint(),
		"REDIS_URL=" + r.o.Redis,
		"REDIS_KEY_PREFIX=" + r.prefix,
		"SEND_RATE=" + r.o.SendRate,
		"FLOOD_RATE=" + r.o.FloodRate,
		"POLL_TIMEOUT=10s",
		"LOG_LEVEL=warn",
	}
	if webhookURL != "" {
		env = append(env, "WEBHOOK_URL="+webhookURL, "WEBHOOK_SECRET="+secret)
	}
	if r.o.CPUProfile != "" {
		env = append(env, "PPROF=true")
	}
	return env
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	stopBots, err := r.startBots(ctx)
	if err != nil {
		return nil, err
	}
	defer stopBots()
	memBefore, err := readRedisStats(ctx, r.redis)
	if err != nil {
		return nil, err
	}

	l := startLoad(r.api, r.crowd, loadOptions{active: r.o.Active, depth: r.o.Depth, think: r.o.Think, stepTimeout: r.o.StepTimeout})
	stopped := false
	defer func() {
		if !stopped {
			l.Stop()
		}
	}()
	if err := wait.Sleep(ctx, r.o.Warmup); err != nil {
		return nil, err
	}
	before, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	profiled := r.startProfile()
	if err := wait.Sleep(ctx, r.o.Duration); err != nil {
		return nil, err
	}
	after, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	samples := l.Stop()
	stopped = true
	rep := r.report(before, after, samples, l.lost.Load())
	if err := r.measureMemory(ctx, rep, memBefore); err != nil {
		return rep, err
	}
	if err := r.peakRSS(rep); err != nil {
		return rep, err
	}
	return rep, errors.Join(profiled(), stopBots())
}

// startBots starts the processes (and the proxy in front of webhook ones)
// and waits until they are ready; the func returned stops them, once.
func (r *runner) startBots(ctx context.Context) (func() error, error) {
	webhookMode := r.o.Webhook || r.o.Procs > 1
	var proxy *roundRobin
	var hookURL, secret string
	addrs := make([]string, r.o.Procs)
	for i := range addrs {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		addrs[i] = addr
	}
	if webhookMode {
		var err error
		if proxy, err = startRoundRobin(addrs); err != nil {
			return nil, err
		}
		hookURL, secret = proxy.url+"/tg/hook", randomHex(16)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			var errs []error
			for _, b := range r.bots {
				errs = append(errs, b.stop())
			}
			if proxy != nil {
				proxy.Close()
			}
			stopErr = errors.Join(errs...)
		})
		return stopErr
	}
	for i, addr := range addrs {
		b, err := startBot(r.o.Bin, r.dir, i+1, addr, r.env(hookURL, secret))
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		r.bots = append(r.bots, b)
	}
	for _, b := range r.bots {
		if err := b.waitReady(ctx); err != nil {
			return nil, errors.Join(err, stop())
		}
	}
	if webhookMode {
		select {
		case <-r.api.WebhookSet():
		case <-time.After(readyTimeout):
			return nil, errors.Join(errors.New("the bots set no webhook"), stop())
		}
	}
	return stop, nil
}

// snapshot is the counters at one end of the measured window.
type snapshot struct {
	at      time.Time
	redis   redisStats
	cpu     []time.Duration
	trips   []float64
	counts  []float64 // updates the bots accepted
	calls   map[string]int64
	loadAvg float64
	toolCPU time.Duration // this process: the fake API and the people
}

func (r *runner) snapshot(ctx context.Context) (snapshot, error) {
	s := snapshot{at: time.Now(), calls: r.api.Calls(), loadAvg: loadAverage()}
	self, err := processTimes(os.Getpid())
	if err != nil {
		return s, err
	}
	s.toolCPU = self.cpu
	if s.redis, err = readRedisStats(ctx, r.redis); err != nil {
		return s, err
	}
	for _, b := range r.bots {
		t, err := b.times()
		if err != nil {
			return s, err
		}
		m, err := b.metrics(metricTrips, metricUpdates)
		if err != nil {
			return s, err
		}
		s.cpu = append(s.cpu, t.cpu)
		s.trips = append(s.trips, m[metricTrips])
		s.counts = append(s.counts, m[metricUpdates])
	}
	return s, nil
}

const (
	metricTrips   = "mekongbot_redis_round_trips_total"
	metricUpdates = "mekongbot_updates_total"
)

// startProfile fetches a CPU profile of process 1 over the window (at most
// 25 s: the bot's HTTP server cuts answers at 30 s); the func returned
// waits for it.
func (r *runner) startProfile() func() error {
	if r.o.CPUProfile == "" {
		return func() error { return nil }
	}
	errc := make(chan error, 1)
	go func() { errc <- r.bots[0].profile(min(r.o.Duration, 25*time.Second), r.o.CPUProfile) }()
	return func() error { return <-errc }
}

// measureMemory reads the memory the run added to Redis and the size of
// some sessions, before the keys are deleted.
func (r *runner) measureMemory(ctx context.Context, rep *Report, before redisStats) error {
	after, err := readRedisStats(ctx, r.redis)
	if err != nil {
		return err
	}
	rep.People = r.crowd.Onboarded()
	if rep.People > 0 {
		rep.RedisBytesPerPerson = float64(after.memory-before.memory) / float64(rep.People)
	}
	keys := redisstore.Keys{Prefix: r.prefix}
	var total, length, n int64
	for i, p := range r.crowd.people {
		if i%max(1, len(r.crowd.people)/20) != 0 || !p.onboarded.Load() {
			continue
		}
		size, err := r.redis.MemoryUsage(ctx, keys.Session(p.id)).Result()
		if errors.Is(err, redis.Nil) {
			continue // expired or forgotten
		}
		if err != nil {
			return fmt.Errorf("MEMORY USAGE of a session: %w", err)
		}
		value, err := r.redis.StrLen(ctx, keys.Session(p.id)).Result()
		if err != nil {
			return fmt.Errorf("STRLEN of a session: %w", err)
		}
		total, length, n = total+size, length+value, n+1
	}
	if n > 0 {
		rep.SessionBytes = float64(total) / float64(n)
		rep.SessionValueBytes = float64(length) / float64(n)
		rep.SessionSamples = int(n)
	}
	return nil
}

func (r *runner) peakRSS(rep *Report) error {
	for i, b := range r.bots {
		t, err := b.times()
		if err != nil {
			return err
		}
		rep.Processes[i].PeakRSSMiB = float64(t.peakRSS) / (1 << 20)
	}
	return nil
}

// loadAverage is the machine's 1-minute load average (0 if unknown).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redisKind says what kind of Redis a spec names, without its password.
func redisKind(spec string) string {
	if strings.Contains(spec, ",") {
		return fmt.Sprintf("cluster (%d seeds)", len(strings.Split(strings.Trim(spec, ","), ",")))
	}
	return "single"
}
