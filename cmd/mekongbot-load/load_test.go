package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"mekongbot/bot/redisstore/redistest"
)

// bin is the mekongbot binary the tests run, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mekongbot-load-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = buildBot(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// smallLoad is a few people for a few seconds: enough to go through every
// step of the script, with no figure asserted.
func smallLoad(redis string) Options {
	return Options{Bin: bin, Procs: 1, Redis: redis, People: 20, Active: 4, Depth: 3,
		Warmup: 300 * time.Millisecond, Duration: 1500 * time.Millisecond, StepTimeout: 30 * time.Second,
		FloodRate: "0", SendRate: "1000"}
}

// checkRun fails the test for lost replies, replies out of order, or a
// report that measured nothing.
func checkRun(t *testing.T, rep *Report, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lost != 0 || rep.OrderViolations != 0 {
		t.Errorf("%d steps lost, %d replies out of order: %v", rep.Lost, rep.OrderViolations, rep.Examples)
	}
	switch {
	case rep.Updates == 0 || rep.BotUpdates == 0:
		t.Errorf("no updates measured: %+v", rep)
	case rep.RedisRoundTripsPerUpdate <= 0 || rep.RedisCommandsPerUpdate <= 0:
		t.Errorf("no Redis cost measured: %+v", rep)
	case rep.SessionBytes <= 0 || rep.Keys["session"] == 0:
		t.Errorf("no sessions found: %+v", rep)
	case len(rep.Processes) != rep.Procs || rep.Processes[0].PeakRSSMiB <= 0:
		t.Errorf("processes not measured: %+v", rep.Processes)
	}
}

// TestLoadSmoke runs the tool in its cheap modes: one polling process, and
// three webhook processes behind the round-robin proxy.
func TestLoadSmoke(t *testing.T) {
	spec := redistest.Spec(t)
	tests := []struct {
		name  string
		procs int
	}{
		{"one process polling", 1},
		{"three processes behind a proxy", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := smallLoad(spec)
			o.Procs = tc.procs
			rep, err := Run(t.Context(), o)
			checkRun(t, rep, err)
			if want := map[int]string{1: "polling", 3: "webhook"}[tc.procs]; rep != nil && rep.Mode != want {
				t.Errorf("mode %s, want %s", rep.Mode, want)
			}
			if rep != nil && tc.procs > 1 {
				for i, p := range rep.Processes {
					if p.Updates == 0 {
						t.Errorf("process %d handled no update: the proxy does not spread them", i+1)
					}
				}
			}
		})
	}
}

// TestLoadOnCluster runs a short load through the real binary on a real
// three-master Redis Cluster: every reply must come, in order.
func TestLoadOnCluster(t *testing.T) {
	spec := redistest.StartCluster(t, 3)
	o := smallLoad(spec)
	o.People, o.Active, o.Duration = 200, 10, 3*time.Second
	rep, err := Run(t.Context(), o)
	checkRun(t, rep, err)
	if rep != nil && rep.Redis != "cluster (3 seeds)" {
		t.Errorf("redis %q", rep.Redis)
	}
	if rep != nil {
		t.Logf("%d updates, %d people onboarded", rep.Updates, rep.People)
	}
}
