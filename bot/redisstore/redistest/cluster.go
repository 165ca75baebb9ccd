package redistest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	clusterSlots   = 16384
	clusterTimeout = 15 * time.Second
)

// StartCluster starts a Redis Cluster of n masters without replicas, each a
// redis-server child (see StartServer), and returns its comma-separated seed
// list, as redisstore.Open and ClientAt take it. It fails the test if the
// cluster does not come up.
func StartCluster(t testing.TB, n int) string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = StartServer(t, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000").Addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if err := formCluster(ctx, addrs); err != nil {
		t.Fatalf("redistest: form cluster of %v: %v", addrs, err)
	}
	return strings.Join(addrs, ",")
}

// formCluster gives each node an equal range of slots, introduces the nodes
// to the first one and waits until all of them agree the cluster is up.
func formCluster(ctx context.Context, addrs []string) error {
	nodes := make([]*redis.Client, len(addrs))
	for i, addr := range addrs {
		nodes[i] = redis.NewClient(&redis.Options{Addr: addr})
		defer nodes[i].Close()
	}
	for i, node := range nodes {
		lo, hi := i*clusterSlots/len(nodes), (i+1)*clusterSlots/len(nodes)-1
		if err := node.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			return fmt.Errorf("add slots %d-%d to %s: %w", lo, hi, addrs[i], err)
		}
		if err := meet(ctx, nodes[0], addrs[i]); err != nil {
			return err
		}
	}
	return waitClusterOK(ctx, nodes)
}

func meet(ctx context.Context, node *redis.Client, addr string) error {
	host, port, _ := strings.Cut(addr, ":")
	if err := node.ClusterMeet(ctx, host, port).Err(); err != nil {
		return fmt.Errorf("cluster meet %s: %w", addr, err)
	}
	return nil
}

func waitClusterOK(ctx context.Context, nodes []*redis.Client) error {
	want := fmt.Sprintf("cluster_known_nodes:%d", len(nodes))
	for _, node := range nodes {
		for {
			info, err := node.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, want) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("cluster not ok on %s: %w (last: %v)", node.Options().Addr, ctx.Err(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
