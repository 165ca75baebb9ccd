package redisstore

import (
	"context"
	"errors"
	"net"
	"slices"

	"github.com/redis/go-redis/v9"
)

// CountErrors calls count once for every command or pipeline on client that
// fails. A missing key (redis.Nil) is an answer, not a failure, and neither is
// a connection handshake command (HELLO, CLIENT ...) that an older server
// does not know: go-redis sends those itself, passes them through hooks and
// goes on without them.
func CountErrors(client redis.UniversalClient, count func()) {
	client.AddHook(errorHook{count: count})
}

type errorHook struct{ count func() }

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr) // a failed dial fails the command, counted there
	}
}

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if !handshake(cmd) {
			h.observe(err)
		}
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if !slices.ContainsFunc(cmds, handshake) {
			h.observe(err)
		}
		return err
	}
}

func handshake(cmd redis.Cmder) bool {
	name := cmd.Name()
	return name == "hello" || name == "client"
}

func (h errorHook) observe(err error) {
	if err != nil && !errors.Is(err, redis.Nil) {
		h.count()
	}
}
