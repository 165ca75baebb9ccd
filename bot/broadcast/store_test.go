package broadcast

import (
	"context"
	"errors"
	"testing"
	"time"

	"mekongbot/flows"
)

func TestStartStates(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		at     time.Time
		want   flows.BroadcastState
		wantAt time.Time
	}{
		{"at once", time.Time{}, flows.BroadcastRunning, now},
		{"in the past", now.Add(-time.Hour), flows.BroadcastRunning, now},
		{"later", now.Add(time.Hour), flows.BroadcastScheduled, now.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.store.now = func() time.Time { return now }
			b := news()
			b.At = tt.at
			id := e.start(b)
			st, err := e.store.Status(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			want := flows.BroadcastStatus{ID: id, State: tt.want, Created: now, At: tt.wantAt}
			if !sameStatus(st, want) {
				t.Errorf("Status = %+v, want %+v", st, want)
			}
			due, err := e.rdb.ZScore(t.Context(), e.store.keys.active(), "1").Result()
			if err != nil || int64(due) != tt.wantAt.UnixMilli() {
				t.Errorf("active score %v, %v; want %d", due, err, tt.wantAt.UnixMilli())
			}
		})
	}
}

func sameStatus(a, b flows.BroadcastStatus) bool {
	return a.ID == b.ID && a.State == b.State && a.Total == b.Total && a.Sent == b.Sent &&
		a.Failed == b.Failed && a.Created.Equal(b.Created) && a.At.Equal(b.At) && a.Finished.Equal(b.Finished)
}

func TestCancel(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		state     flows.BroadcastState // set before cancelling
		wantState flows.BroadcastState
		finished  bool
	}{
		{"scheduled", flows.BroadcastScheduled, flows.BroadcastCancelled, true},
		{"running", flows.BroadcastRunning, flows.BroadcastCancelled, true},
		{"done stays done", flows.BroadcastDone, flows.BroadcastDone, false},
		{"cancelled twice", flows.BroadcastCancelled, flows.BroadcastCancelled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.store.now = func() time.Time { return now }
			b := news()
			b.At = now.Add(time.Hour)
			id := e.start(b)
			e.rdb.HSet(t.Context(), e.store.keys.job(id), fState, string(tt.state))
			st, err := e.store.Cancel(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if st.State != tt.wantState || st.Finished.Equal(now) != tt.finished {
				t.Errorf("after Cancel: %+v", st)
			}
			due, _ := e.rdb.ZScore(t.Context(), e.store.keys.active(), "1").Result()
			if tt.finished && due != 0 {
				t.Errorf("a cancelled job is due at %v, want at once (0) for its report", due)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.Status(t.Context(), 99); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("Status: %v", err)
	}
	if _, err := e.store.Cancel(t.Context(), 99); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("Cancel: %v", err)
	}
}

func TestRecent(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for range 4 {
		e.start(news())
	}
	e.rdb.Del(ctx, e.store.keys.job(2)) // expired
	got, err := e.store.Recent(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, st := range got {
		ids = append(ids, st.ID)
	}
	if len(ids) != 2 || ids[0] != 4 || ids[1] != 3 {
		t.Errorf("Recent(3) ids %v, want [4 3] (2 expired)", ids)
	}
	if got, err := e.store.Recent(ctx, 0); err != nil || len(got) != 0 {
		t.Errorf("Recent(0) = %v, %v", got, err)
	}
	if got, _ := e.store.Recent(ctx, 10); len(got) != 3 {
		t.Errorf("Recent(10) = %d, want 3", len(got))
	}
}

func TestRecentIsCapped(t *testing.T) {
	e := newEnv(t)
	for range keepRecent + 5 {
		e.start(news())
	}
	n, err := e.rdb.LLen(context.Background(), e.store.keys.recent()).Result()
	if err != nil || n != keepRecent {
		t.Errorf("recent list holds %d (%v), want %d", n, err, keepRecent)
	}
}
