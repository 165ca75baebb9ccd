package broadcast

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"mekongbot/flows"
)

func TestSnapshotAudience(t *testing.T) {
	profiles := []flows.Profile{
		{Lang: "km", Role: flows.RoleWorker, Country: "kh", Topics: "r"},    // 0
		{Lang: "lo", Role: flows.RoleWorker, Country: "la", Topics: "rl"},   // 1
		{Lang: "my", Role: flows.RoleOfficial, Country: "mm", Topics: "h"},  // 2
		{Lang: "en", Role: flows.RoleUnknown, Country: "", Topics: "s"},     // 3
		{Lang: "th", Role: flows.RoleWorker, Country: "xx", Topics: "rlhs"}, // 4
	}
	texts := map[string]string{"km": "km text", "lo": "lo text", "en": "en text"}
	tests := []struct {
		name     string
		audience flows.Audience
		fallback string
		want     []string // "index:lang"
	}{
		{"everyone with fallback", flows.Audience{}, "en", []string{"0:km", "1:lo", "2:en", "3:en", "4:en"}},
		{"everyone without fallback", flows.Audience{}, "", []string{"0:km", "1:lo", "3:en"}},
		{"workers", flows.Audience{Roles: []flows.Role{flows.RoleWorker}}, "en", []string{"0:km", "1:lo", "4:en"}},
		{"countries", flows.Audience{Countries: []string{"kh", "mm"}}, "", []string{"0:km"}},
		{"topics: any of", flows.Audience{Topics: []flows.Topic{flows.TopicRules, flows.TopicHelp}}, "en", []string{"1:lo", "2:en", "4:en"}},
		{"languages", flows.Audience{Langs: []string{"th", "km"}}, "en", []string{"0:km", "4:en"}},
		{"nobody", flows.Audience{Langs: []string{"zh"}}, "en", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.subscribe(len(profiles), func(i int) flows.Profile { return profiles[i] })
			e.rdb.HSet(t.Context(), e.subs.key, "garbage", "x", "77", "no|fields") // skipped
			id := e.start(flows.Broadcast{Audience: tt.audience, Texts: texts, Fallback: tt.fallback})
			r := e.newRunner(e.config(e.sender(nil), nil))
			if _, err := r.tend(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tt.want {
				i, _ := strconv.Atoi(w[:1])
				want = append(want, strconv.Itoa(firstChat+i)+w[1:])
			}
			got := e.recipientList(id)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("recipients %v, want %v", got, want)
			}
			d, _ := e.store.Details(t.Context(), id)
			wantState := flows.BroadcastRunning
			if len(want) == 0 {
				wantState = flows.BroadcastDone // nobody to send to
			}
			if d.Total != len(want) || d.State != wantState {
				t.Errorf("after snapshot: %+v", d)
			}
		})
	}
}

func (e *env) newRunner(cfg Config) *Runner {
	e.t.Helper()
	r, err := NewRunner(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) recipientList(id int64) []string {
	e.t.Helper()
	list, err := e.rdb.LRange(context.Background(), e.store.keys.recipients(id), 0, -1).Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// TestSnapshotRedoneAfterCrash: a snapshot whose process died (its lock
// left to expire, half a list pushed) is redone from scratch by the next
// process, and the dead one's late pushes are refused.
func TestSnapshotRedoneAfterCrash(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const n = 2500 // several push chunks
	e.subscribe(n, english)
	id := e.start(news())
	k := e.store.keys
	e.rdb.Set(ctx, k.snapshotLock(id), "dead", 300*time.Millisecond)
	e.rdb.RPush(ctx, k.recipients(id), "1:en", "2:en", "3:en")

	r := e.newRunner(e.config(e.sender(nil), nil))
	if _, err := r.tend(ctx, id); err != nil { // the lock is held: nothing happens
		t.Fatal(err)
	}
	if d, _ := e.store.Details(ctx, id); d.Total != 0 {
		t.Fatalf("snapshot ran under another's lock: %+v", d)
	}
	time.Sleep(350 * time.Millisecond)
	if _, err := r.tend(ctx, id); err != nil {
		t.Fatal(err)
	}
	stale := snapshotter{r: e.newRunner(e.config(e.sender(nil), nil)), j: &job{id: id}, lock: k.snapshotLock(id),
		chunk: []any{"9:en"}}
	stale.r.owner = "dead"
	if err := stale.push(ctx); err != errLostLock {
		t.Errorf("stale push: %v, want errLostLock", err)
	}
	list := e.recipientList(id)
	uniq := map[string]bool{}
	for _, v := range list {
		uniq[v] = true
	}
	d, _ := e.store.Details(ctx, id)
	if len(list) != n || len(uniq) != n || uniq["1:en"] || d.Total != n || d.State != flows.BroadcastRunning {
		t.Errorf("list of %d (%d distinct, old entries: %v), status %+v; want %d fresh", len(list), len(uniq), uniq["1:en"], d, n)
	}
}
