package redisstore_test

import (
	"context"
	"fmt"
	"testing"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
)

func TestInsightsCountsAndBoundsUnanswered(t *testing.T) {
	client, prefix := redistest.Client(t)
	in := redisstore.NewInsights(client, prefix)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := in.Unanswered(ctx, "km", "tax refund"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 600; i++ {
		if err := in.Unanswered(ctx, "km", fmt.Sprint("q", i)); err != nil {
			t.Fatal(err)
		}
	}
	top, err := in.TopUnanswered(ctx, "km", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top[0].Member != "tax refund" || top[0].Score != 3 {
		t.Errorf("top = %+v, want tax refund asked 3 times", top)
	}
	if n := client.ZCard(ctx, redisstore.Keys{Prefix: prefix}.Unanswered("km")).Val(); n > 500 {
		t.Errorf("%d questions kept, want at most 500", n)
	}
}
