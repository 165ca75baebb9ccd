// Package redistest owns the Redis that tests run against. Any package's
// tests may import it.
//
// Client gives each test an isolated key prefix on the best Redis at hand
// (REDIS_URL, the local server on 127.0.0.1:6379, a redis-server child, or
// as a last resort outside CI an in-process miniredis) and deletes the test's
// keys afterwards. StartServer always starts a private redis-server child
// that a test may stop and restart, for fault tests.
package redistest
