#!/usr/bin/env bash
# CPU profile of a running service under the benchmark's load, with async-profiler: unlike JFR's execution samples it
# sees native and kernel frames too (a system call, a thread woken through a futex). Issue 24's third pass found the
# interrupt's costliest per-request work there: waking the log writer and the event dispatcher for every interrupt.
#
#   bench/cpu-profile.sh --port N --mode flag|interrupt [--seconds S] [--interval 1ms] [--out FILE]
#
# Attaches the profiler to the service listening on 127.0.0.1:N (started with `java -jar`, any build), loads it with
# wrk as bench/run.sh does (2 threads, 32 connections, 10,000 devices) for S seconds (default 10), writes the
# collapsed stacks to FILE (default target/cpu-profile/MODE.collapsed) and prints the CPU per request as profiled and
# where it went (bench/jfr_stacks.py). The profiler (tools.profiler:async-profiler, Maven Central) is fetched once
# into target/async-profiler with the Maven wrapper; nothing of it is committed. Linux x64, JDK 17, wrk, python3.
set -euo pipefail

cd "$(dirname "$0")/.."
PORT=
MODE=
SECONDS_PER_RUN=10
INTERVAL=1ms
OUT=
VERSION=4.2
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift ;;
    --mode) MODE=$2; shift ;;
    --seconds) SECONDS_PER_RUN=$2; shift ;;
    --interval) INTERVAL=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$PORT" ] && [ -n "$MODE" ] || { echo "--port and --mode are needed" >&2; exit 2; }
for tool in jcmd wrk python3 unzip; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
OUT=${OUT:-target/cpu-profile/$MODE.collapsed}
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

AGENT=target/async-profiler/linux-x64/libasyncProfiler.so
if [ ! -f "$AGENT" ]; then
  ./mvnw -q dependency:copy -Dartifact="tools.profiler:async-profiler:$VERSION:jar:linux-x64" \
    -DoutputDirectory=target/async-profiler
  unzip -q -o "target/async-profiler/async-profiler-$VERSION-linux-x64.jar" 'linux-x64/*' -d target/async-profiler
fi
AGENT=$(pwd)/$AGENT

PID=$(ss -ltnpH "sport = :$PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$PID" ] || { echo "nothing listens on port $PORT" >&2; exit 1; }
# jcmd splits its arguments at commas unless the agent's options are quoted within the argument.
jcmd "$PID" JVMTI.agent_load "$AGENT" "\"start,event=cpu,interval=$INTERVAL,threads\"" >/dev/null
requests=$(wrk -t2 -c32 -d"$SECONDS_PER_RUN"s --timeout 10s -s bench/wrk/load.lua "http://127.0.0.1:$PORT" -- "$MODE" 10000 \
  | sed -n 's/^WRK_JSON //p' | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
jcmd "$PID" JVMTI.agent_load "$AGENT" "\"stop,file=$OUT,collapsed\"" >/dev/null

interval_us=$(python3 -c "import sys; v=sys.argv[1]; n=float(v.rstrip('musn')); print(n*1000 if v.endswith('ms') else n if v.endswith('us') else n/1000 if v.endswith('ns') else n*1e6)" "$INTERVAL")
samples=$(awk '{n += $NF} END {print n + 0}' "$OUT")
us=$(python3 -c "import sys; print(f'{float(sys.argv[1]) * float(sys.argv[2]) / max(1, int(sys.argv[3])):.1f}')" "$samples" "$interval_us" "$requests")
echo "$MODE on port $PORT: $requests requests in ${SECONDS_PER_RUN}s, $samples samples every $INTERVAL, $us µs of CPU per request as profiled"
python3 bench/jfr_stacks.py "$OUT" --us-per-request "$us"
