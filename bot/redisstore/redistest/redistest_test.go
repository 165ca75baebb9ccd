package redistest

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
)

func TestClientPrefixes(t *testing.T) {
	form := regexp.MustCompile(`^mekongbot-test:[0-9a-f]{12}:$`)
	c1, p1 := Client(t)
	_, p2 := Client(t)
	if !form.MatchString(p1) || p1 == p2 {
		t.Errorf("prefixes %q, %q: want two different matches of %v", p1, p2, form)
	}
	if err := c1.Ping(t.Context()).Err(); err != nil {
		t.Error(err)
	}
}

// TestDeletePrefix deletes a test's keys, spread over every cluster slot
// range, and nothing else, even when the prefix holds glob characters.
func TestDeletePrefix(t *testing.T) {
	backends := []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"server", func(t *testing.T) string { return StartServer(t).Addr }},
		{"cluster", func(t *testing.T) string { return StartCluster(t, 3) }},
		{"miniredis", func(t *testing.T) string { return miniredis.RunT(t).Addr() }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			client, err := redisstore.Open(ctx, b.start(t))
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			const prefix, other = "t*[x]:", "tZZx:" // other matches the unescaped glob
			setKeys(t, client, prefix, 50)
			setKeys(t, client, other, 5)
			if err := deletePrefix(ctx, client, prefix); err != nil {
				t.Fatal(err)
			}
			checkCount(t, client, prefix, 0)
			checkCount(t, client, other, 5)
		})
	}
}

func setKeys(t *testing.T, client redis.UniversalClient, prefix string, n int) {
	t.Helper()
	for i := range n {
		if err := client.Set(t.Context(), fmt.Sprintf("%s{%d}:s", prefix, i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func checkCount(t *testing.T, client redis.UniversalClient, prefix string, want int64) {
	t.Helper()
	var got atomic.Int64
	count := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, globEscape(prefix)+"*", scanCount).Iterator()
		for iter.Next(ctx) {
			got.Add(1)
		}
		return iter.Err()
	}
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(t.Context(), count) // concurrently
	} else {
		err = count(t.Context(), client.(*redis.Client))
	}
	if err != nil || got.Load() != want {
		t.Errorf("%d keys %s* (err %v), want %d", got.Load(), prefix, err, want)
	}
}

// TestServerStopStart restarts a server on the same address, empty.
func TestServerStopStart(t *testing.T) {
	t.Parallel()
	srv := StartServer(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer client.Close()
	if err := client.Set(t.Context(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	srv.Stop() // twice is fine
	if err := client.Ping(t.Context()).Err(); err == nil {
		t.Fatal("PING answered after Stop")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for client.Ping(ctx).Err() != nil && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	if n, err := client.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Errorf("after restart EXISTS k = %d, %v; want 0, nil", n, err)
	}
}
