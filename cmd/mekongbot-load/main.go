// Command mekongbot-load measures the bot under load: it runs the real
// mekongbot binary (one process polling, or several in webhook mode behind
// a round-robin proxy) against a fake Bot API on loopback and a real Redis,
// and drives it with simulated people who each follow a conversation,
// waiting for every reply before the next step. See docs/PERFORMANCE.md.
//
//	go run ./cmd/mekongbot-load -people 2000 -active 20 -duration 20s
//	go run ./cmd/mekongbot-load -procs 3
//	go run ./cmd/mekongbot-load -redis 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, asJSON, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	rep, err := Run(ctx, o)
	if rep != nil {
		if asJSON {
			_ = rep.WriteJSON(stdout)
		} else {
			rep.Write(stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "mekongbot-load:", err)
		return 1
	}
	if rep.OrderViolations > 0 || rep.Lost > 0 {
		fmt.Fprintln(stderr, "mekongbot-load: replies were lost or out of order")
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (Options, bool, error) {
	fs := flag.NewFlagSet("mekongbot-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Bin, "bin", "", "the mekongbot binary (default: build cmd/mekongbot)")
	fs.IntVar(&o.Procs, "procs", 1, "bot processes; more than 1 runs webhook mode behind a round-robin proxy")
	fs.BoolVar(&o.Webhook, "webhook", false, "webhook mode with a single process too")
	fs.StringVar(&o.Redis, "redis", "127.0.0.1:6379", "Redis for the bots: URL, host:port, or cluster seeds a,b,c")
	fs.IntVar(&o.People, "people", 2000, "simulated people")
	fs.IntVar(&o.Active, "active", 20, "people mid-conversation at once")
	fs.IntVar(&o.Depth, "depth", 3, "pages a person opens per visit")
	fs.DurationVar(&o.Think, "think", 0, "pause before each step, on average (each is drawn between 0.5 and 1.5 times it)")
	fs.DurationVar(&o.Warmup, "warmup", 5*time.Second, "load before the measured window")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "the measured window")
	fs.DurationVar(&o.StepTimeout, "step-timeout", 30*time.Second, "a step with no reply by then is lost")
	fs.StringVar(&o.FloodRate, "flood-rate", "0", "the bots' FLOOD_RATE (0: off; the simulated people press faster than anyone)")
	fs.StringVar(&o.SendRate, "send-rate", "1000", "the bots' SEND_RATE (messages a second, the highest it takes)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of process 1 over the window (at most 25 s) to this file")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	var problems []error
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if o.Procs < 1 || o.People < 1 || o.Active < 1 || o.Depth < 0 {
		problems = append(problems, errors.New("-procs, -people and -active must be at least 1, -depth at least 0"))
	}
	if o.Active > o.People {
		problems = append(problems, errors.New("-active cannot be more than -people: a person has one conversation at a time"))
	}
	if o.Duration <= 0 || o.StepTimeout <= 0 {
		problems = append(problems, errors.New("-duration and -step-timeout must be positive"))
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintln(stderr, "mekongbot-load:", err)
		return o, false, err
	}
	return o, *asJSON, nil
}
