package redisstore_test

import (
	"math"
	"testing"

	"mekongbot/bot/redisstore"
)

func TestKeysSession(t *testing.T) {
	tests := []struct {
		prefix string
		chat   int64
		want   string
	}{
		{"", 1, "{1}:s"},
		{"mekongbot:", 42, "mekongbot:{42}:s"},
		{"mekongbot:", -1001234567890, "mekongbot:{-1001234567890}:s"},
		{"mb:", math.MinInt64, "mb:{-9223372036854775808}:s"},
		{"mb:", math.MaxInt64, "mb:{9223372036854775807}:s"},
	}
	for _, tc := range tests {
		if got := (redisstore.Keys{Prefix: tc.prefix}).Session(tc.chat); got != tc.want {
			t.Errorf("Keys{%q}.Session(%d) = %q, want %q", tc.prefix, tc.chat, got, tc.want)
		}
	}
}

// TestKeysLayout pins the names of the keys other stores use: renaming one
// strands the data already written under the old name.
func TestKeysLayout(t *testing.T) {
	k := redisstore.Keys{Prefix: "mb:"}
	tests := []struct{ got, want string }{
		{k.Draft(-42), "mb:{-42}:d"},
		{k.Lock(-42), "mb:{-42}:l"},
		{k.ChatCase(42), "mb:{42}:case"},
		{k.ChatCases(42), "mb:{42}:cases"},
		{k.Subscribers(), "mb:subs"},
		{k.Staff(), "mb:staff"},
		{k.StaffLog(), "mb:staff:log"},
		{k.Stats("pages"), "mb:{stats}:pages"},
		{k.Case("seq"), "mb:{case}:seq"},
		{k.Unanswered("km"), "mb:stats:unanswered:km"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("key = %q, want %q", tc.got, tc.want)
		}
	}
}
