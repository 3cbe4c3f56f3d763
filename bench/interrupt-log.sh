#!/usr/bin/env bash
# Cost of the per-interrupt log line (LOG_INTERRUPTS=true): POST /interrupt/{id} against the flag read
# GET /interrupt/{id}, with no log line (LOG_INTERRUPTS=false), with the line written directly by the request
# thread (INTERRUPT_LOG_ASYNC=false) and through the service's bounded log queue (the default), in the same run with the same wrk harness as
# bench/run.sh. The service logs to a file, as in bench/run.sh. Prints a Markdown table.
#
#   bench/interrupt-log.sh [--rounds N] [--seconds S] [--port N] [--out FILE]
#
# Bounded: every wrk run lasts S seconds (default 5), N rounds (default 5) per variant, each start is
# given 300 s. Needs JDK 17, wrk, curl, python3; the exec jar in target/ (./mvnw -B package -DskipTests).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=5
SECONDS_PER_RUN=5
PORT=18551
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_PER_RUN=$2; shift ;;
    --port) PORT=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in java wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (wrk: apt-get install wrk)" >&2; exit 1; }
done
WORK=$(pwd)/target/bench-interrupt-log
rm -rf "$WORK"
mkdir -p "$WORK"
# A copy, so that a build running meanwhile cannot rewrite the jar under the running service.
JAR=$WORK/interrupt-hub-exec.jar
cp "$(ls target/interrupt-hub-*-exec.jar | head -1)" "$JAR"
PID=
stop() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  PID=
}
trap stop EXIT
trap 'stop; exit 143' INT TERM
log() { echo "[interrupt-log $(date +%H:%M:%S)] $*" >&2; }

wrk_json() { # mode seconds
  wrk -t2 -c32 -d"$2"s --timeout 10s -s bench/wrk/load.lua "http://127.0.0.1:$PORT" -- "$1" 10000 2>&1 \
    | sed -n 's/^WRK_JSON //p'
}

: > "$WORK/results.jsonl"
# "off" (no log line at all) is the ceiling either way of writing the line can reach, in the same run.
for variant in off direct queued; do
  async=$([ "$variant" = queued ] && echo true || echo false)
  logging=$([ "$variant" = off ] && echo false || echo true)
  env PORT="$PORT" LOG_INTERRUPTS="$logging" INTERRUPT_LOG_ASYNC="$async" java -jar "$JAR" > "$WORK/$variant.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    grep -q "Started .* in " "$WORK/$variant.log" && break
    kill -0 "$PID" 2>/dev/null || { tail -20 "$WORK/$variant.log" >&2; exit 1; }
    sleep 0.5
  done
  log "$variant: warm-up"
  wrk_json flag "$SECONDS_PER_RUN" > /dev/null
  wrk_json interrupt "$SECONDS_PER_RUN" > /dev/null
  for round in $(seq 1 "$ROUNDS"); do
    for mode in flag interrupt; do
      echo "{\"variant\": \"$variant\", \"round\": $round, \"mode\": \"$mode\", \"result\": $(wrk_json "$mode" "$SECONDS_PER_RUN")}" \
        >> "$WORK/results.jsonl"
    done
    log "$variant: round $round done"
  done
  dropped=$(curl -fs "http://127.0.0.1:$PORT/actuator/prometheus" | sed -n 's/^interrupt_log_dropped_total[{ ].* \([0-9.eE+-]*\)$/\1/p' | head -1 || true)
  echo "{\"variant\": \"$variant\", \"dropped\": \"${dropped:-absent}\", \"lines\": $(grep -c ' interrupt hardwareId=' "$WORK/$variant.log")}" \
    >> "$WORK/results.jsonl"
  stop
done

python3 - "$WORK/results.jsonl" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$WORK/table.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
label = {"off": "none (`LOG_INTERRUPTS=false`, the ceiling)",
         "direct": "written by the request thread (`INTERRUPT_LOG_ASYNC=false`)",
         "queued": "through the bounded log queue (default)"}
print(f"Load average at the end: {sys.argv[2]}. Medians over rounds; the ratio is taken within each round.\n")
print("| log line | `GET /interrupt/{id}` (flag read) | `POST /interrupt/{id}` | ratio | lines written | `interrupt_log_dropped_total` |")
print("|---|---|---|---|---|---|")
for v in ("off", "direct", "queued"):
    rounds = {}
    for r in rows:
        if r.get("variant") == v and "mode" in r and r["result"]:
            rounds.setdefault(r["round"], {})[r["mode"]] = r["result"]["rps"]
    flags = [x["flag"] for x in rounds.values() if "flag" in x and "interrupt" in x]
    posts = [x["interrupt"] for x in rounds.values() if "flag" in x and "interrupt" in x]
    ratios = [p / f for f, p in zip(flags, posts)]
    tail = next(r for r in rows if r.get("variant") == v and "dropped" in r)
    print(f"| {label[v]} | {statistics.median(flags):,.0f} req/s | {statistics.median(posts):,.0f} req/s | "
          f"{statistics.median(ratios):.2f}× | {tail['lines']:,} | {tail['dropped']} |")
PY
cat "$WORK/table.md"
[ -z "$OUT" ] || cp "$WORK/table.md" "$OUT"
