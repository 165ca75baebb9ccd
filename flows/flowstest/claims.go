package flowstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"mekongbot/flows"
)

// claimWait bounds a Claim in these cases: a store that locks chats must
// not leave a chat locked after Commit or Abandon, and waiting out a stuck
// lock would look like a hang.
const claimWait = 5 * time.Second

func mustClaim(t *testing.T, st flows.Store, chat int64) flows.Claim {
	t.Helper()
	c, cancel := context.WithTimeout(ctx(t), claimWait)
	defer cancel()
	cl, err := st.Claim(c, chat)
	if err != nil {
		t.Fatalf("Claim(%d): %v", chat, err)
	}
	return cl
}

func mustCommit(t *testing.T, st flows.Store, c flows.Claim, s flows.Session) {
	t.Helper()
	if err := st.Commit(ctx(t), c, s); err != nil {
		t.Fatalf("Commit(%d): %v", c.ChatID, err)
	}
}

// testClaimCommit: a claim reads what is stored, Commit writes, and the
// next claim sees it.
func testClaimCommit(t *testing.T, st flows.Store, _ Options) {
	const chat = -77
	c := mustClaim(t, st, chat)
	if c.Found || !Equal(c.Session, flows.Session{}) || c.ChatID != chat {
		t.Fatalf("Claim(unknown) = %+v, want chat %d, nothing found", c, chat)
	}
	want := samples[2].s
	mustCommit(t, st, c, want)
	c = mustClaim(t, st, chat)
	if !c.Found || !Equal(c.Session, want) {
		t.Fatalf("Claim after Commit = %+v, want %+v", c, want)
	}
	next := want
	next.Page, next.LastUpdate, next.LastPress = "root", 123456789, 123456790
	mustCommit(t, st, c, next)
	got := mustFind(t, st, chat, next)
	if got.LastUpdate != next.LastUpdate || got.LastPress != next.LastPress {
		t.Errorf("update ids read back as %d, %d; want %d, %d", got.LastUpdate, got.LastPress, next.LastUpdate, next.LastPress)
	}
}

// testCommitConflict changes the session behind a claim in each way
// another process could: Commit must refuse, keep what that process wrote,
// and end the claim, so that a fresh claim succeeds.
func testCommitConflict(t *testing.T, st flows.Store, _ Options) {
	first, other := samples[1].s, samples[3].s
	tests := []struct {
		name   string
		before *flows.Session // stored before the claim; nil: nothing
		change func(chat int64)
		after  *flows.Session // what must be stored after the refused Commit
	}{
		{"saved meanwhile", &first, func(chat int64) { mustSave(t, st, chat, other) }, &other},
		{"created meanwhile", nil, func(chat int64) { mustSave(t, st, chat, other) }, &other},
		{"deleted meanwhile", &first, func(chat int64) { mustDelete(t, st, chat) }, nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chat := int64(-900 - i)
			if tc.before != nil {
				mustSave(t, st, chat, *tc.before)
			}
			c := mustClaim(t, st, chat)
			tc.change(chat)
			err := st.Commit(ctx(t), c, samples[2].s)
			if !errors.Is(err, flows.ErrConflict) {
				t.Fatalf("Commit after a change = %v, want ErrConflict", err)
			}
			if tc.after != nil {
				mustFind(t, st, chat, *tc.after)
			} else {
				mustNotFind(t, st, chat)
			}
			c = mustClaim(t, st, chat) // the refused Commit ended the claim
			mustCommit(t, st, c, samples[2].s)
			mustFind(t, st, chat, samples[2].s)
		})
	}
}

// testAbandon: an abandoned claim writes nothing and leaves the chat free.
func testAbandon(t *testing.T, st flows.Store, _ Options) {
	const chat = 4242
	s := samples[2].s
	mustSave(t, st, chat, s)
	c := mustClaim(t, st, chat)
	st.Abandon(ctx(t), c)
	mustFind(t, st, chat, s)
	c = mustClaim(t, st, chat)
	mustCommit(t, st, c, samples[1].s)
	mustFind(t, st, chat, samples[1].s)
}

// testClaimsInTurn has many goroutines each claim one chat and commit a
// counter one higher: none may be lost. A store that locks chats takes them
// in turn; one that does not refuses all but one commit of each round,
// which then claim afresh and try again, as the engine does.
func testClaimsInTurn(t *testing.T, st flows.Store, o Options) {
	const chat = -31337
	done := make(chan error)
	for range o.Chats {
		go func() { done <- incrementOnce(ctx(t), st, chat) }()
	}
	for range o.Chats {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	got := mustClaim(t, st, chat)
	st.Abandon(ctx(t), got)
	if got.Session.LastUpdate != int64(o.Chats) {
		t.Errorf("after %d increments the counter is %d", o.Chats, got.Session.LastUpdate)
	}
}

func incrementOnce(c context.Context, st flows.Store, chat int64) error {
	for {
		cl, err := st.Claim(c, chat)
		if err != nil {
			return err
		}
		s := cl.Session
		s.LastUpdate++
		err = st.Commit(c, cl, s)
		if !errors.Is(err, flows.ErrConflict) {
			return err
		}
	}
}
