package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"mekongbot/bot/redisstore"
	"mekongbot/bot/redisstore/redistest"
	"mekongbot/flows"
)

const admin, other = 111, 222 // fixed members in these tests

func TestRoster(t *testing.T) { testRoster(t, redistest.Client) }

func testRoster(t *testing.T, newClient clientFunc) {
	t.Run("FixedAndAdded", func(t *testing.T) { testRosterFixedAndAdded(t, newClient) })
	t.Run("RemoveFixedFails", func(t *testing.T) { testRemoveFixedFails(t, newClient) })
	t.Run("Log", func(t *testing.T) { testRosterLog(t, newClient) })
}

func newRoster(t testing.TB, newClient clientFunc, log *slog.Logger) *redisstore.Roster {
	client, prefix := newClient(t)
	return redisstore.NewRoster(client, prefix, []int64{other, admin}, log)
}

func testRosterFixedAndAdded(t *testing.T, newClient clientFunc) {
	r := newRoster(t, newClient, nil)
	mustChange(t, r.Add, admin, 5)
	mustChange(t, r.Add, admin, 3)
	mustChange(t, r.Add, 5, 5)     // twice is fine
	mustChange(t, r.Add, 5, other) // fixed already: nothing stored
	mustChange(t, r.Remove, admin, 3)
	tests := []struct {
		user int64
		want bool
	}{{admin, true}, {other, true}, {5, true}, {3, false}, {4, false}}
	for _, tc := range tests {
		if got, err := r.IsStaff(t.Context(), tc.user); err != nil || got != tc.want {
			t.Errorf("IsStaff(%d) = %v, %v; want %v", tc.user, got, err, tc.want)
		}
	}
	list, err := r.List(t.Context())
	want := []flows.StaffMember{{UserID: admin, Fixed: true}, {UserID: other, Fixed: true}, {UserID: 5}}
	if err != nil || !slices.Equal(list, want) {
		t.Errorf("List = %v, %v; want %v", list, err, want)
	}
}

func testRemoveFixedFails(t *testing.T, newClient clientFunc) {
	r := newRoster(t, newClient, nil)
	mustChange(t, r.Add, admin, 5)
	err := r.Remove(t.Context(), 5, admin)
	if !errors.Is(err, flows.ErrFixedStaff) {
		t.Errorf("Remove(fixed) = %v, want ErrFixedStaff", err)
	}
	if ok, _ := r.IsStaff(t.Context(), admin); !ok {
		t.Error("fixed member not staff after a failed removal")
	}
	if lines, _ := r.StaffLog(t.Context(), 10); len(lines) != 1 {
		t.Errorf("log = %q, want only the add: a refused removal is no change", lines)
	}
}

func testRosterLog(t *testing.T, newClient clientFunc) {
	var out bytes.Buffer
	r := newRoster(t, newClient, slog.New(slog.NewTextHandler(&out, nil)))
	before := time.Now().Add(-time.Second)
	mustChange(t, r.Add, admin, 5)
	mustChange(t, r.Remove, other, -5) // not staff: still logged
	lines, err := r.StaffLog(t.Context(), 5)
	if err != nil || len(lines) != 2 {
		t.Fatalf("StaffLog = %q, %v; want 2 lines", lines, err)
	}
	checkLogLine(t, lines[0], before, fmt.Sprintf("remove -5 by %d", other))
	checkLogLine(t, lines[1], before, fmt.Sprintf("add 5 by %d", admin))
	if top, _ := r.StaffLog(t.Context(), 1); len(top) != 1 || top[0] != lines[0] {
		t.Errorf("StaffLog(1) = %q, want the newest line only", top)
	}
	for _, want := range []string{`msg="staff add" user=5 by=111`, `msg="staff remove" user=-5 by=222`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("slog output %q lacks %q", out.String(), want)
		}
	}
}

// checkLogLine checks "<RFC3339 UTC> <rest>" with a time since before.
func checkLogLine(t *testing.T, line string, before time.Time, rest string) {
	t.Helper()
	stamp, got, _ := strings.Cut(line, " ")
	at, err := time.Parse(time.RFC3339, stamp)
	if err != nil || !strings.HasSuffix(stamp, "Z") || at.Before(before) || at.After(time.Now()) {
		t.Errorf("log line %q: time %q not RFC3339 UTC of now (%v)", line, stamp, err)
	}
	if got != rest {
		t.Errorf("log line %q, want %q after the time", line, rest)
	}
}

func TestRosterLogCapped(t *testing.T) {
	r := newRoster(t, redistest.Client, nil)
	for i := range 1005 {
		mustChange(t, r.Add, admin, int64(i+1000))
	}
	lines, err := r.StaffLog(t.Context(), 2000)
	if err != nil || len(lines) != 1000 || !strings.HasSuffix(lines[0], "add 2004 by 111") {
		t.Errorf("StaffLog = %d lines (newest %q), %v; want 1000, newest add 2004",
			len(lines), lines[:min(1, len(lines))], err)
	}
}

func mustChange(t *testing.T, change func(ctx context.Context, by, user int64) error, by, user int64) {
	t.Helper()
	if err := change(t.Context(), by, user); err != nil {
		t.Fatalf("change %d by %d: %v", user, by, err)
	}
}
