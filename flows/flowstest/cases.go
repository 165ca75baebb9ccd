package flowstest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"mekongbot/flows"
)

// samples are sessions every store must round-trip field by field.
var samples = []struct {
	name string
	s    flows.Session
}{
	{"Zero", flows.Session{}},
	{"LangOnly", flows.Session{Lang: "km"}},
	{"WorkerOnPage", flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees",
		Back: []string{"root", "pre"}}},
	{"OfficialInState", flows.Session{Lang: "vi", Role: flows.RoleOfficial, Page: "root",
		State: flows.StateChooseRole, Data: "x"}},
	{"UnicodeData", flows.Session{Lang: "my", Page: "root", State: flows.StateChooseLang,
		Data: "ភាសាខ្មែរ · Tiếng Việt · ພາສາລາວ · မြန်မာ · ไทย · 中文 🙂"}},
	{"FullBackStack", flows.Session{Lang: "th", Role: flows.RoleWorker, Page: "p7",
		Back: []string{"p1", "p2", "p3", "p4", "p5", "p6"}}},
	{"DataWithSeparators", flows.Session{Lang: "lo", Page: "root", State: "x1",
		Data: "a,b:c;d {x}=&?#% line1\nline2\t\x00end"}},
}

func testLoadUnknown(t *testing.T, st flows.Store, _ Options) {
	for _, chat := range []int64{1, -1, -1001234567890} {
		mustNotFind(t, st, chat)
	}
}

func testRoundTrip(t *testing.T, st flows.Store, _ Options) {
	for i, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			chat := int64(100 + i)
			mustSave(t, st, chat, tc.s)
			mustFind(t, st, chat, tc.s)
		})
	}
}

func testOverwrite(t *testing.T, st flows.Store, _ Options) {
	const chat = -42
	full := samples[2].s
	full.State, full.Data = flows.StateChooseRole, "ពេលវេលា"
	small := flows.Session{Lang: "en", Page: "root"} // every other field cleared
	for _, want := range []flows.Session{full, small, full} {
		mustSave(t, st, chat, want)
		mustFind(t, st, chat, want)
	}
}

func testSaveCopiesInput(t *testing.T, st flows.Store, _ Options) {
	const chat = 7
	s := flows.Session{Lang: "km", Page: "pre.fees", Back: []string{"root", "pre"}}
	mustSave(t, st, chat, s)
	s.Back[0] = "mutated after save"
	got := mustFind(t, st, chat, flows.Session{Lang: "km", Page: "pre.fees",
		Back: []string{"root", "pre"}})
	got.Back[1] = "mutated after load"
	mustFind(t, st, chat, flows.Session{Lang: "km", Page: "pre.fees",
		Back: []string{"root", "pre"}})
}

func testDeleteThenLoad(t *testing.T, st flows.Store, _ Options) {
	const chat = -1001234567890
	s := samples[2].s
	mustSave(t, st, chat, s)
	mustDelete(t, st, chat)
	mustNotFind(t, st, chat)
	mustSave(t, st, chat, s) // a deleted chat can start again
	mustFind(t, st, chat, s)
}

func testDeleteUnknown(t *testing.T, st flows.Store, _ Options) {
	mustDelete(t, st, 31337)
	mustDelete(t, st, 31337) // twice is still fine
	mustNotFind(t, st, 31337)
}

// chatIDs are near-collisions: same digits with either sign, prefixes of one
// another, Telegram's group/channel form and the int64 extremes.
var chatIDs = []int64{1, -1, 12, -12, 777000, -1001234567890, 1001234567890,
	math.MaxInt64, math.MinInt64}

func testChatsIndependent(t *testing.T, st flows.Store, _ Options) {
	want := map[int64]flows.Session{}
	for i, chat := range chatIDs {
		want[chat] = flows.Session{Lang: "km", Page: fmt.Sprintf("p%d", i),
			Data: fmt.Sprint(chat)}
		mustSave(t, st, chat, want[chat])
	}
	for _, chat := range chatIDs {
		mustFind(t, st, chat, want[chat])
	}
	mustNotFind(t, st, 2) // never saved, between saved neighbours
	mustDelete(t, st, 1)
	mustNotFind(t, st, 1)
	for _, chat := range chatIDs[1:] {
		mustFind(t, st, chat, want[chat])
	}
}

func testCancelledContext(t *testing.T, st flows.Store, o Options) {
	const chat = -500
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	s := flows.Session{Lang: "km", Page: "root"}
	errs := map[string]error{"Save": st.Save(c, chat, s), "Delete": st.Delete(c, chat)}
	_, ok, err := st.Load(c, chat)
	errs["Load"] = err
	if err != nil && ok {
		t.Errorf("Load(cancelled) = ok=true with error %v", err)
	}
	_, errs["Claim"] = st.Claim(c, chat)
	claim := mustClaim(t, st, chat)
	errs["Commit"] = st.Commit(c, claim, s) // ends the claim even so
	for op, err := range errs {
		checkCancelledErr(t, op, err, o.CancelledContextFails)
	}
	mustSave(t, st, chat, s) // the store still works with a live context
	mustFind(t, st, chat, s)
}

func checkCancelledErr(t *testing.T, op string, err error, mustFail bool) {
	t.Helper()
	switch {
	case err == nil && mustFail:
		t.Errorf("%s(cancelled context) = nil error, want one", op)
	case err != nil && !errors.Is(err, context.Canceled):
		t.Errorf("%s(cancelled context) = %v, want an error matching context.Canceled", op, err)
	}
}
