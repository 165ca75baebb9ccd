package redistest

import (
	"os"
	"testing"
)

// Spec returns the spec (for redisstore.Open or REDIS_URL) of the Redis a
// test should use, chosen as Client chooses: REDIS_URL, then 127.0.0.1:6379,
// then a redis-server child. It is for tests that start the bot itself and
// hand it REDIS_URL; use ClientAt(t, Spec(t)) for a key prefix and cleanup.
// There is no miniredis fallback here: a separate process cannot reach it.
func Spec(t testing.TB) string {
	t.Helper()
	if spec := os.Getenv("REDIS_URL"); spec != "" {
		return spec
	}
	if probe(LocalAddr) {
		return LocalAddr
	}
	return StartServer(t).Addr
}
