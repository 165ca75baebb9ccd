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

// commandCalls sums INFO commandstats, leaving out housekeeping commands.
func commandCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok || housekeeping[strings.Split(name, "|")[0]] {
			continue
		}
		n, _ := strconv.Atoi(strings.Split(rest, ",")[0])
		total += n
	}
	return total
}

// TestRedisRoundTripsAndSessionSize measures, on a Redis of its own, the
// Redis cost of an update on the common path (a button press) and of a batch
// of updates from many chats, and the memory of one session key. Round trips
// are counted by a proxy in front of Redis (a pipeline or script is one);
// commands by INFO commandstats.
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

	c.ConfigResetStat(context.Background())
	proxy.reset()
	updates := 0
	for _, data := range []string{"p:pre", "p:pre.fees", "p:pre.fees.zero", "b", "b", "m", "p:rights", "p:rights.docs", "s:rights.docs", "m"} {
		menu = p.press(menu, data)
		updates++
	}
	trips, pings, renewals := proxy.count(), commandCount(t, c, "ping"), commandCount(t, c, "pexpire")
	perUpdate := float64(trips-pings-renewals) / float64(updates)
	t.Logf("one update per batch: %.2f Redis round trips per update (%d round trips, %d of them health pings, "+
		"%d polling lease renewals; %d commands, for %d button presses): session GET and SET, journal accept "+
		"carrying the handled mark of the update before",
		perUpdate, trips, pings, renewals, commandCalls(t, c), updates)
	// 3 when every mark rides on the next press's accept; a mark the worker
	// adds after the next press was accepted, with no press in the 250 ms
	// after it, is written alone (2 of 10 in some runs).
	if perUpdate > 3.5 {
		t.Errorf("%.2f Redis round trips per update, want at most 3.5", perUpdate)
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

// batchCost sends one /start from each of 50 chats at once: the journal's
// accept is one round trip per batch and handled marks ride on it or go 8
// at a time, so the cost per update approaches the session's own GET and
// SET.
func batchCost(t *testing.T, api *telegramtest.Server, c *redis.Client, proxy *tripCounter) {
	const chats = 50
	api.SetDelay("getUpdates", 300*time.Millisecond) // let the updates gather into a batch
	defer api.SetDelay("getUpdates", 0)
	c.ConfigResetStat(context.Background())
	proxy.reset()
	for i := range chats {
		api.SendCommand(int64(9000+i), int64(9000+i), "en", "/start")
	}
	api.WaitFor(t, func() bool {
		for i := range chats {
			if len(api.MessagesTo(int64(9000+i))) == 0 {
				return false
			}
		}
		return true
	}, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // the last handled marks (written alone after 250 ms)
	trips, pings, renewals := proxy.count(), commandCount(t, c, "ping"), commandCount(t, c, "pexpire")
	writes := commandCount(t, c, "evalsha") - renewals
	t.Logf("%d updates, %d journal writes: %.2f Redis round trips per update (%d round trips, %d health pings, %d lease renewals)",
		chats, writes, float64(trips-pings-renewals)/chats, trips, pings, renewals)
	if per := float64(trips-pings-renewals) / chats; per > 3.5 {
		t.Errorf("%.2f round trips per update in batches, want at most 3.5", per)
	}
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
