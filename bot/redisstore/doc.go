// Package redisstore owns mekongbot's use of Redis: the key layout (Keys),
// the flows.Store implementation on top of it (Store), turning a REDIS_URL
// into a connected client (Open, Redact) and the in-process stand-in used by
// the terminal chat mode and local trials (Embedded). The other flows
// contracts live here too: Subscribers, Roster, Cases, Drafts and Insights,
// one file each.
//
// The Redis client type is redis.UniversalClient throughout, so the same code
// runs against a single server, Sentinel or Redis Cluster. Test helpers that
// provide a Redis live in the redistest subpackage.
package redisstore
