package flows_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"mekongbot/flows"
)

// TestRelayIsSentAgainWhenRedelivered: an update that relayed a message to
// the staff chat, delivered again after its session was committed (a crash
// before the replies went out), gets the same replies once more; an update
// that relayed nothing is dropped as before.
func TestRelayIsSentAgainWhenRedelivered(t *testing.T) {
	w := newWorld(t)
	withID := func(ev flows.Event, id int64) flows.Event { ev.UpdateID = id; return ev }
	w.do(t, withID(pressFrom(person, flows.ActTalk, "start"), 10))
	first := w.do(t, withID(textFrom(person, "My employer keeps my passport"), 11))
	if len(first) != 2 || first[0].ChatID != staffChat {
		t.Fatalf("first delivery: %+v, want a relay to the staff chat and an acknowledgement", first)
	}

	steps := []struct {
		name        string
		event       flows.Event
		want        []flows.Reply
		wantHandled bool
	}{
		{"the relaying update again", withID(textFrom(person, "My employer keeps my passport"), 11), first, false},
		{"and once more: sent again already", withID(textFrom(person, "My employer keeps my passport"), 11), nil, true},
		{"an update that relayed nothing", withID(pressFrom(person, flows.ActTalk, "start"), 10), nil, true},
	}
	for _, st := range steps {
		replies, err := w.e.Process(context.Background(), st.event)
		if got := errors.Is(err, flows.ErrHandled); got != st.wantHandled {
			t.Fatalf("%s: Process error %v, ErrHandled %v; want %v", st.name, err, got, st.wantHandled)
		}
		if !reflect.DeepEqual(replies, st.want) {
			t.Errorf("%s: replies %+v, want %+v", st.name, replies, st.want)
		}
	}
	if n := len(w.cases.m); n != 1 {
		t.Errorf("%d cases after the redeliveries, want 1", n)
	}
}

// TestForgetDeletesKeptRelays: /forget leaves no relayed text behind.
func TestForgetDeletesKeptRelays(t *testing.T) {
	w := newWorld(t)
	ev := textFrom(person, "please help")
	w.do(t, pressFrom(person, flows.ActTalk, "start"))
	ev.UpdateID = 5
	w.do(t, ev)
	w.do(t, pressFrom(person, flows.ActForget, "yes"))
	if kept, _ := w.out.Take(context.Background(), person, 5); kept != nil {
		t.Errorf("after /forget the outbox still holds %+v", kept)
	}
}
