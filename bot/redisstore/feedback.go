package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"mekongbot/flows"
)

var _ flows.Feedback = (*Feedback)(nil)

// Feedback keeps the "was this page helpful?" votes in Redis: two hashes,
// page id -> votes (see Keys). A vote is one HINCRBY and names nobody: not the
// person, nor their language or country. Safe for concurrent use.
type Feedback struct {
	client redis.UniversalClient
	keys   Keys
}

// NewFeedback returns Feedback under prefix.
func NewFeedback(client redis.UniversalClient, prefix string) *Feedback {
	return &Feedback{client: client, keys: Keys{Prefix: prefix}}
}

// Vote counts one vote for page. The caller checks that page exists, so the
// hashes hold at most one field per page of the handbook.
func (f *Feedback) Vote(ctx context.Context, page string, helpful bool) error {
	if err := f.client.HIncrBy(ctx, f.key(helpful), page, 1).Err(); err != nil {
		return fmt.Errorf("count a vote for page %s: %w", page, err)
	}
	return nil
}

// Votes returns every page's counts: both hashes in one pipelined round
// trip (one slot, {stats}, on a cluster).
func (f *Feedback) Votes(ctx context.Context) ([]flows.PageVotes, error) {
	var up, down *redis.MapStringStringCmd
	_, err := f.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		up = p.HGetAll(ctx, f.key(true))
		down = p.HGetAll(ctx, f.key(false))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read page votes: %w", err)
	}
	byPage := map[string]*flows.PageVotes{}
	add := func(page, n string, helpful bool) {
		v := byPage[page]
		if v == nil {
			v = &flows.PageVotes{Page: page}
			byPage[page] = v
		}
		count, _ := strconv.Atoi(n) // only HINCRBY writes here
		if helpful {
			v.Helpful = count
		} else {
			v.Unhelpful = count
		}
	}
	for page, n := range up.Val() {
		add(page, n, true)
	}
	for page, n := range down.Val() {
		add(page, n, false)
	}
	out := make([]flows.PageVotes, 0, len(byPage))
	for _, v := range byPage {
		out = append(out, *v)
	}
	return out, nil
}

func (f *Feedback) key(helpful bool) string {
	if helpful {
		return f.keys.Stats("votes:up")
	}
	return f.keys.Stats("votes:down")
}
