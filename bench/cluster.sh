#!/usr/bin/env bash
# Cluster-mode figures (issue: scale out through Redis), in one run on one machine:
#   - cross-instance signal latency: POST /interrupt to instance A -> `interrupt` event on B's SSE stream,
#     against the same path within one instance and one Redis round trip (the physical floor);
#   - interrupt throughput: wrk POST /interrupt on one instance (embedded default) against the same
#     total load spread over two clustered instances.
# Writes its section into docs/BENCHMARKS.md between the cluster markers (bench/run.sh calls it last).
#
#   bench/cluster.sh [--quick] [--no-build] [--out FILE]
# Needs: JDK 17, redis-server, wrk, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=full
BUILD=auto
OUT=docs/BENCHMARKS.md
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --no-build) BUILD=no ;;
    --out) OUT=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
VERSION=0.1.0-SNAPSHOT
EXEC_JAR=$ROOT/target/interrupt-hub-$VERSION-exec.jar
BENCH_JAR=$ROOT/target/interrupt-hub-$VERSION-benchmarks.jar
RESULTS=$ROOT/target/bench-results/cluster
mkdir -p "$RESULTS"
PA=18631 PB=18632 PS=18633 RP=18634
if [ "$MODE" = quick ]; then SIGNALS=1000; SECONDS_WRK=10; else SIGNALS=5000; SECONDS_WRK=30; fi
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[cluster-bench $(date +%H:%M:%S)] $*" >&2; }

for tool in redis-server wrk; do
  command -v $tool >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq "$([ $tool = wrk ] && echo wrk || echo redis-server)" >/dev/null; }
done
if [ "$BUILD" = auto ] && { [ ! -f "$EXEC_JAR" ] || [ ! -f "$BENCH_JAR" ]; }; then
  log "building the jars"
  ./mvnw -q -B -Pbench -DskipTests -Dinvoker.skip=true package
fi

redis-server --port $RP --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >"$RESULTS/redis.log" 2>&1 &
PIDS+=($!)
start() { # name port args...
  local name=$1 port=$2; shift 2
  java -jar "$EXEC_JAR" --server.port="$port" --LOG_INTERRUPTS=false --MAX_ACTIVE_SESSIONS=100000 --management.endpoint.health.show-details=always "$@" \
    >"$RESULTS/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 240); do
    curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null && return 0
    sleep 0.5
  done
  cat "$RESULTS/$name.log" >&2; exit 1
}
CLUSTER=(--INTERRUPT_CLUSTER_ENABLED=true --spring.data.redis.port=$RP --interrupt.cluster.namespace=bench-$$)
log "starting one embedded instance and two clustered instances"
start single $PS
start a $PA "${CLUSTER[@]}" --interrupt.cluster.instance=bench-a
start b $PB "${CLUSTER[@]}" --interrupt.cluster.instance=bench-b
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$PA/actuator/health" | grep -q '"peers":\["bench-b"\]' && break; sleep 0.5
done

log "signal latency ($SIGNALS interrupts per path)"
java -cp "$BENCH_JAR" io.interrupthub.bench.ClusterSignalLatency "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" $RP \
  $SIGNALS "$RESULTS/signal.json" >"$RESULTS/signal.log" 2>&1

wrk_json() { # url connections
  wrk -t2 -c"$2" -d${SECONDS_WRK}s --timeout 10s -s bench/wrk/load.lua "$1" -- interrupt 10000 2>&1 | sed -n 's/^WRK_JSON //p'
}
log "throughput: one instance, 32 connections"
wrk_json "http://127.0.0.1:$PS" 32 > "$RESULTS/wrk-single.json"
kill "${PIDS[1]}" 2>/dev/null || true # the single instance leaves the two clustered ones the machine
log "throughput: two clustered instances, 16 connections each, at once"
wrk_json "http://127.0.0.1:$PA" 16 > "$RESULTS/wrk-a.json" &
wa=$!
wrk_json "http://127.0.0.1:$PB" 16 > "$RESULTS/wrk-b.json"
wait $wa

python3 - "$RESULTS" "$OUT" "$MODE" <<'PY'
import json, sys, os, datetime, platform, subprocess
res, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
sig = json.load(open(os.path.join(res, "signal.json")))
w = {k: json.load(open(os.path.join(res, f"wrk-{k}.json"))) for k in ("single", "a", "b")}
def rps(x): return x.get("requests_per_sec") or x.get("rps") or 0
two = rps(w["a"]) + rps(w["b"])
cross, same, ping = sig["crossInstance"], sig["sameInstance"], sig["redisPing"]
load = os.getloadavg()
lines = [
 "<!-- cluster:begin -->",
 "## Cluster mode (bench/cluster.sh)",
 "",
 f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, mode {mode}, {os.cpu_count()} cores, load average "
 f"{load[0]:.1f} at the end; redis-server {subprocess.run(['redis-server','--version'],capture_output=True,text=True).stdout.split()[2]}, "
 "one Redis and every process on one machine (loopback).",
 "",
 "| figure | p50 | p99 | p999 | baseline (same run) | ratio p99 | target |",
 "|---|---|---|---|---|---|---|",
 f"| cross-instance signal: POST /interrupt on A → `interrupt` event on B's SSE ({cross['count']}) | "
 f"{cross['p50_us']/1000:.2f} ms | {cross['p99_us']/1000:.2f} ms | {cross['p999_us']/1000:.2f} ms | "
 f"same instance p99 {same['p99_us']/1000:.2f} ms; Redis PING p99 {ping['p99_us']/1000:.3f} ms | "
 f"{cross['p99_us']/max(same['p99_us'],1):.2f}× | p99 within a few ms: {'met' if cross['p99_us'] <= 5000 else 'missed'} |",
 "",
 "| interrupt throughput (wrk, POST /interrupt on random devices) | req/s | p99 |",
 "|---|---|---|",
 f"| one instance, embedded default, 32 connections (baseline) | {rps(w['single']):.0f} | {w['single'].get('p99_us',0)/1000:.1f} ms |",
 f"| two clustered instances, 16 connections each at once | {two:.0f} ({rps(w['a']):.0f} + {rps(w['b']):.0f}) | "
 f"{max(w['a'].get('p99_us',0), w['b'].get('p99_us',0))/1000:.1f} ms |",
 f"| ratio two / one | {two/max(rps(w['single']),1):.2f}× | target ≥ 1.0×: {'met' if two >= rps(w['single']) else 'missed'} |",
 "",
 "Each clustered interrupt also makes one Redis script call, one stream read on the other instance and an",
 "acknowledgement back; on this 2-core machine both instances, Redis and wrk share the same two cores, so two",
 "instances cannot add CPU here: the ratio shows the cluster's overhead, not its scaling.",
 "<!-- cluster:end -->",
]
section = "\n".join(lines) + "\n"
text = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
b, e = text.find("<!-- cluster:begin -->"), text.find("<!-- cluster:end -->")
if b >= 0 and e >= 0:
    text = text[:b] + section + text[e + len("<!-- cluster:end -->") + 1:]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(out, "w").write(text)
print(section)
PY
