package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

func TestCountErrors(t *testing.T) {
	srv := redistest.StartServer(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer client.Close()
	var n atomic.Int64
	redisstore.CountErrors(client, func() { n.Add(1) })
	ctx := context.Background()
	steps := []struct {
		name string
		run  func() error
		want int64
	}{
		{"a missing key is no error", func() error { return client.Get(ctx, "nope").Err() }, 0},
		{"a wrong type is", func() error {
			client.LPush(ctx, "list", "x")
			return client.Get(ctx, "list").Err()
		}, 1},
		{"a server gone is", func() error { srv.Stop(); return client.Ping(ctx).Err() }, 2},
		{"a pipeline counts once", func() error {
			_, err := client.Pipelined(ctx, func(p redis.Pipeliner) error { p.Get(ctx, "a"); p.Get(ctx, "b"); return nil })
			return err
		}, 3},
	}
	for _, s := range steps {
		_ = s.run()
		if got := n.Load(); got != s.want {
			t.Errorf("%s: %d errors counted, want %d", s.name, got, s.want)
		}
	}
}
