package redisstore

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Embedded starts an in-process Redis stand-in (miniredis) for the terminal
// chat mode and local trials without REDIS_URL, and returns a client to it
// and a func that closes both. Nothing survives stop, and TTLs do not run
// down on their own (miniredis only expires keys when told to).
func Embedded() (redis.UniversalClient, func(), error) {
	srv, err := miniredis.Run()
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: poolSize})
	stop := func() {
		_ = client.Close()
		srv.Close()
	}
	return client, stop, nil
}
