#!/bin/sh
# perf.sh measures the three rows of docs/PERFORMANCE.md: one polling
# process, three webhook processes behind the round-robin proxy, and one
# process on a three-master Redis Cluster. Each row gets a Redis of its own
# (started here, on ports 6391 and 7101-7103, deleted at the end), so that
# INFO commandstats counts only the bots' commands.
#
#   bench/perf.sh                    the three rows, 2000 people, 20 active, 20 s each
#   PEOPLE=200 DURATION=5s bench/perf.sh
#   OUT=/tmp/perf bench/perf.sh      keep the reports and the CPU profile there
#   THINK=1s bench/perf.sh           each person pauses 1 s before each step (latency at
#                                    20 people active, not the most the bot can take)
#
# Run it from the repository root on a quiet machine.
set -eu

PEOPLE=${PEOPLE:-2000}
ACTIVE=${ACTIVE:-20}
WARMUP=${WARMUP:-5s}
DURATION=${DURATION:-20s}
THINK=${THINK:-0s}
OUT=${OUT:-$(mktemp -d)}
WORK=$(mktemp -d)
mkdir -p "$OUT"

cleanup() {
	for pidfile in "$WORK"/*.pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# redis PORT [ARGS...] starts a throwaway redis-server on 127.0.0.1:PORT.
redis() {
	port=$1
	shift
	mkdir -p "$WORK/$port"
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
		--dir "$WORK/$port" --pidfile "$WORK/$port.pid" --logfile "$WORK/$port/log" "$@"
	until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
}

go build -o "$WORK/mekongbot" ./cmd/mekongbot
go build -o "$WORK/mekongbot-load" ./cmd/mekongbot-load
load() {
	name=$1
	shift
	echo "== $name"
	"$WORK/mekongbot-load" -bin "$WORK/mekongbot" -people "$PEOPLE" -active "$ACTIVE" \
		-warmup "$WARMUP" -duration "$DURATION" -think "$THINK" "$@" | tee "$OUT/$name.txt"
}

redis 6391
load one-process -redis 127.0.0.1:6391 -cpuprofile "$OUT/cpu.pprof"
redis-cli -p 6391 flushall >/dev/null
load three-processes -procs 3 -redis 127.0.0.1:6391

for port in 7101 7102 7103; do
	redis "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
done
redis-cli --cluster create 127.0.0.1:7101 127.0.0.1:7102 127.0.0.1:7103 --cluster-yes >/dev/null
until redis-cli -p 7101 cluster info | grep -q cluster_state:ok; do sleep 0.2; done
load cluster -redis 127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103

echo "reports in $OUT; the profile of the first row: go tool pprof -top $OUT/cpu.pprof"
