package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
)

// LocalAddr is the Redis Client tries when REDIS_URL is unset.
const LocalAddr = "127.0.0.1:6379"

const (
	probeTimeout   = 300 * time.Millisecond
	openTimeout    = 5 * time.Second
	cleanupTimeout = 10 * time.Second
)

// Client returns a client for the test and a key prefix of its own
// ("mekongbot-test:<random>:"). The Redis is, in order: REDIS_URL if set
// (any spec redisstore.Open takes, cluster included); 127.0.0.1:6379 if it
// answers PING within 300ms; a redis-server child on a free port; and, only
// when CI is not "true", an in-process miniredis (with a loud note, since it
// is not the real thing). At cleanup every key under the prefix is deleted
// and the client closed.
func Client(t testing.TB) (client redis.UniversalClient, prefix string) {
	t.Helper()
	if spec := os.Getenv("REDIS_URL"); spec != "" {
		return ClientAt(t, spec)
	}
	if probe(LocalAddr) {
		return ClientAt(t, LocalAddr)
	}
	srv, err := startServer(t)
	if err == nil {
		return ClientAt(t, srv.Addr)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redistest: no Redis: REDIS_URL unset, %s silent, %v", LocalAddr, err)
	}
	t.Logf("redistest: !!! NO REAL REDIS (REDIS_URL unset, %s silent, %v): "+
		"FALLING BACK TO miniredis, WHICH ONLY IMITATES REDIS !!!", LocalAddr, err)
	return ClientAt(t, miniredis.RunT(t).Addr())
}

// ClientAt is Client on the Redis named by spec (see redisstore.Open).
func ClientAt(t testing.TB, spec string) (client redis.UniversalClient, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	client, err := redisstore.Open(ctx, spec)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	prefix = "mekongbot-test:" + randomHex(6) + ":"
	t.Cleanup(func() { cleanup(t, client, prefix) })
	return client, prefix
}

// probe reports whether a Redis at addr answers PING within probeTimeout.
func probe(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	client, err := redisstore.Open(ctx, addr)
	if err != nil {
		return false
	}
	_ = client.Close()
	return true
}

func cleanup(t testing.TB, client redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := deletePrefix(ctx, client, prefix); err != nil {
		t.Errorf("redistest: delete test keys %s*: %v", prefix, err)
	}
	_ = client.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
