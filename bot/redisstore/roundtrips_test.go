package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

func TestCountRoundTrips(t *testing.T) {
	client, prefix := redistest.Client(t)
	var n atomic.Int64
	redisstore.CountRoundTrips(client, func() { n.Add(1) })
	ctx := context.Background()
	steps := []struct {
		name string
		run  func()
		want int64
	}{
		{"one command", func() { client.Get(ctx, prefix+"nope") }, 1},
		{"a pipeline of three", func() {
			_, _ = client.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, prefix+"a", "1", 0)
				p.Get(ctx, prefix+"a")
				p.Del(ctx, prefix+"a")
				return nil
			})
		}, 2},
		{"a transaction", func() {
			_, _ = client.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, prefix+"{x}n")
				p.Expire(ctx, prefix+"{x}n", 0)
				return nil
			})
		}, 3},
		{"a failed command counts too", func() { client.LPush(ctx, prefix+"l", "x"); client.Get(ctx, prefix+"l") }, 5},
	}
	for _, s := range steps {
		s.run()
		if got := n.Load(); got != s.want {
			t.Errorf("%s: %d round trips counted, want %d", s.name, got, s.want)
		}
	}
}
