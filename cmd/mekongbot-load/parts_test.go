package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}}
	for _, tc := range tests {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
}

func TestSumMetrics(t *testing.T) {
	text := `# HELP mekongbot_updates_total Updates.
# TYPE mekongbot_updates_total counter
mekongbot_updates_total{kind="message"} 12
mekongbot_updates_total{kind="callback_query"} 30
mekongbot_updates_total_other 99
mekongbot_redis_round_trips_total 1.5e+06
`
	got, err := sumMetrics(strings.NewReader(text), metricUpdates, metricTrips)
	if err != nil {
		t.Fatal(err)
	}
	if got[metricUpdates] != 42 || got[metricTrips] != 1.5e6 {
		t.Errorf("got %v", got)
	}
}

func TestRedisInfo(t *testing.T) {
	var before, after redisStats
	before.calls, after.calls = map[string]int64{}, map[string]int64{}
	addInfo(&before, "# Memory\r\nused_memory:1000\r\n# Commandstats\r\ncmdstat_get:calls=10,usec=5,usec_per_call=0.5\r\ncmdstat_info:calls=3,usec=1\r\n")
	addInfo(&after, "used_memory:3000\r\ncmdstat_get:calls=25,usec=9\r\ncmdstat_set:calls=7,usec=2\r\ncmdstat_info:calls=9,usec=1\r\ncmdstat_cluster|slots:calls=2,usec=1\r\n")
	d := after.minus(before)
	if d.memory != 2000 || d.calls["get"] != 15 || d.calls["set"] != 7 || len(d.calls) != 2 {
		t.Errorf("delta %+v", d)
	}
}

func TestKeyKind(t *testing.T) {
	for key, want := range map[string]string{
		"{700000001}:s": "session", "{upd}:h:42": "handled mark", "{stats}:d:2026-11-01": "stats", "subs": "other",
	} {
		if got := keyKind(key); got != want {
			t.Errorf("keyKind(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-procs", "3", "-redis", "a:1,b:2,c:3", "-json"}, true},
		{[]string{"-active", "30", "-people", "10"}, false},
		{[]string{"-procs", "0"}, false},
		{[]string{"extra"}, false},
	}
	for _, tc := range tests {
		_, _, err := parseFlags(tc.args, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v", tc.args, err)
		}
	}
}

// TestPersonChecksEveryReply: a person takes the replies its step expects,
// and counts as a violation a reply that answers something else or comes
// when no step waits.
func TestPersonChecksEveryReply(t *testing.T) {
	c := newCrowd(1)
	p := c.people[0]
	menu := reply{edit: true, msgID: 1, buttons: []button{{"Before you go", "p:pre"}}}
	offer := reply{buttons: []button{{"No", "u:no"}}}
	tests := []struct {
		name       string
		expect     []func(reply) error
		replies    []reply
		done       bool
		violations int64
	}{
		{"the role: menu and offer", []func(reply) error{edits(1, withPages), isNew(withButton("u:no"))}, []reply{menu, offer}, true, 0},
		{"a part without buttons waits", []func(reply) error{isNew(anything)}, []reply{{text: "part 1"}}, false, 0},
		{"an edit of another message", []func(reply) error{edits(2, withPages)}, []reply{menu}, true, 1},
		{"the wrong page", []func(reply) error{edits(1, withKeyboard("p:other "))}, []reply{menu}, true, 1},
	}
	for _, tc := range tests {
		before := c.violations.Load()
		st := &step{name: tc.name, expect: tc.expect}
		p.begin(st, time.Now)
		for _, r := range tc.replies {
			c.Receive(p.id, r, time.Now())
		}
		select {
		case <-st.done:
			if !tc.done {
				t.Errorf("%s: the step ended", tc.name)
			}
		default:
			if tc.done {
				t.Errorf("%s: the step still waits", tc.name)
			}
			p.abandon(st)
		}
		if got := c.violations.Load() - before; got != tc.violations {
			t.Errorf("%s: %d violations, want %d: %v", tc.name, got, tc.violations, c.Examples())
		}
	}
	before := c.violations.Load()
	c.Receive(p.id, menu, time.Now())
	if c.violations.Load() != before+1 {
		t.Error("a reply with no step waiting is not counted")
	}
	if _, ok := c.Receive(1, menu, time.Now()); ok {
		t.Error("a reply to an unknown chat was taken")
	}
}

func TestJitterStaysAroundThePause(t *testing.T) {
	const d = time.Second
	var sum time.Duration
	for range 1000 {
		j := jitter(d)
		if j < d/2 || j >= 3*d/2 {
			t.Fatalf("jitter(%v) = %v, want in [%v, %v)", d, j, d/2, 3*d/2)
		}
		sum += j
	}
	if mean := sum / 1000; mean < 900*time.Millisecond || mean > 1100*time.Millisecond {
		t.Errorf("mean pause %v, want about %v", mean, d)
	}
}
