#!/usr/bin/env bash
# Runs every Interrupt Hub benchmark in one go and writes docs/BENCHMARKS.md.
#
#   bench/run.sh [--quick] [--no-build] [--cluster] [--streams-only] [--streams "N ..."] [--port N] [--out FILE]
#
#   --quick     shorter JMH iterations, fewer samples and shorter wrk runs (under five minutes on a
#               2-core machine once the jars are built); the default is the full run (about 20 minutes)
#   --no-build  use the jars in target/ as they are (default: build when a source is newer than them)
#   --cluster   also take the cluster-mode figures in quick mode (bench/cluster.sh; the full run always does)
#   --streams-only  run only section 6 (the streams) and the interrupt ratio (issue 24 item 4), and replace only section 5 of the report
#   --streams "N ..."  the stream counts (default: 1000 in quick mode, "1000 5000 10000 20000" in the full run)
#   --port N    port for the service under test (default 18531; the streams run also uses N+1 for gRPC)
#   --out FILE  where the report goes (default docs/BENCHMARKS.md); raw results stay in target/bench-results/
#
# Needs: JDK 17, wrk (apt-get install wrk), python3 (report only), curl; redis-server for the cluster figures. Every figure is reported next to
# a baseline measured in the same run, because a shared machine makes absolute numbers drift.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=full
BUILD=auto
CLUSTER=no
STREAMS_ONLY=no
STREAM_COUNTS_OVERRIDE=
PORT=18531
OUT=docs/BENCHMARKS.md
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --no-build) BUILD=no ;;
    --cluster) CLUSTER=yes ;;
    --streams-only) STREAMS_ONLY=yes ;;
    --streams) STREAM_COUNTS_OVERRIDE=$2; shift ;;
    --port) PORT=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

RESULTS=$ROOT/target/bench-results
VERSION=0.1.0-SNAPSHOT
EXEC_JAR=$ROOT/target/interrupt-hub-$VERSION-exec.jar
BENCH_JAR=$ROOT/target/interrupt-hub-$VERSION-benchmarks.jar
START=$(date +%s)
SERVER_PID=

log() { echo "[bench $(date +%H:%M:%S) +$(( $(date +%s) - START ))s] $*" >&2; }

stop_server() {
  if [ -n "${SERVER_PID}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

# ---- tools and build ---------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "wrk is missing: installing Debian's package"
  (apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)) \
    || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
fi
for tool in java python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

. bench/jars.sh

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

if [ "$MODE" = quick ]; then
  SIGNALS=5000; FANOUT_REPS=3; HTTP_SIGNALS=400; REF_STREAMS=0; HEAP_TURNS=50000
  WRK_WARM=2; WRK_SECONDS=2; WRK_ROUNDS=3
else
  SIGNALS=20000; FANOUT_REPS=10; HTTP_SIGNALS=3000; REF_STREAMS=50; HEAP_TURNS=1000000
  WRK_WARM=10; WRK_SECONDS=10; WRK_ROUNDS=5
fi

# ---- the machine -------------------------------------------------------------------------------
{
  echo "mode=$MODE"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "memory=$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel=$(uname -sr)"
  echo "java=$(java -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/machine.txt"

start_server() { # name, then environment assignments
  local name=$1; shift
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    echo "port $PORT is already in use" >&2; exit 1
  fi
  # shellcheck disable=SC2086 # SERVER_JAVA_OPTS and SERVER_ARGS are word lists
  env PORT="$PORT" "$@" java ${SERVER_JAVA_OPTS:-} -jar "$EXEC_JAR" ${SERVER_ARGS:-} > "$RESULTS/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    grep -q "Started .* in " "$RESULTS/$name.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RESULTS/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  sleep 2 # let start-up work settle before reading the resident set
  {
    echo "started_seconds=$(sed -n 's/.*Started .* in \([0-9.]*\) seconds.*/\1/p' "$RESULTS/$name.log" | head -1)"
    echo "rss_start_kb=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')"
  } > "$RESULTS/$name-process.txt"
}

if [ "$STREAMS_ONLY" = no ]; then
# ---- 1. JMH: hot paths against their baselines, and at scale -------------------------------------
# Paths that compile in a second (plain reads, map operations) get a short warm-up in quick mode;
# the interrupt and session paths need three to four seconds of warm-up on a loaded 2-core machine.
FAST='io\.interrupthub\.bench\.(SessionFlagBenchmark|ShouldInterruptBenchmark|InterruptBenchmark\.baseline|SessionOpenEndBenchmark\.baseline|ScaleBenchmark\.(baseline|component|shouldInterrupt|sweep))'
SLOW='io\.interrupthub\.bench\.(InterruptBenchmark\.interruptAndWait|SessionOpenEndBenchmark\.openEnd|ScaleBenchmark\.(openEnd|interruptTurn))'
run_jmh() { # name, regex, JMH options...
  local name=$1 regex=$2; shift 2
  log "JMH $name ($*)"
  java -jar "$BENCH_JAR" "$@" -prof gc -rf json -rff "$RESULTS/jmh-$name.json" "$regex" > "$RESULTS/jmh-$name.log" 2>&1 \
    || { tail -30 "$RESULTS/jmh-$name.log" >&2; exit 1; }
}
if [ "$MODE" = quick ]; then
  run_jmh fast "$FAST" -f 1 -wi 1 -w 500ms -i 3 -r 300ms
  run_jmh slow "$SLOW" -f 1 -wi 3 -w 1s -i 3 -r 500ms
else
  run_jmh all 'io\.interrupthub\.bench\..*Benchmark' -f 1 -wi 5 -w 1s -i 5 -r 1s
fi

# ---- 1. retained heap per session ----------------------------------------------------------------
log "retained heap: 1M sessions in a 1 GiB heap, then $HEAP_TURNS of their devices interrupted once"
java -Xmx1g -cp "$BENCH_JAR" io.interrupthub.bench.HeapPerSession 1000000 "$RESULTS/heap.json" "$HEAP_TURNS" \
  > "$RESULTS/heap.log" 2>&1 \
  || echo '{"sessions": 1000000, "fits": false, "failed": true}' > "$RESULTS/heap.json"

# ---- 2. and 4. signal latency in-process, fan-out ------------------------------------------------
log "in-process signal latency ($SIGNALS interrupts per path)"
java -cp "$BENCH_JAR" io.interrupthub.bench.SignalLatency "$SIGNALS" "$RESULTS/signal.json" > "$RESULTS/signal.log" 2>&1
log "fan-out ($FANOUT_REPS interrupts per case)"
java -cp "$BENCH_JAR" io.interrupthub.bench.FanOutCheck "$FANOUT_REPS" "$RESULTS/fanout.json" > "$RESULTS/fanout.log" 2>&1

# ---- 2. and 3. the service over HTTP -------------------------------------------------------------
wrk_run() { # label, mode, seconds
  local out
  out=$(wrk -t2 -c32 -d"$3"s --timeout 10s -s bench/wrk/load.lua "http://127.0.0.1:$PORT" -- "$2" 10000 2>&1 || true)
  echo "$out" > "$RESULTS/wrk-$1.txt"
  echo "$out" | sed -n 's/^WRK_JSON //p'
}

# The session mix leaves up to 32 sessions open at the end of each wrk run (they would expire after
# SESSION_TIMEOUT); the cap is raised so that leftovers never turn later runs' opens into 429s.
log "starting the service on port $PORT"
start_server server MAX_ACTIVE_SESSIONS=100000
log "HTTP + SSE signal latency ($HTTP_SIGNALS interrupts)"
java -cp "$BENCH_JAR" io.interrupthub.bench.HttpSignalLatency "http://127.0.0.1:$PORT" "$HTTP_SIGNALS" \
  "$RESULTS/http-signal.json" > "$RESULTS/http-signal.log" 2>&1

log "wrk warm-up (${WRK_WARM}s per endpoint)"
for mode in flag interrupt interrupt-nowait sessions liveness; do
  # The session API has not been called yet (the latency run warmed the interrupt paths): a second more.
  wrk_run "warm-$mode" "$mode" "$(( WRK_WARM + $([ "$mode" = sessions ] && echo 1 || echo 0) ))" > /dev/null
done
log "wrk: $WRK_ROUNDS rounds of ${WRK_SECONDS}s per endpoint, 2 threads, 32 connections"
: > "$RESULTS/wrk.jsonl"
for round in $(seq 1 "$WRK_ROUNDS"); do
  for mode in flag interrupt sessions liveness interrupt-nowait; do
    json=$(wrk_run "$round-$mode" "$mode" "$WRK_SECONDS")
    echo "{\"round\": $round, \"mode\": \"$mode\", \"result\": ${json:-null}}" >> "$RESULTS/wrk.jsonl"
  done
done
echo "rss_after_load_kb=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')" >> "$RESULTS/server-process.txt"
stop_server

if [ "$REF_STREAMS" -gt 0 ]; then
  log "reference pipeline: streams interrupted mid-answer ($REF_STREAMS), interrupts with its four modules"
  start_server reference INTERRUPT_REFERENCE_ENABLED=true MAX_ACTIVE_SESSIONS=100000
  java -cp "$BENCH_JAR" io.interrupthub.bench.HttpSignalLatency "http://127.0.0.1:$PORT" "$(( HTTP_SIGNALS / 3 ))" \
    "$RESULTS/reference-signal.json" --reference "$REF_STREAMS" > "$RESULTS/reference-signal.log" 2>&1
  for mode in flag interrupt; do wrk_run "ref-warm-$mode" "$mode" "$WRK_WARM" > /dev/null; done
  : > "$RESULTS/wrk-reference.jsonl"
  for round in $(seq 1 "$WRK_ROUNDS"); do
    for mode in flag interrupt; do
      json=$(wrk_run "ref-$round-$mode" "$mode" "$WRK_SECONDS")
      echo "{\"round\": $round, \"mode\": \"$mode\", \"result\": ${json:-null}}" >> "$RESULTS/wrk-reference.jsonl"
    done
  done
  echo "rss_after_load_kb=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')" >> "$RESULTS/reference-process.txt"
  stop_server
fi

fi # STREAMS_ONLY

# ---- issue 24 item 4: POST /interrupt against the flag read, log line on and off ---------------------------
# Run in the full, quick and --streams-only runs alike: issue 24 wants its answer beside the streams' figures.
# Two services side by side, LOG_INTERRUPTS=true and false, the same wrk harness in alternating rounds
# (bench/interrupt-ratio.sh); bench/report.py puts the ratios among the targets and in section 3.
interrupt_ratio() {
  log "interrupt vs flag read, log line on and off ($WRK_ROUNDS rounds of ${WRK_SECONDS}s, bench/interrupt-ratio.sh)"
  bench/interrupt-ratio.sh --jar "$EXEC_JAR" --results "$RESULTS/interrupt-ratio" --port $(( PORT + 10 )) \
    --rounds "$WRK_ROUNDS" --seconds "$WRK_SECONDS" --warm $(( WRK_WARM * 18 )) --warm-min $(( WRK_WARM * 9 )) > "$RESULTS/interrupt-ratio.log" 2>&1 \
    || tail -20 "$RESULTS/interrupt-ratio.log" >&2
}
interrupt_ratio
# ---- end of issue 24 item 4 ---------------------------------------------------------------------------------

# ---- 6. streams: SSE and gRPC watch capacity in a 1 GiB heap ----------------------------------------
# Streams opened in one burst, interrupts to random devices, then the clients vanish. The service runs
# with its default heartbeat (15 s), what the targets are judged at (bench/streams.md has a 2 s heartbeat
# beside it); the server's connection cap and both stream caps are raised, since each stream holds one
# connection and the run looks for the limit. The gRPC client runs from the service jar's own libraries (the benchmarks jar has no gRPC).
if [ "$MODE" = quick ]; then STREAM_COUNTS="1000"; STREAM_INTERRUPTS=100; else STREAM_COUNTS="1000 5000 10000 20000"; STREAM_INTERRUPTS=500; fi
[ -n "$STREAM_COUNTS_OVERRIDE" ] && STREAM_COUNTS=$STREAM_COUNTS_OVERRIDE
# Each stream is a socket in the one client process and another in the service: a count that does not fit in
# the file descriptor limit (with room for the JVMs' own) is not run, and the report says so.
FD_LIMIT=$(ulimit -n)
fitting=
STREAMS_SKIPPED=
for n in $STREAM_COUNTS; do
  if [ "$FD_LIMIT" != unlimited ] && [ $(( n + 1000 )) -gt "$FD_LIMIT" ]; then
    STREAMS_SKIPPED="$STREAMS_SKIPPED $n"
  else
    fitting="$fitting $n"
  fi
done
STREAM_COUNTS=${fitting# }
GRPC_PORT=$(( PORT + 1 ))
GRPC_CP=$RESULTS/grpc-client
mkdir -p "$GRPC_CP"
(cd "$GRPC_CP" && unzip -q -o "$EXEC_JAR" 'BOOT-INF/lib/*' 'BOOT-INF/classes/io/interrupthub/grpc/proto/*')
log "streams: SSE and gRPC watch capacity ($STREAM_COUNTS streams, $STREAM_INTERRUPTS interrupts each, -Xmx1g)"
echo "load_streams_start=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
echo "ulimit_n=$(ulimit -n)" >> "$RESULTS/machine.txt"
echo "streams_skipped=${STREAMS_SKIPPED# }" >> "$RESULTS/machine.txt"
HEARTBEAT_SECONDS=15
SERVER_JAVA_OPTS="-Xmx1g" SERVER_ARGS="--interrupt.events.max-streams=20000 --interrupt.events.heartbeat=${HEARTBEAT_SECONDS}s \
--server.jetty.max-connections=22000 --interrupt.log-interrupts=false --interrupt.grpc.enabled=true \
--interrupt.grpc.port=$GRPC_PORT --interrupt.grpc.max-watch-streams=20000" start_server streams MAX_ACTIVE_SESSIONS=100000
# shellcheck disable=SC2086
java -cp "$BENCH_JAR:$GRPC_CP/BOOT-INF/classes:$GRPC_CP/BOOT-INF/lib/*" io.interrupthub.bench.StreamCapacity \
  "http://127.0.0.1:$PORT" "$SERVER_PID" "$HEARTBEAT_SECONDS" "$STREAM_INTERRUPTS" "$RESULTS/streams.json" --grpc "$GRPC_PORT" --server-log "$RESULTS/streams.log" $STREAM_COUNTS \
  > "$RESULTS/streams-client.log" 2>&1 || tail -20 "$RESULTS/streams-client.log" >&2
stop_server
echo "load_streams_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
grep -E 'WARN|ERROR' "$RESULTS/streams.log" > "$RESULTS/streams-server-warnings.log" || true

if [ "$STREAMS_ONLY" = yes ]; then
  # Only section 5 is replaced, between its markers; the rest of the report stays as the last full run wrote it.
  python3 bench/report.py "$RESULTS" --streams-only > "$RESULTS/streams.md"
  python3 - "$OUT" "$RESULTS/streams.md" <<'PY2'
import re, sys
out, section = sys.argv[1], open(sys.argv[2]).read().rstrip()
text = open(out).read()
begin, end = "<!-- streams:begin -->", "<!-- streams:end -->"
if begin not in text:
    sys.exit(f"{out} has no {begin} marker: run the full bench/run.sh once")
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + section + "\n" + end, text, flags=re.S)
open(out, "w").write(text)
PY2
  log "wrote section 5 of $OUT (raw results in $RESULTS)"
  exit 0
fi

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
echo "elapsed_seconds=$(( $(date +%s) - START ))" >> "$RESULTS/machine.txt"

# ---- 5. the report ---------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
# The cluster figures (bench/cluster.sh) start three more services; the full run takes them anew, a quick
# run keeps those already in the file unless --cluster asks for them.
cluster_section=$(sed -n '/<!-- cluster:begin -->/,/<!-- cluster:end -->/p' "$OUT" 2>/dev/null || true)
# Sections measured by their own scripts (SilenceAndCommitBench's, the session queues', the Redis faults', the
# Python client's, the phone edge's, the speech replay's) are kept as they are, in this order.
kept=""
for name in silence session-queues redis-faults python-client phone-edge speech-replay; do
  section=$(sed -n "/<!-- $name:begin -->/,/<!-- $name:end -->/p" "$OUT" 2>/dev/null || true)
  if [ -n "$section" ]; then kept="$kept"$'\n'"$section"$'\n'; fi
done
python3 bench/report.py "$RESULTS" > "$OUT"
if [ -n "$kept" ]; then
  printf '%s' "$kept" >> "$OUT"
fi
if [ "$MODE" = full ] || [ "$CLUSTER" = yes ]; then
  log "cluster mode figures (bench/cluster.sh)"
  bench/cluster.sh --no-build --out "$OUT" $([ "$MODE" = quick ] && echo --quick) > "$RESULTS/cluster.log" 2>&1 \
    || { tail -20 "$RESULTS/cluster.log" >&2; exit 1; }
elif [ -n "$cluster_section" ]; then
  printf '\n%s\n' "$cluster_section" >> "$OUT"
fi
log "wrote $OUT (raw results in $RESULTS)"
