package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

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
// Redis commands per update on the common path (each is one round trip: the
// store sends no pipelines there) and the memory of one session key.
func TestRedisRoundTripsAndSessionSize(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	api := telegramtest.New(t, testToken)
	env := serveEnv(t, api)
	env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = srv.Addr, "mekongbot:"
	startServe(t, env)
	p := &person{t: t, api: api, id: 1234567890, lang: "en"}
	menu := p.chooseRole(p.press(p.command("/start"), "l:en"), "r:w")

	c.ConfigResetStat(context.Background())
	updates := 0
	for _, data := range []string{"p:pre", "p:pre.fees", "p:pre.fees.zero", "b", "b", "m", "p:rights", "p:rights.docs", "s:rights.docs", "m"} {
		menu = p.press(menu, data)
		updates++
	}
	calls := commandCalls(t, c)
	perUpdate := float64(calls) / float64(updates)
	t.Logf("Redis round trips per update: %.2f (%d commands for %d button presses)", perUpdate, calls, updates)
	if perUpdate > 2 {
		t.Errorf("%.2f Redis round trips per update, want at most 2", perUpdate)
	}

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
