package redisstore

import (
	"context"
	"net"
	"slices"

	"github.com/redis/go-redis/v9"
)

// CountRoundTrips calls count once for every command and every pipeline
// (MULTI/EXEC included) that client sends, whatever the answer: each is one
// wait for Redis. A retry inside go-redis is not counted again, and on a
// Cluster a pipeline whose keys live on several masters counts once although
// its parts go to the masters in parallel: the figure counts the waits an
// update makes in sequence, which is what its latency is made of. The
// handshake of a new connection (HELLO, CLIENT SETINFO) is left out: it
// belongs to the connection pool, not to any update.
func CountRoundTrips(client redis.UniversalClient, count func()) {
	client.AddHook(roundTripHook{count: count})
}

type roundTripHook struct{ count func() }

func (h roundTripHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h roundTripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.count()
		}
		return next(ctx, cmd)
	}
}

func (h roundTripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, handshake) {
			h.count()
		}
		return next(ctx, cmds)
	}
}
