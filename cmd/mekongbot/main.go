// Command mekongbot runs the mekongbot Telegram bot, the same conversation in
// a terminal, and the content checker.
//
//	mekongbot serve                 run the Telegram bot (config from the environment)
//	mekongbot chat [--lang km]      talk to the bot in this terminal
//	mekongbot content check         validate content/ and locales/
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1
	exitUsage  = 2
	exitConfig = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(run(ctx, os.Args[1:], env))
}

// Env is the outside world a command sees; tests build it from literals.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock schedules (reminders, broadcasts) follow; nil:
	// time.Now. Tests move it to make a reminder due.
	Now func() time.Time
}

// clock is env.Now, or time.Now.
func (env Env) clock() func() time.Time {
	if env.Now == nil {
		return time.Now
	}
	return env.Now
}

const usage = `usage:
  mekongbot serve                                 run the Telegram bot
  mekongbot chat [--lang CODE] [--user ID] [--admin]
                                                  talk to the bot in this terminal
  mekongbot content check                         validate content/ and locales/
`

func run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], env)
	case "chat":
		err = chat(ctx, args[1:], env)
	case "content":
		if len(args) < 2 || args[1] != "check" {
			fmt.Fprint(env.Stderr, usage)
			return exitUsage
		}
		err = contentCheck(env)
	default:
		fmt.Fprintf(env.Stderr, "unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(err, env.Stderr)
}

func exitCode(err error, stderr io.Writer) int {
	var cfgErr *ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, cfgErr)
		return exitConfig
	case errors.Is(err, errUsage):
		return exitUsage
	}
	fmt.Fprintln(stderr, "mekongbot:", err)
	return exitFail
}
