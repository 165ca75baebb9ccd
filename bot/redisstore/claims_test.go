package redisstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

// tripCounter is a go-redis hook counting what a client sends: a command
// or a pipeline is one round trip.
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// counted returns a client on the test's Redis whose round trips are counted.
func counted(t *testing.T) (redis.UniversalClient, string, *tripCounter) {
	client, prefix := redistest.Client(t)
	trips := &tripCounter{}
	client.AddHook(trips)
	return client, prefix, trips
}

func claim(t *testing.T, st *redisstore.Store, chat int64) flows.Claim {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := st.Claim(ctx, chat)
	if err != nil {
		t.Fatalf("Claim(%d): %v", chat, err)
	}
	return c
}

func commit(t *testing.T, st *redisstore.Store, c flows.Claim, s flows.Session) {
	t.Helper()
	if err := st.Commit(t.Context(), c, s); err != nil {
		t.Fatalf("Commit(%d): %v", c.ChatID, err)
	}
}

// TestClaimRoundTrips pins what a claim costs in each mode: the budget of
// an update is two round trips.
func TestClaimRoundTrips(t *testing.T) {
	tests := []struct {
		name       string
		opts       []redisstore.Option
		claim      int64 // round trips of a claim of a chat this Store wrote last
		claimFresh int64 // of one it never saw
	}{
		{"Plain", nil, 1, 1},
		{"Cached", []redisstore.Option{redisstore.CacheSessions(10)}, 0, 1},
		{"Locked", []redisstore.Option{redisstore.ChatLocks()}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, prefix, trips := counted(t)
			st := redisstore.New(client, prefix, sessionTTL, tc.opts...)
			const chat = 1234567890
			// Redis runs a script by its hash once it knows it: the first
			// run of each on a fresh server sends it whole, a second trip.
			commit(t, st, claim(t, st, 1), typical)
			trips.n.Store(0)
			c := claim(t, st, chat)
			if n := trips.n.Swap(0); n != tc.claimFresh {
				t.Errorf("claim of a new chat: %d round trips, want %d", n, tc.claimFresh)
			}
			commit(t, st, c, typical)
			if n := trips.n.Swap(0); n != 1 {
				t.Errorf("commit: %d round trips, want 1", n)
			}
			c = claim(t, st, chat)
			if n := trips.n.Swap(0); n != tc.claim {
				t.Errorf("claim of a known chat: %d round trips, want %d", n, tc.claim)
			}
			if !c.Found || c.Session.LastPress != typical.LastPress {
				t.Errorf("claimed %+v, want what was committed", c)
			}
			commit(t, st, c, typical)
		})
	}
}

// TestCachedClaimsMeetOtherWriters: a process with a cache claims from
// memory; when another process wrote the chat meanwhile, its Commit is
// refused, the entry dropped, and the next claim reads Redis.
func TestCachedClaimsMeetOtherWriters(t *testing.T) {
	client, prefix := redistest.Client(t)
	cached := redisstore.New(client, prefix, sessionTTL, redisstore.CacheSessions(10))
	other := redisstore.New(client, prefix, sessionTTL)
	const chat = 1234567890
	commit(t, cached, claim(t, cached, chat), typical)
	c := claim(t, cached, chat) // from the cache
	moved := typical
	moved.Page = "rights"
	commit(t, other, claim(t, other, chat), moved)
	if err := cached.Commit(t.Context(), c, typical); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("Commit over another process's write = %v, want ErrConflict", err)
	}
	c = claim(t, cached, chat)
	if c.Session.Page != "rights" {
		t.Fatalf("claim after a conflict = %+v, want the other process's session", c.Session)
	}
	commit(t, cached, c, typical)
}

// TestCacheIsBounded: a cache of n chats keeps n, whichever they are.
func TestCacheIsBounded(t *testing.T) {
	client, prefix, trips := counted(t)
	st := redisstore.New(client, prefix, sessionTTL, redisstore.CacheSessions(3))
	for chat := int64(1); chat <= 10; chat++ {
		commit(t, st, claim(t, st, chat), typical)
	}
	trips.n.Store(0)
	for chat := int64(1); chat <= 10; chat++ {
		st.Abandon(t.Context(), claim(t, st, chat))
	}
	if n := trips.n.Load(); n != 7 {
		t.Errorf("claims of 10 chats with 3 cached read Redis %d times, want 7", n)
	}
}

// TestChatLockSerialisesProcesses: while one process holds a chat's claim,
// another's claim waits; it gets the chat once the first commits, and sees
// what it wrote.
func TestChatLockSerialisesProcesses(t *testing.T) {
	client, prefix := redistest.Client(t)
	a := redisstore.New(client, prefix, sessionTTL, redisstore.ChatLocks())
	b := redisstore.New(client, prefix, sessionTTL, redisstore.ChatLocks())
	const chat = -1001234567890
	held := claim(t, a, chat)
	short, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	_, err := b.Claim(short, chat)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Claim of a locked chat = %v, want it to wait until its context ends", err)
	}
	got := make(chan flows.Claim, 1)
	go func() {
		c, err := b.Claim(t.Context(), chat)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	time.Sleep(50 * time.Millisecond)
	commit(t, a, held, typical)
	select {
	case c := <-got:
		if !c.Found || c.Session.Page != typical.Page {
			t.Errorf("the waiting claim got %+v, want the committed session", c)
		}
		b.Abandon(t.Context(), c)
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting claim did not get the chat after the commit")
	}
	claim(t, a, chat) // abandoned: free again
}

// TestLockOfADeadProcessExpires: a lock nobody releases (its process died)
// holds the chat only until it expires.
func TestLockOfADeadProcessExpires(t *testing.T) {
	client, prefix := redistest.Client(t)
	st := redisstore.New(client, prefix, sessionTTL, redisstore.ChatLocks())
	const chat = 99
	lock := redisstore.Keys{Prefix: prefix}.Lock(chat)
	if err := client.Set(t.Context(), lock, "dead-process", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	c := claim(t, st, chat) // waits out the 300 ms
	commit(t, st, c, typical)
	if n, err := client.Exists(t.Context(), lock).Result(); err != nil || n != 0 {
		t.Errorf("lock still there after the commit (%d, %v)", n, err)
	}
}

// TestCommitAfterTheLockExpired: a claim that outlived its lock still
// writes when nobody wrote meanwhile, and leaves alone the lock another
// process took since.
func TestCommitAfterTheLockExpired(t *testing.T) {
	client, prefix := redistest.Client(t)
	st := redisstore.New(client, prefix, sessionTTL, redisstore.ChatLocks())
	const chat = 98
	lock := redisstore.Keys{Prefix: prefix}.Lock(chat)
	c := claim(t, st, chat)
	if err := client.Set(t.Context(), lock, "another-process", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	commit(t, st, c, typical)
	if v, err := client.Get(t.Context(), lock).Result(); err != nil || v != "another-process" {
		t.Errorf("the other process's lock became %q (%v)", v, err)
	}
}

// TestCommitFailureFreesTheChat: a Commit that fails (here: its context
// ends) releases the lock, so that handling the event again does not wait
// for it to expire.
func TestCommitFailureFreesTheChat(t *testing.T) {
	client, prefix := redistest.Client(t)
	st := redisstore.New(client, prefix, sessionTTL, redisstore.ChatLocks())
	c := claim(t, st, 97)
	done, cancel := context.WithCancel(t.Context())
	cancel()
	if err := st.Commit(done, c, typical); err == nil {
		t.Fatal("Commit with an ended context succeeded")
	}
	short, stop := context.WithTimeout(t.Context(), time.Second)
	defer stop()
	if _, err := st.Claim(short, 97); err != nil {
		t.Errorf("claim after a failed commit: %v", err)
	}
}
