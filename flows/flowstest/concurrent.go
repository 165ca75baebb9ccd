package flowstest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"mekongbot/flows"
)

// testConcurrent drives many chats at once (run it under -race): each
// goroutine owns a chat and must always read its own last write, while as
// many others hammer one shared chat, which must end up holding one of the
// values written to it.
func testConcurrent(t *testing.T, st flows.Store, o Options) {
	const shared = -424242
	var wg sync.WaitGroup
	for g := range o.Chats {
		wg.Go(func() { ownChat(t, st, concurrentChat(g), o.Rounds) })
		wg.Go(func() { sharedChat(t, st, shared, g, o.Rounds) })
	}
	wg.Wait()
	got, ok, err := st.Load(ctx(t), shared)
	if err != nil || !ok {
		t.Fatalf("Load(shared %d) = ok=%v err=%v, want a session", shared, ok, err)
	}
	if g, err := strconv.Atoi(got.Data); err != nil || g < 0 || g >= o.Chats {
		t.Errorf("shared chat holds %+v, not one of the values written", got)
	}
}

// concurrentChat spreads goroutines over positive and negative chat ids.
func concurrentChat(g int) int64 {
	if g%2 == 0 {
		return int64(g + 1)
	}
	return -1000000000000 - int64(g)
}

func ownChat(t *testing.T, st flows.Store, chat int64, rounds int) {
	for r := range rounds {
		want := flows.Session{Lang: "km", Role: flows.RoleWorker,
			Page: fmt.Sprintf("c%d", chat), Data: strconv.Itoa(r)}
		if err := roundTrip(t, st, chat, want); err != nil {
			t.Error(err)
			return
		}
	}
}

func sharedChat(t *testing.T, st flows.Store, chat int64, g, rounds int) {
	for range rounds {
		if err := st.Save(ctx(t), chat, flows.Session{Lang: "vi", Data: strconv.Itoa(g)}); err != nil {
			t.Errorf("Save(shared %d): %v", chat, err)
			return
		}
		if _, ok, err := st.Load(ctx(t), chat); err != nil || !ok {
			t.Errorf("Load(shared %d) = ok=%v err=%v, want a session", chat, ok, err)
			return
		}
	}
}

// roundTrip saves want and reads it back; it reports instead of failing so
// that it can run on any goroutine.
func roundTrip(t *testing.T, st flows.Store, chat int64, want flows.Session) error {
	if err := st.Save(ctx(t), chat, want); err != nil {
		return fmt.Errorf("Save(%d): %w", chat, err)
	}
	got, ok, err := st.Load(ctx(t), chat)
	switch {
	case err != nil:
		return fmt.Errorf("Load(%d): %w", chat, err)
	case !ok || !Equal(got, want):
		return fmt.Errorf("Load(%d) = %+v ok=%v, want %+v", chat, got, ok, want)
	}
	return nil
}
