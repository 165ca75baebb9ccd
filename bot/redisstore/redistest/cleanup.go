package redistest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

const scanCount = 100

// deletePrefix deletes every key starting with prefix: on each master of a
// cluster, or on the one server otherwise. A client the test already closed
// is left alone.
func deletePrefix(ctx context.Context, client redis.UniversalClient, prefix string) error {
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return deleteOnNode(ctx, node, prefix)
		})
	} else {
		err = deleteOnNode(ctx, client, prefix)
	}
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return err
}

// deleteOnNode SCANs one server for the prefix and UNLINKs what it finds,
// one key per command so that keys of different cluster slots never meet.
func deleteOnNode(ctx context.Context, node redis.Cmdable, prefix string) error {
	var keys []string
	iter := node.Scan(ctx, 0, globEscape(prefix)+"*", scanCount).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Unlink(ctx, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unlink %d keys: %w", len(keys), err)
	}
	return nil
}

// globEscape quotes the characters SCAN MATCH treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
