package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
)

func openCtx(t *testing.T, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// TestOpenErrorsHidePasswords tries every way Open can fail with a
// password in the spec: no piece of the password may reach the message.
func TestOpenErrorsHidePasswords(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireAuth("right")
	const down = "127.0.0.1:1" // nothing listens there
	tests := []struct {
		name   string
		spec   string
		pieces []string // of passwords, none of which may be shown
	}{
		{"refused", "redis://:Hunter2@" + down, []string{"Hunter2"}},
		{"refused with user", "redis://bob:Hunter2@" + down + "/0", []string{"Hunter2"}},
		{"refused tls", "rediss://:Hunter2@" + down, []string{"Hunter2"}},
		{"refused bare", "bob:Hunter2@" + down, []string{"Hunter2"}},
		{"wrong password", "redis://:Hunter2@" + mr.Addr(), []string{"Hunter2"}},
		{"unknown option", "redis://:Hunter2@" + down + "?Hunter2=1", []string{"Hunter2"}},
		{"bad db", "redis://:Hunter2@" + down + "/Hunter2", []string{"Hunter2"}},
		{"bad scheme", "http://:Hunter2@" + down, []string{"Hunter2"}},
		{"escaped", "redis://:Hun%40ter2@" + down, []string{"Hun@ter2", "Hun%40ter2"}},
		{"slash", "redis://u:Hun/ter2@host:6379", []string{"Hun", "ter2"}},
		{"slash and port", "redis://u:123/Hunter2@host", []string{"123/", "Hunter2"}},
		{"quote", `redis://u:Hun"ter2@host`, []string{"Hun", "ter2"}},
		{"hash", "redis://u:Hun#ter2@host", []string{"Hun", "ter2"}},
		{"at", "redis://u:Hun@ter2@" + down, []string{"Hun@ter2"}},
		{"sentinel", "redis://:Hunter2@" + down + "?master_name=m", []string{"Hunter2"}},
		{"cluster", "redis://:Hunter2@" + down + ",redis://:Other7@127.0.0.1:2",
			[]string{"Hunter2", "Other7"}},
		{"cluster bad seed", "redis://:Hunter2@" + down + ",redis://:Oth/er7@h:x",
			[]string{"Hunter2", "Oth", "er7"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, err := redisstore.Open(openCtx(t, 500*time.Millisecond), tc.spec)
			if err == nil {
				client.Close()
				t.Fatalf("Open(%q) succeeded", tc.spec)
			}
			t.Log(err)
			checkHidden(t, err.Error(), tc.pieces)
		})
	}
}

func checkHidden(t *testing.T, msg string, pieces []string) {
	t.Helper()
	for _, p := range pieces {
		if strings.Contains(msg, p) {
			t.Errorf("error shows %q: %s", p, msg)
		}
	}
	if !strings.Contains(msg, "xxxxx") {
		t.Errorf("error does not show the redacted spec: %s", msg)
	}
}

func TestOpen(t *testing.T) {
	plain := miniredis.RunT(t)
	authed := miniredis.RunT(t)
	authed.RequireUserAuth("bob", "p@ss/word")
	tests := []struct {
		name        string
		spec        string
		wantCluster bool
	}{
		{"url", "redis://" + plain.Addr(), false},
		{"url with db", "redis://" + plain.Addr() + "/0", false},
		{"bare", plain.Addr(), false},
		{"spaces", "  redis://" + plain.Addr() + " ", false},
		{"user and escaped password", "redis://bob:p%40ss%2Fword@" + authed.Addr(), false},
		{"one-seed cluster", plain.Addr() + ",", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, err := redisstore.Open(openCtx(t, 5*time.Second), tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			if _, isCluster := client.(*redis.ClusterClient); isCluster != tc.wantCluster {
				t.Errorf("Open(%q) = %T, want cluster=%v", tc.spec, client, tc.wantCluster)
			}
		})
	}
}

// conf is what Open sets up beyond the address.
type conf struct {
	Dial, Read, Write time.Duration
	Pool              int
	ContextTimeouts   bool
	Protocol          int
}

func TestOpenDefaults(t *testing.T) {
	mr := miniredis.RunT(t)
	tests := []struct {
		query string
		want  conf
	}{
		{"", conf{2 * time.Second, time.Second, time.Second, 8, true, 2}},
		{"?dial_timeout=5s&read_timeout=3&pool_size=3", conf{5 * time.Second, 3 * time.Second, time.Second, 3, true, 2}},
		{"?protocol=3", conf{2 * time.Second, time.Second, time.Second, 8, true, 3}},
	}
	for _, tc := range tests {
		client, err := redisstore.Open(openCtx(t, 5*time.Second), "redis://"+mr.Addr()+tc.query)
		if err != nil {
			t.Fatal(err)
		}
		o := client.(*redis.Client).Options()
		got := conf{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolSize, o.ContextTimeoutEnabled, o.Protocol}
		if got != tc.want {
			t.Errorf("query %q: got %+v, want %+v", tc.query, got, tc.want)
		}
		client.Close()
	}
}
