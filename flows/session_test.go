package flows_test

import (
	"reflect"
	"strings"
	"testing"

	"mekongbot/flows"
)

func TestSessionEncodingRoundTrips(t *testing.T) {
	for _, s := range []flows.Session{
		{},
		{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees", Back: []string{"root", "pre"}},
		{Lang: "my", Role: flows.RoleOfficial, State: flows.StateTalk, Data: "12", Country: "mm",
			Day: 20419, Checklist: 1<<0 | 1<<7 | 1<<31, LastUpdate: 987654321, LastPress: 987654400},
		{Lang: "th", Data: "a|b", LastPress: 1}, // '|' cannot be kept in Data: see below
		{Lang: "km", LastUpdate: 900, LastPress: 850},
		{LastPress: 5},
		{Checklist: 1},
	} {
		got, err := flows.DecodeSession(s.Encode())
		s.Data = strings.ReplaceAll(s.Data, "|", "")
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("DecodeSession(%q) = %+v, %v; want %+v", s.Encode(), got, err, s)
		}
	}
}

func TestDecodeOlderSessions(t *testing.T) {
	tests := []struct {
		raw  string
		want flows.Session
	}{
		{"1|km|w|root|pre||", flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "root", Back: []string{"pre"}}},
		{"2|vi|o|mou|||x|vn|20419", flows.Session{Lang: "vi", Role: flows.RoleOfficial, Page: "mou", Data: "x", Country: "vn", Day: 20419}},
		{"3|lo|w|pre|root||||fr|5|gc0uy9", flows.Session{Lang: "lo", Role: flows.RoleWorker, Page: "pre", Back: []string{"root"},
			Day: 567, Checklist: 5, LastUpdate: 987654321}},
	}
	for _, tc := range tests {
		got, err := flows.DecodeSession(tc.raw)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeSession(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestDecodeSessionRejectsGarbage(t *testing.T) {
	for _, raw := range []string{"", "garbage", "3|km", "9|km|w|root|||||||", "3|km|w|root|||||zz!||", "3|km|w|root||||||-1|",
		"4|km|w|root||zz!", "4|km|w|root||5|0", "4|km|w|root|||-1", "4|km|w|root||||||||||x", "4|km|w|root||||d!y"} {
		if s, err := flows.DecodeSession(raw); err == nil {
			t.Errorf("DecodeSession(%q) = %+v, want an error", raw, s)
		}
	}
}

// TestSessionEncodingIsCompact pins the common session's stored form: Redis
// keeps a value of up to 44 bytes in one allocation with its header.
func TestSessionEncodingIsCompact(t *testing.T) {
	s := flows.Session{Lang: "km", Role: flows.RoleWorker, Page: "pre.fees", Back: []string{"root", "pre"},
		Day: 20419, LastUpdate: 812345678, LastPress: 812345690}
	const want = "4|km|w|pre.fees|root,pre|dfndxq|c|fr7"
	if got := s.Encode(); got != want {
		t.Errorf("Encode = %q (%d bytes), want %q", got, len(got), want)
	}
}
