package redisstore_test

import (
	"cmp"
	"slices"
	"sync"
	"testing"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

func TestFeedback(t *testing.T) { testFeedback(t, redistest.Client) }

// testFeedback votes from many goroutines at once and checks the counts per
// page, and that the votes are kept in the two {stats} hashes only.
func testFeedback(t *testing.T, newClient clientFunc) {
	client, prefix := newClient(t)
	f := redisstore.NewFeedback(client, prefix)
	keys := redisstore.Keys{Prefix: prefix}
	if got, err := f.Votes(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Votes before any = %v, %v; want none", got, err)
	}
	votes := []struct {
		page    string
		helpful bool
		n       int
	}{
		{"pre.fees", true, 12}, {"pre.fees", false, 3},
		{"help.th", true, 1},
		{"rights.pay", false, 2},
	}
	var wg sync.WaitGroup
	for _, v := range votes {
		for range v.n {
			wg.Go(func() {
				if err := f.Vote(t.Context(), v.page, v.helpful); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	got, err := f.Votes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b flows.PageVotes) int { return cmp.Compare(a.Page, b.Page) })
	want := []flows.PageVotes{
		{Page: "help.th", Helpful: 1},
		{Page: "pre.fees", Helpful: 12, Unhelpful: 3},
		{Page: "rights.pay", Unhelpful: 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Votes = %+v\nwant %+v", got, want)
	}
	stored := scanKeys(t, client, prefix+"*")
	slices.Sort(stored)
	if wantKeys := []string{keys.Stats("votes:down"), keys.Stats("votes:up")}; !slices.Equal(stored, wantKeys) {
		t.Errorf("keys %q, want only %q", stored, wantKeys)
	}
	for _, k := range stored {
		if ttl := client.TTL(t.Context(), k).Val(); ttl >= 0 {
			t.Errorf("%s expires in %v: votes are counts since counting began", k, ttl)
		}
	}
}
