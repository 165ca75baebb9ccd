package broadcast

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/wait"
)

// The child process of the kill test is this test binary re-run with
// -test.run=^TestHelperRunner$ and these variables set.
const (
	envHelper  = "BROADCAST_HELPER" // "1" in the child
	envRedis   = "BROADCAST_HELPER_REDIS"
	envPrefix  = "BROADCAST_HELPER_PREFIX"
	envURL     = "BROADCAST_HELPER_URL" // the fake Bot API, hosted by the parent
	envJob     = "BROADCAST_HELPER_JOB"
	envRate    = "BROADCAST_HELPER_RATE"
	envLeaseMs = "BROADCAST_HELPER_LEASE_MS"
	// envKillN sets the kill test's recipients (default 2,000).
	envKillN = "BROADCAST_KILL_N"
)

// TestHelperRunner is the child: one bot process delivering broadcasts
// until the job is reported (or it is killed).
func TestHelperRunner(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("runs only as the child process of TestKillRestart")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rdb, err := redisstore.Open(ctx, os.Getenv(envRedis))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	prefix := os.Getenv(envPrefix)
	rate, _ := strconv.ParseFloat(os.Getenv(envRate), 64)
	leaseMs, _ := strconv.Atoi(os.Getenv(envLeaseMs))
	id, _ := strconv.ParseInt(os.Getenv(envJob), 10, 64)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	budget := mustBudget(t, rdb, prefix, rate, log)
	r, err := NewRunner(Config{
		Redis: rdb, Prefix: prefix, Sender: newHTTPSender(os.Getenv(envURL), testToken, budget),
		Texts: testTexts{}, Gone: gone, Subscribers: &redisSubs{rdb: rdb, key: redisstore.Keys{Prefix: prefix}.Subscribers()},
		Budget: budget, Lease: time.Duration(leaseMs) * time.Millisecond, Poll: 50 * time.Millisecond,
		ProgressEvery: 500 * time.Millisecond, Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(rdb, prefix, nil)
	go func() { // stop once the job is reported
		for ctx.Err() == nil {
			if d, err := store.Details(ctx, id); err == nil && d.Reported {
				cancel()
			}
			_ = wait.Sleep(ctx, 50*time.Millisecond)
		}
	}()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// killResult is what a kill-and-restart run measured.
type killResult struct {
	n                 int
	killedAt          Details       // status when the first process was killed
	missing, dups     int           // from the fake: recipients with no message, extra messages
	redisDup          int           // the job's dup counter
	elapsed           time.Duration // from Start to the second process's exit
	killAfter         time.Duration // from Start to the kill
	floodLimited      int           // 429s for the overall rate (per chat ones follow a kill: the per-chat pacing was the dead process's)
	final             Details
	firstOut, restart string // the children's logs
}

// runKillRestart delivers a broadcast to n recipients at rate/s with 5% of
// sendMessage calls failing (429 retry_after 1, 500, 502), in a child
// process that is killed with SIGKILL halfway and a second one that
// finishes the job. The fake Bot API runs here, in the parent.
func runKillRestart(tb testing.TB, n int, rate float64, lease time.Duration) killResult {
	spec := redistest.Spec(tb)
	rdb, prefix := redistest.ClientAt(tb, spec)
	e := newEnvOn(tb, rdb, prefix)
	e.subscribe(n, english)
	e.srv.SetRateLimit(rate, 1)
	e.srv.SetFailureRate(0.05, 7, "sendMessage")
	start := time.Now()
	id := e.start(news())
	env := append(os.Environ(), envHelper+"=1", envRedis+"="+spec, envPrefix+"="+prefix,
		envURL+"="+e.srv.URL(), envJob+"="+strconv.FormatInt(id, 10),
		envRate+"="+strconv.FormatFloat(rate, 'f', -1, 64), envLeaseMs+"="+strconv.FormatInt(lease.Milliseconds(), 10))

	first, firstOut := startChild(tb, env)
	killedAt := e.waitFor(id, "half delivered", func(d Details) bool { return d.Sent+d.Failed >= n/2 }, time.Minute)
	if err := first.Process.Kill(); err != nil { // SIGKILL: no cleanup, claims and locks left behind
		tb.Fatal(err)
	}
	_ = first.Wait()
	killAfter := time.Since(start)
	second, restartOut := startChild(tb, env)
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Fatalf("second process: %v\n%s", err, restartOut)
		}
	case <-time.After(2 * time.Minute):
		_ = second.Process.Kill()
		tb.Fatalf("second process did not finish the job\n%s", restartOut)
	}
	res := killResult{n: n, killedAt: killedAt, elapsed: time.Since(start), killAfter: killAfter, floodLimited: overallLimited(e),
		firstOut: firstOut.String(), restart: restartOut.String()}
	res.missing, res.dups = e.deliveries(n)
	final, err := e.store.Details(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	res.final, res.redisDup = final, final.Dup
	return res
}

func startChild(tb testing.TB, env []string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRunner$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // written only by the child's copy goroutines, read after Wait
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &out
}

func (r killResult) String() string {
	return fmt.Sprintf("%d recipients, killed at %d sent + %d failed; final %d sent, %d failed; "+
		"%d missing, %d duplicate messages (Redis dup counter %d); %d flood 429s; killed after %v, done after %v",
		r.n, r.killedAt.Sent, r.killedAt.Failed, r.final.Sent, r.final.Failed,
		r.missing, r.dups, r.redisDup, r.floodLimited, r.killAfter.Round(time.Millisecond), r.elapsed.Round(time.Millisecond))
}

// maxKillDups bounds the duplicates one SIGKILL may cause: only a send
// Telegram accepted whose mark was not yet written is sent again, and each
// worker has at most one send in hand (see the package doc). The target is
// 0; a few are possible when the kill lands in that window.
const maxKillDups = 5

func TestKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a process")
	}
	n := 2000
	if v, err := strconv.Atoi(os.Getenv(envKillN)); err == nil && v > 0 {
		n = v
	}
	res := runKillRestart(t, n, 1000, 2*time.Second)
	t.Log(res)
	if res.missing > 0 || res.final.Sent != n || res.final.State != "done" || !res.final.Reported {
		t.Errorf("not delivered to everyone: %s\nfirst process:\n%s\nsecond process:\n%s", res, res.firstOut, res.restart)
	}
	if res.dups > 0 {
		t.Logf("%d recipients got the message twice (killed between a send and its mark)", res.dups)
	}
	if res.dups > maxKillDups {
		t.Errorf("%d duplicates, want at most %d", res.dups, maxKillDups)
	}
	if res.floodLimited > 0 {
		t.Errorf("%d calls over the flood limit", res.floodLimited)
	}
}
