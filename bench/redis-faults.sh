#!/usr/bin/env bash
# Barge-in while Redis is slow or gone (issue 23), in one run on one machine (RedisFaultLatency): two clustered
# instances a and b in one JVM on a redis-server of this script's own (--enable-debug-command yes, a free port,
# loopback, nothing on disk), with faults injected from outside: DEBUG SLEEP 2, CLIENT PAUSE 6000 ALL, the process
# killed and started again 3 s later. Measures
#   - the local event (interrupt on a -> a's listener heard interruptStarted, a's session's onInterrupt callback) with
#     Redis healthy, stalled, unreachable and gone, against one process with no cluster (baseline, same run);
#   - openSession, heartbeat, stopped, commit, pause, resume and endSession during a stall, against the same calls
#     with Redis healthy;
#   - the time to converge after each fault (Redis answers again -> b's session INTERRUPTED and the same epoch on a
#     and b), against the healthy cross-instance propagation.
# Writes target/bench-results/redis-faults/redis-faults.md (the tables) and .json; the text around the tables in
# docs/BENCHMARKS.md is written by hand. About two minutes.
#
#   bench/redis-faults.sh [--no-build] [--rounds N] [--call-rounds N]
# Needs: JDK 17, redis-server and redis-cli 7 or later.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=auto
ROUNDS=200
CALL_ROUNDS=100
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=no ;;
    --rounds) ROUNDS=$2; shift ;;
    --call-rounds) CALL_ROUNDS=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
VERSION=0.1.0-SNAPSHOT
EXEC_JAR=$ROOT/target/interrupt-hub-$VERSION-exec.jar
BENCH_JAR=$ROOT/target/interrupt-hub-$VERSION-benchmarks.jar
RESULTS=$ROOT/target/bench-results/redis-faults
log() { echo "[redis-faults $(date +%H:%M:%S)] $*" >&2; }

for tool in java redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install redis-server)" >&2; exit 1; }
done
. bench/jars.sh

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
# The cluster classes, Lettuce and Spring Data Redis come from the service jar (the benchmarks jar has the core only).
LIBS=$RESULTS/service
mkdir -p "$LIBS"
(cd "$LIBS" && unzip -q -o "$EXEC_JAR" 'BOOT-INF/lib/*' 'BOOT-INF/classes/*')
cat > "$RESULTS/logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
XML

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || echo $(( 20000 + RANDOM % 20000 )))
PIDFILE=$RESULTS/redis.pid
cleanup() {
  # The redis-server this run started, or the one RedisFaultLatency started again after killing it (by pid).
  if [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
  --enable-debug-command yes >>"$RESULTS/redis.log" 2>&1 &
echo $! > "$PIDFILE"
disown  # RedisFaultLatency kills it on purpose (GONE) and starts another; cleanup stops whichever is left
for _ in $(seq 100); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$PORT" ping | grep -q PONG || { cat "$RESULTS/redis.log" >&2; exit 1; }

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "redis=$(redis-server --version)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/machine.txt"
log "redis-server on port $PORT; $ROUNDS rounds per condition, $CALL_ROUNDS rounds of calls"
START=$(date +%s)
java -Dlogback.configurationFile="$RESULTS/logback.xml" \
  -cp "$BENCH_JAR:$LIBS/BOOT-INF/classes:$LIBS/BOOT-INF/lib/*" io.interrupthub.bench.RedisFaultLatency \
  "$PORT" "$PIDFILE" "$ROUNDS" "$CALL_ROUNDS" "$RESULTS" 2>"$RESULTS/run.log" | tee "$RESULTS/stdout.log" \
  | sed -n '/^|/p'
{
  echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "elapsed_seconds=$(( $(date +%s) - START ))"
} >> "$RESULTS/machine.txt"
cat "$RESULTS/machine.txt"
log "tables in $RESULTS/redis-faults.md (log: $RESULTS/run.log)"
