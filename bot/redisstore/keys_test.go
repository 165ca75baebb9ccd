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
