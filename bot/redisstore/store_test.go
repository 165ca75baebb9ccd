package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
	"mekongbot/flows/flowstest"
)

const sessionTTL = time.Hour

// newStore returns a Store on the test's Redis, with the client and prefix
// under it.
func newStore(t testing.TB, ttl time.Duration) (*redisstore.Store, redis.UniversalClient, string) {
	client, prefix := redistest.Client(t)
	return redisstore.New(client, prefix, ttl), client, prefix
}

// storeModes are the ways a Store can run: plain (the terminal chat), with
// a cache (polling) and with chat locks (webhook mode).
var storeModes = []struct {
	name string
	opts []redisstore.Option
}{
	{"Plain", nil},
	{"Cached", []redisstore.Option{redisstore.CacheSessions(100)}},
	{"Locked", []redisstore.Option{redisstore.ChatLocks()}},
}

func TestStoreContract(t *testing.T) {
	for _, mode := range storeModes {
		t.Run(mode.name, func(t *testing.T) {
			flowstest.StoreContractWith(t, func(t *testing.T) flows.Store {
				client, prefix := redistest.Client(t)
				return redisstore.New(client, prefix, sessionTTL, mode.opts...)
			}, flowstest.Options{CancelledContextFails: true})
		})
	}
}

// typical is what most chats hold: a worker reading a page two levels deep,
// counted active today, who last typed and pressed a few updates ago (update
// ids have nine digits, six in base 36).
var typical = flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees",
	Back: []string{"root", "pre"}, Day: 20419, LastUpdate: 812345678, LastPress: 812345690}

func TestSaveWritesHashTaggedKeyWithTTL(t *testing.T) {
	tests := []struct {
		name    string
		chat    int64
		ttl     time.Duration
		wantKey string // after the prefix: the layout is pinned here on purpose
		wantTTL bool
	}{
		{"private chat", 42, sessionTTL, "{42}:s", true},
		{"supergroup", -1001234567890, sessionTTL, "{-1001234567890}:s", true},
		{"no expiry", 7, 0, "{7}:s", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, client, prefix := newStore(t, tc.ttl)
			if err := st.Save(t.Context(), tc.chat, typical); err != nil {
				t.Fatal(err)
			}
			got, err := client.TTL(t.Context(), prefix+tc.wantKey).Result()
			if err != nil {
				t.Fatalf("TTL %s%s: %v", prefix, tc.wantKey, err)
			}
			checkTTL(t, got, tc.ttl, tc.wantTTL)
		})
	}
}

// checkTTL checks a TTL reply: -2ns is a missing key, -1ns no expiry.
func checkTTL(t *testing.T, got, ttl time.Duration, wantTTL bool) {
	t.Helper()
	switch {
	case got == -2:
		t.Fatal("key not found under the expected name")
	case wantTTL && (got <= 0 || got > ttl):
		t.Errorf("TTL = %v, want in (0, %v]", got, ttl)
	case !wantTTL && got != -1:
		t.Errorf("TTL = %v, want none (-1)", got)
	}
}

func TestLoadUndecodableIsNotFound(t *testing.T) {
	st, client, prefix := newStore(t, sessionTTL)
	keys := redisstore.Keys{Prefix: prefix}
	for i, raw := range []string{"0|km|w|root|||", "2|km|w|root|||x", "garbage", "", "1|km"} {
		chat := int64(i + 1)
		if err := client.Set(t.Context(), keys.Session(chat), raw, 0).Err(); err != nil {
			t.Fatal(err)
		}
		s, ok, err := st.Load(t.Context(), chat)
		if err != nil || ok {
			t.Errorf("Load(%q) = %+v ok=%v err=%v, want not found, no error", raw, s, ok, err)
		}
		if got := st.DecodeFailures(); got != uint64(i+1) {
			t.Errorf("after %q DecodeFailures = %d, want %d", raw, got, i+1)
		}
	}
}

// TestErrorsWhileRedisIsDown stops Redis under a live Store: every method
// fails with an error naming the operation and chat, and the same Store
// works again once Redis is back.
func TestErrorsWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	client, prefix := redistest.ClientAt(t, srv.Addr)
	st := redisstore.New(client, prefix, sessionTTL)
	ops := []struct {
		want string
		call func(ctx context.Context) error
	}{
		{"load session -42: ", func(ctx context.Context) error { _, _, err := st.Load(ctx, -42); return err }},
		{"save session -42: ", func(ctx context.Context) error { return st.Save(ctx, -42, typical) }},
		{"delete session -42: ", func(ctx context.Context) error { return st.Delete(ctx, -42) }},
	}
	srv.Stop()
	for _, op := range ops {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		err := op.call(ctx)
		cancel()
		if err == nil || !strings.HasPrefix(err.Error(), op.want) {
			t.Errorf("with Redis down: err = %v, want prefix %q", err, op.want)
		}
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, st) // go-redis probes a failed server about once a second
	for _, op := range ops {
		if err := op.call(t.Context()); err != nil {
			t.Errorf("after restart: %v", err)
		}
	}
}

// waitUp waits until st can save again.
func waitUp(t *testing.T, st *redisstore.Store) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if err = st.Save(t.Context(), -42, typical); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("store not back 5s after Redis restarted: %v", err)
}

// TestSessionMemoryUsage keeps a typical session small: it is loaded and
// saved on every update and there is one per chat seen within the TTL. The
// key is measured under a unique prefix as long as "mekongbot:", so that the
// figure is that of production, not of the longer test prefix.
func TestSessionMemoryUsage(t *testing.T) {
	const maxBytes = 128
	client, _ := redistest.Client(t)
	prefix := fmt.Sprintf("mb%07x:", rand.Uint32N(1<<28))
	st := redisstore.New(client, prefix, sessionTTL)
	for _, chat := range []int64{1234567890, -1001234567890} {
		key := redisstore.Keys{Prefix: prefix}.Session(chat)
		t.Cleanup(func() { client.Del(context.Background(), key) }) // runs before client.Close
		if err := st.Save(t.Context(), chat, typical); err != nil {
			t.Fatal(err)
		}
		usage, strlen := memoryUsage(t, client, key)
		t.Logf("session key %q (%d bytes): STRLEN %d, MEMORY USAGE %d bytes",
			key, len(key), strlen, usage)
		if usage > maxBytes {
			t.Errorf("MEMORY USAGE %s = %d bytes, want <= %d", key, usage, maxBytes)
		}
	}
}

func memoryUsage(t *testing.T, client redis.UniversalClient, key string) (usage, strlen int64) {
	t.Helper()
	strlen, err := client.StrLen(t.Context(), key).Result()
	if err != nil {
		t.Fatalf("STRLEN: %v", err)
	}
	usage, err = client.MemoryUsage(t.Context(), key).Result()
	if err != nil && strings.Contains(err.Error(), "unknown command") {
		t.Skipf("MEMORY USAGE not supported (miniredis?): %v", err)
	}
	if err != nil {
		t.Fatalf("MEMORY USAGE: %v", err)
	}
	return usage, strlen
}
