package main

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/bot/telegramtest"
)

// housekeeping are commands that are not part of handling an update.
var housekeeping = map[string]bool{"info": true, "ping": true, "config": true, "client": true, "hello": true, "select": true, "memory": true}

// TestRedisRoundTripsAndSessionSize measures, on a Redis of its own, the
// Redis cost of an update on the common path (a known person pressing a
// button) in polling mode, alone and in a batch, and the memory of one
// session key. Round trips are counted by a proxy in front of Redis (a
// pipeline or script is one); commands by INFO commandstats.
//
// A lone update costs three: the journal's accept, the session's commit
// (the session itself comes from the poller's cache), and the journal's
// handled mark, which the polling lease work folds into the next accept.
// In a batch the journal's two are shared, so an update costs one and a
// little.
func TestRedisRoundTripsAndSessionSize(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	proxy := newTripCounter(t, srv.Addr)
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = proxy.addr, "mekongbot:"
	startServe(t, env)
	p := &person{t: t, api: api, id: 1234567890, lang: "en"}
	menu := p.chooseRole(p.press(p.command("/start"), "l:en"), "r:w")

	perUpdate := walkCost(t, c, proxy, "polling, one update per batch", p, menu)
	if perUpdate > 3+slack(len(buttonWalk)) {
		t.Errorf("%.2f Redis round trips per lone update, want at most 3", perUpdate)
	}

	batchCost(t, api, c, proxy)

	key := redisstore.Keys{Prefix: "mekongbot:"}.Session(p.id)
	size, err := c.MemoryUsage(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("session %s: MEMORY USAGE %d bytes, value %q", key, size, c.Get(context.Background(), key).Val())
	if size > 128 {
		t.Errorf("session uses %d bytes in Redis, want at most 128", size)
	}
}

// slack allows one round trip in a measurement of n updates that is none
// of theirs yet cannot be told apart (a NOSCRIPT answer to a background
// script's first EVALSHA, say); the figures are logged as measured.
func slack(n int) float64 { return 1 / float64(n) }

// buttonWalk is a person reading: pages, back, the menu, sources.
var buttonWalk = []string{"p:pre", "p:pre.fees", "p:pre.fees.zero", "b", "b", "m", "p:rights", "p:rights.docs", "s:rights.docs", "m"}

// walkCost measures buttonWalk pressed by p, starting from menu.
func walkCost(t *testing.T, c *redis.Client, proxy *tripCounter, what string, p *person, menu telegramtest.Sent) float64 {
	t.Helper()
	return measure(t, c, proxy, what, func() int {
		for _, data := range buttonWalk {
			menu = p.press(menu, data)
		}
		return len(buttonWalk)
	})
}

// measure runs updates (which returns how many it sent) with the counters
// reset, logs what they cost and returns the round trips per update, health
// pings left out.
func measure(t *testing.T, c *redis.Client, proxy *tripCounter, what string, updates func() int) float64 {
	t.Helper()
	c.ConfigResetStat(context.Background())
	proxy.reset()
	n := updates()
	trips := proxy.count()
	// Not the updates' cost: health pings; a new pooled connection's
	// handshake (HELLO); the broadcast runner's look for due jobs
	// (ZRANGEBYSCORE) and the send budget's refresh every 100 ms (a script
	// that calls TIME), which run whatever the traffic; and a script's first
	// run on a fresh Redis, which sends it whole (EVAL) after the EVALSHA
	// failed; and the polling lease's renewal every second (PEXPIRE in a
	// script).
	other := commandCount(t, c, "ping") + commandCount(t, c, "hello") + commandCount(t, c, "zrangebyscore") +
		commandCount(t, c, "time") + commandCount(t, c, "eval") + commandCount(t, c, "pexpire")
	per := float64(trips-other) / float64(n)
	t.Logf("%s: %.2f Redis round trips per update (%d round trips, %d of them pings, background work and "+
		"script loads, for %d updates); commands: %s", what, per, trips, other, n, commandBreakdown(t, c))
	return per
}

// TestRedisRoundTripsWebhook measures the same walk in webhook mode: the
// update is handled in the request, with a claim that locks the chat and
// reads the session, and a commit that writes it and unlocks: two.
func TestRedisRoundTripsWebhook(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	proxy := newTripCounter(t, srv.Addr)
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = proxy.addr, "mekongbot:"
	env["LISTEN_ADDR"] = "127.0.0.1:" + strconv.Itoa(freePort(t))
	env["WEBHOOK_URL"], env["WEBHOOK_SECRET"] = "http://"+env["LISTEN_ADDR"]+"/tg/hook", "roundtrip-Secret"
	startServe(t, env)
	api.WaitFor(t, func() bool { return api.WebhookURL() != "" }, 10*time.Second)
	p := &person{t: t, api: api, id: 1234567890, lang: "en"}
	menu := p.chooseRole(p.press(p.command("/start"), "l:en"), "r:w")

	perUpdate := walkCost(t, c, proxy, "webhook", p, menu)
	if perUpdate > 2+slack(len(buttonWalk)) {
		t.Errorf("%.2f Redis round trips per update in webhook mode, want at most 2", perUpdate)
	}
}

// batchCost sends one /start from each of 50 chats at once, twice: the
// first time the sessions are new (a read each), the second time they are
// known and cached. The journal's accept is one round trip per batch and
// handled marks are group-committed, so the second round costs about one
// round trip per update: the session's commit.
func batchCost(t *testing.T, api *telegramtest.Server, c *redis.Client, proxy *tripCounter) {
	const chats = 50
	api.SetDelay("getUpdates", 300*time.Millisecond) // let the updates gather into a batch
	defer api.SetDelay("getUpdates", 0)
	round := func(n int) func() int {
		return func() int {
			for i := range chats {
				api.SendCommand(int64(9000+i), int64(9000+i), "en", "/start")
			}
			api.WaitFor(t, func() bool {
				for i := range chats {
					if len(api.MessagesTo(int64(9000+i))) < n {
						return false
					}
				}
				return true
			}, 10*time.Second)
			time.Sleep(100 * time.Millisecond) // the last handled marks
			return chats
		}
	}
	measure(t, c, proxy, "polling, 50 new people in a batch", round(1))
	if per := measure(t, c, proxy, "polling, 50 known people in a batch", round(2)); per > 2 {
		t.Errorf("%.2f round trips per update in batches, want at most 2", per)
	}
}

// commandBreakdown lists the commands run since the last reset, as
// "name=calls", housekeeping left out.
func commandBreakdown(t *testing.T, c *redis.Client) string {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "cmdstat_"), ":calls=")
		if !ok || housekeeping[strings.Split(name, "|")[0]] {
			continue
		}
		out = append(out, name+"="+strings.Split(rest, ",")[0])
	}
	return strings.Join(out, " ")
}

// commandCount is the number of calls of one command since the last reset.
func commandCount(t *testing.T, c *redis.Client, name string) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+name+":calls="); ok {
			n, _ := strconv.Atoi(strings.Split(rest, ",")[0])
			return n
		}
	}
	return 0
}

// tripCounter is a TCP proxy to Redis that counts round trips: each time a
// client speaks after the server has answered (or first) is one.
type tripCounter struct {
	addr  string
	trips atomic.Int64
}

func newTripCounter(t *testing.T, target string) *tripCounter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc := &tripCounter{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go tc.pipe(conn, target)
		}
	}()
	return tc
}

func (tc *tripCounter) pipe(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	var serverSpoke atomic.Bool
	serverSpoke.Store(true)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				serverSpoke.Store(true)
				_, _ = client.Write(buf[:n])
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if serverSpoke.Swap(false) {
				tc.trips.Add(1)
			}
			_, _ = server.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

func (tc *tripCounter) reset()     { tc.trips.Store(0) }
func (tc *tripCounter) count() int { return int(tc.trips.Load()) }
