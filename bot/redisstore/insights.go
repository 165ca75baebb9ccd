package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// maxUnanswered bounds the unanswered questions kept per language; the
// least asked are dropped first.
const maxUnanswered = 500

// Insights keeps anonymous counts for staff in Redis. Nothing in it names
// or points to a person.
type Insights struct {
	client redis.UniversalClient
	keys   Keys
}

// NewInsights returns Insights under prefix.
func NewInsights(client redis.UniversalClient, prefix string) *Insights {
	return &Insights{client: client, keys: Keys{Prefix: prefix}}
}

// Unanswered counts an (already anonymised) question no page answered.
// One round trip: the count and the trim go in one pipeline.
func (in *Insights) Unanswered(ctx context.Context, lang, question string) error {
	key := in.keys.Unanswered(lang)
	_, err := in.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZIncrBy(ctx, key, 1, question)
		p.ZRemRangeByRank(ctx, key, 0, -maxUnanswered-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count unanswered question: %w", err)
	}
	return nil
}

// TopUnanswered returns the most asked unanswered questions in lang.
func (in *Insights) TopUnanswered(ctx context.Context, lang string, n int) ([]redis.Z, error) {
	z, err := in.client.ZRevRangeWithScores(ctx, in.keys.Unanswered(lang), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read unanswered questions: %w", err)
	}
	return z, nil
}
