package redisstore_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

const caseTTL = time.Hour

func TestCases(t *testing.T) { testCases(t, redistest.Client) }

func testCases(t *testing.T, newClient clientFunc) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, newClient clientFunc)
	}{
		{"OpenReusesOpenCase", testOpenReuses},
		{"CloseThenOpenAnew", testCloseThenOpen},
		{"UnknownCase", testUnknownCase},
		{"ExpiryOnEveryKey", testCaseExpiry},
		{"Expire", testCasesExpire},
		{"StalePointerIgnored", testStalePointer},
		{"OpenCount", testOpenCount},
		{"Forget", testForget},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newClient) })
	}
}

// caseEnv is a Cases with the client and keys under it.
type caseEnv struct {
	cases  *redisstore.Cases
	client redis.UniversalClient
	keys   redisstore.Keys
}

func newCases(t *testing.T, newClient clientFunc, ttl time.Duration) caseEnv {
	client, prefix := newClient(t)
	return caseEnv{redisstore.NewCases(client, prefix, ttl), client, redisstore.Keys{Prefix: prefix}}
}

func (e caseEnv) open(t *testing.T, chat int64) flows.Case {
	t.Helper()
	cs, err := e.cases.Open(t.Context(), chat, "km", "pre.fees")
	if err != nil {
		t.Fatalf("Open(%d): %v", chat, err)
	}
	return cs
}

func (e caseEnv) close(t *testing.T, id int64) {
	t.Helper()
	if err := e.cases.Close(t.Context(), id); err != nil {
		t.Fatalf("Close(%d): %v", id, err)
	}
}

func (e caseEnv) wantOpenCount(t *testing.T, want int) {
	t.Helper()
	if n, err := e.cases.OpenCount(t.Context()); err != nil || n != want {
		t.Errorf("OpenCount = %d, %v; want %d", n, err, want)
	}
}

func (e caseEnv) wantGone(t *testing.T, id int64) {
	t.Helper()
	if cs, err := e.cases.Get(t.Context(), id); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("Get(%d) = %+v, %v; want ErrNotFound", id, cs, err)
	}
}

func testOpenReuses(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	before := time.Now().Add(-time.Second)
	first := e.open(t, 42)
	again, err := e.cases.Open(t.Context(), 42, "vi", "other")
	if err != nil || again != first {
		t.Errorf("second Open = %+v, %v; want the open case %+v", again, err, first)
	}
	if first.ChatID != 42 || first.Lang != "km" || first.Page != "pre.fees" || !first.Open ||
		first.Opened.Before(before) || first.Opened.After(time.Now()) {
		t.Errorf("Open = %+v, want chat 42, km, pre.fees, open, opened now", first)
	}
	if got, err := e.cases.Get(t.Context(), first.ID); err != nil || !got.Opened.Equal(first.Opened) || got.ID != first.ID {
		t.Errorf("Get = %+v, %v; want %+v", got, err, first)
	}
	if other := e.open(t, -1001234567890); other.ID == first.ID {
		t.Errorf("two chats share case %d", other.ID)
	}
}

func testCloseThenOpen(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	first := e.open(t, 42)
	e.close(t, first.ID)
	e.close(t, first.ID) // closing a closed case is no error
	if got, err := e.cases.Get(t.Context(), first.ID); err != nil || got.Open {
		t.Errorf("after Close: %+v, %v; want a closed case", got, err)
	}
	e.wantOpenCount(t, 0)
	second := e.open(t, 42)
	if second.ID == first.ID || !second.Open {
		t.Errorf("Open after Close = %+v, want a new open case", second)
	}
	e.wantOpenCount(t, 1)
}

func testUnknownCase(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	e.wantGone(t, 99)
	for name, err := range map[string]error{
		"Close": e.cases.Close(t.Context(), 99),
		"Touch": e.cases.Touch(t.Context(), 99),
	} {
		if !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("%s(unknown) = %v, want ErrNotFound", name, err)
		}
	}
	if n, _ := e.client.Exists(t.Context(), e.keys.Case("99")).Result(); n != 0 {
		t.Error("Close or Touch of an unknown case created its hash")
	}
}

// testCaseExpiry checks the TTL of every key of a case, and that Touch pushes
// each back.
func testCaseExpiry(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	cs := e.open(t, 42)
	keys := []struct {
		key string
		max time.Duration
	}{
		{e.keys.Case(itoa(cs.ID)), caseTTL},
		{e.keys.ChatCase(42), caseTTL + time.Minute},
		{e.keys.ChatCases(42), caseTTL + time.Minute},
	}
	for _, k := range keys {
		checkTTLBetween(t, e.client, k.key, k.max-time.Minute, k.max)
		e.client.Expire(t.Context(), k.key, time.Minute)
	}
	if err := e.cases.Touch(t.Context(), cs.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		checkTTLBetween(t, e.client, k.key, k.max-time.Minute, k.max)
	}
	if ttl := e.client.TTL(t.Context(), e.keys.Case("seq")).Val(); ttl != -1 {
		t.Errorf("sequence TTL = %v, want none: numbers must not be reused", ttl)
	}
}

func checkTTLBetween(t *testing.T, client redis.UniversalClient, key string, lo, hi time.Duration) {
	t.Helper()
	if ttl, err := client.PTTL(t.Context(), key).Result(); err != nil || ttl < lo || ttl > hi {
		t.Errorf("PTTL %s = %v, %v; want in [%v, %v]", key, ttl, err, lo, hi)
	}
}

// testCasesExpire lets a case expire for real (300ms TTL): it is gone, not
// counted, and the chat's pointer, which outlives it, is ignored.
func testCasesExpire(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, 300*time.Millisecond)
	cs := e.open(t, 42)
	e.wantOpenCount(t, 1)
	time.Sleep(400 * time.Millisecond)
	e.wantGone(t, cs.ID)
	e.wantOpenCount(t, 0)
	if n := e.client.SCard(t.Context(), e.keys.Case("open")).Val(); n != 0 {
		t.Errorf("open set holds %d members after OpenCount, want the expired one dropped", n)
	}
	if again := e.open(t, 42); again.ID == cs.ID {
		t.Errorf("Open after expiry returned the expired case %d", cs.ID)
	}
}

// testStalePointer points chats at cases that are not theirs or do not
// exist, as after a crash between the two writes of Open.
func testStalePointer(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	theirs := e.open(t, 1)
	tests := []struct {
		name    string
		chat    int64
		pointer string
	}{
		{"AnotherChatsCase", 2, itoa(theirs.ID)},
		{"MissingCase", 3, "12345"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.client.Set(t.Context(), e.keys.ChatCase(tc.chat), tc.pointer, 0).Err(); err != nil {
				t.Fatal(err)
			}
			cs := e.open(t, tc.chat)
			if cs.ChatID != tc.chat || itoa(cs.ID) == tc.pointer {
				t.Errorf("Open(%d) with pointer %s = %+v, want a new case of the chat", tc.chat, tc.pointer, cs)
			}
		})
	}
}

func testOpenCount(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	e.wantOpenCount(t, 0)
	var ids []int64
	for chat := range int64(5) {
		ids = append(ids, e.open(t, chat).ID)
	}
	e.close(t, ids[0])
	e.close(t, ids[1])
	e.client.Del(t.Context(), e.keys.Case(itoa(ids[2]))) // as if expired
	e.wantOpenCount(t, 2)
}

func testForget(t *testing.T, newClient clientFunc) {
	e := newCases(t, newClient, caseTTL)
	closed := e.open(t, 42)
	e.close(t, closed.ID)
	open := e.open(t, 42)
	kept := e.open(t, 7)
	e.client.SAdd(t.Context(), e.keys.ChatCases(42), 999) // a case never written (crash)
	for range 2 {                                         // forgetting twice is fine
		if err := e.cases.Forget(t.Context(), 42); err != nil {
			t.Fatal(err)
		}
	}
	e.wantGone(t, closed.ID)
	e.wantGone(t, open.ID)
	if n := e.client.Exists(t.Context(), e.keys.ChatCase(42), e.keys.ChatCases(42)).Val(); n != 0 {
		t.Errorf("%d of the chat's case keys left after Forget", n)
	}
	if got, err := e.cases.Get(t.Context(), kept.ID); err != nil || got != kept {
		t.Errorf("another chat's case after Forget: %+v, %v; want %+v", got, err, kept)
	}
	e.wantOpenCount(t, 1)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
