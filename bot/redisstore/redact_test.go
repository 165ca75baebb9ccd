package redisstore_test

import (
	"testing"

	"mekongbot/bot/redisstore"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"redis://127.0.0.1:6379", "redis://127.0.0.1:6379"},
		{"127.0.0.1:6379", "127.0.0.1:6379"},
		{"redis://user@host:6379/0", "redis://user@host:6379/0"},
		{"redis://:s3cret@host:6379/0", "redis://:xxxxx@host:6379/0"},
		{"redis://default:s3cret@host:6379?dial_timeout=3s", "redis://default:xxxxx@host:6379?dial_timeout=3s"},
		{"rediss://u:p%40ss@host:6380", "rediss://u:xxxxx@host:6380"},
		{"u:s3cret@host:6379", "u:xxxxx@host:6379"},
		{" redis://:s3cret@host ", "redis://:xxxxx@host"},
		// Do not parse, or parse into something else: cut by hand.
		{"redis://u:p@ss@host", "redis://u:xxxxx@host"},
		{"redis://u:pa/ss@host:6379", "redis://u:xxxxx@host:6379"},
		{"redis://u:123/ss@host", "redis://u:xxxxx@host"},
		{`redis://u:p"w d@host`, "redis://u:xxxxx@host"},
		{"redis://u:p#w?x@host/1", "redis://u:xxxxx@host/1"},
		{"redis://:abc+/=@host", "redis://:xxxxx@host"},
		// Lists (cluster seeds).
		{"h1:7000, h2:7001", "h1:7000,h2:7001"},
		{"redis://:a1@h1:7000,redis://:b2@h2:7001,h3:7002",
			"redis://:xxxxx@h1:7000,redis://:xxxxx@h2:7001,h3:7002"},
	}
	for _, tc := range tests {
		if got := redisstore.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
