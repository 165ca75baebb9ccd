package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// masters returns the servers behind client: each master of a cluster, or
// the one server.
func masters(ctx context.Context, client redis.UniversalClient) ([]redis.Cmdable, error) {
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		return []redis.Cmdable{client}, nil
	}
	var mu sync.Mutex
	var out []redis.Cmdable
	err := cc.ForEachMaster(ctx, func(_ context.Context, node *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, node)
		return nil
	})
	return out, err
}

// redisStats is what INFO says, summed over the masters: calls per command
// and the memory used.
type redisStats struct {
	calls  map[string]int64
	memory int64
}

func readRedisStats(ctx context.Context, client redis.UniversalClient) (redisStats, error) {
	nodes, err := masters(ctx, client)
	if err != nil {
		return redisStats{}, fmt.Errorf("redis masters: %w", err)
	}
	st := redisStats{calls: map[string]int64{}}
	for _, n := range nodes {
		info, err := n.Info(ctx, "commandstats", "memory").Result()
		if err != nil {
			return redisStats{}, fmt.Errorf("redis INFO: %w", err)
		}
		addInfo(&st, info)
	}
	return st, nil
}

// addInfo adds the lines "cmdstat_get:calls=12,usec=..." and
// "used_memory:123" of an INFO answer to st.
func addInfo(st *redisStats, info string) {
	for line := range strings.Lines(info) {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			st.memory += n
			continue
		}
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, _ := strconv.ParseInt(calls, 10, 64)
		st.calls[name] += n
	}
}

// minus is the change from before to st, leaving out the commands the load
// tool itself sends to read it (INFO, and CLUSTER on a cluster).
func (st redisStats) minus(before redisStats) redisStats {
	d := redisStats{calls: map[string]int64{}, memory: st.memory - before.memory}
	for name, n := range st.calls {
		if name == "info" || strings.HasPrefix(name, "cluster") {
			continue
		}
		if n -= before.calls[name]; n > 0 {
			d.calls[name] = n
		}
	}
	return d
}

// keyCensus counts the run's keys by kind and their memory, then deletes
// them (the prefix is the run's own).
type keyCensus struct {
	kinds map[string]int // "session", "handled", "other"
}

func sweepPrefix(ctx context.Context, client redis.UniversalClient, prefix string) (keyCensus, error) {
	kc := keyCensus{kinds: map[string]int{}}
	nodes, err := masters(ctx, client)
	if err != nil {
		return kc, err
	}
	for _, n := range nodes {
		iter := n.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			kc.kinds[keyKind(strings.TrimPrefix(iter.Val(), prefix))]++
		}
		if err := iter.Err(); err != nil {
			return kc, fmt.Errorf("scan %s*: %w", prefix, err)
		}
		if _, err := n.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Unlink(ctx, k) // one key per command: keys of different slots never meet
			}
			return nil
		}); err != nil {
			return kc, fmt.Errorf("delete %d keys: %w", len(keys), err)
		}
	}
	return kc, nil
}

// keyKind names a key by its shape (see bot/redisstore/keys.go).
func keyKind(k string) string {
	switch {
	case strings.HasSuffix(k, ":s"):
		return "session"
	case strings.HasPrefix(k, "{upd}:h:"):
		return "handled mark"
	case strings.HasPrefix(k, "{stats}"):
		return "stats"
	}
	return "other"
}
