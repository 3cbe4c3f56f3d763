#!/usr/bin/env bash
# Issue 24 item 4: POST /interrupt/{id} against the flag read GET /interrupt/{id}, with the interrupt log line
# on (LOG_INTERRUPTS=true, the default, through the service's log queue) and off, in one run. Two services run
# side by side (logs on, logs off); each round runs, back to back, the flag read and the interrupt on one and
# then on the other, so every ratio compares runs seconds apart on the same shared machine. Same wrk harness as
# bench/run.sh (2 threads, 32 connections, 10,000 devices); the services log to a file.
#
#   bench/interrupt-ratio.sh [--rounds N] [--seconds S] [--warm S] [--warm-min S] [--port N] [--jar FILE] [--baseline FILE]
#                            [--results DIR] [--jfr]
#
# Writes DIR/interrupt-ratio.jsonl (one line per wrk run, and one per service with its log lines) and prints a
# Markdown table. --baseline FILE runs a second pair of services from another exec jar (say, the build before a
# change) in the same rounds, for a before/after in one run. --jfr records each service with JFR
# (settings=profile) into DIR/VARIANT.jfr. Bounded: every wrk run lasts S seconds (default 5), N rounds
# (default 5), each start is given 120 s, each service's warm-up lasts at least --warm-min seconds (default 90),
# then until its rates are steady, at most --warm seconds (default 180). Ports N to N+3 (default 18561).
# Needs JDK 17, wrk, curl, python3; the exec jar in target/ (./mvnw -B package -DskipTests).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=5
SECONDS_PER_RUN=5
WARM=180
WARM_MIN=90
PORT=18561
JAR=
BASELINE=
RESULTS=$(pwd)/target/bench-interrupt-ratio
JFR=no
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_PER_RUN=$2; shift ;;
    --warm) WARM=$2; shift ;;
    --warm-min) WARM_MIN=$2; shift ;;
    --port) PORT=$2; shift ;;
    --jar) JAR=$2; shift ;;
    --baseline) BASELINE=$2; shift ;;
    --results) RESULTS=$2; shift ;;
    --jfr) JFR=yes ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in java wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (wrk: apt-get install wrk)" >&2; exit 1; }
done
mkdir -p "$RESULTS"
# A copy, so that a build running meanwhile cannot rewrite the jar under the running services.
cp "${JAR:-$(ls target/interrupt-hub-*-exec.jar | head -1)}" "$RESULTS/interrupt-ratio-exec.jar"
VARIANTS="on off"
if [ -n "$BASELINE" ]; then
  cp "$BASELINE" "$RESULTS/interrupt-ratio-baseline.jar"
  VARIANTS="on off baseline-on baseline-off"
fi
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_all EXIT
trap 'stop_all; exit 143' INT TERM
log() { echo "[interrupt-ratio $(date +%H:%M:%S)] $*" >&2; }

port_of() {
  case "$1" in on) echo "$PORT" ;; off) echo $(( PORT + 1 )) ;; baseline-on) echo $(( PORT + 2 )) ;; *) echo $(( PORT + 3 )) ;; esac
}

start() { # variant: [baseline-]on or [baseline-]off
  local variant=$1 port logging jar opts=()
  port=$(port_of "$variant")
  logging=$(case "$variant" in *on) echo true ;; *) echo false ;; esac)
  jar=$RESULTS/interrupt-ratio-$(case "$variant" in baseline-*) echo baseline ;; *) echo exec ;; esac).jar
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is already in use" >&2; exit 1; fi
  [ "$JFR" = yes ] && opts+=("-XX:StartFlightRecording=filename=$RESULTS/$variant.jfr,settings=profile,dumponexit=true")
  env PORT="$port" LOG_INTERRUPTS="$logging" java "${opts[@]}" -jar "$jar" > "$RESULTS/$variant.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${variant//-/_}=\$!"
}

cpu_ticks() { # variant: the service's CPU time so far (user + system), in clock ticks
  local pid
  pid=$(eval echo "\$PID_${1//-/_}")
  awk '{print $14 + $15}' "/proc/$pid/stat"
}

wait_started() { # variant
  for _ in $(seq 1 240); do
    grep -q "Started .* in " "$RESULTS/$1.log" && return 0
    sleep 0.5
  done
  tail -20 "$RESULTS/$1.log" >&2
  exit 1
}

wrk_json() { # variant mode seconds
  wrk -t2 -c32 -d"$3"s --timeout 10s -s bench/wrk/load.lua "http://127.0.0.1:$(port_of "$1")" -- "$2" 10000 2>&1 \
    | sed -n 's/^WRK_JSON //p'
}

: > "$RESULTS/interrupt-ratio.jsonl"
for variant in $VARIANTS; do start "$variant"; done
for variant in $VARIANTS; do wait_started "$variant"; done
# The JIT of a service on two shared cores takes minutes, not seconds, to finish with these paths (an 8 s warm-up
# measured mostly the compiler): each service is loaded with the flag read and the interrupt in turn, in runs of
# 5 s, for at least WARM_MIN seconds (rates that hold still for a while early on are not the JIT's last word) and
# then until a pass finds both rates within 10% of the pass before, or WARM seconds have gone by.
warm() { # variant
  local start=$SECONDS last_flag=0 last_interrupt=0 flag interrupt
  while [ $(( SECONDS - start )) -lt "$WARM" ]; do
    flag=$(wrk_json "$1" flag 5 | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["rps"]))' 2>/dev/null || echo 0)
    interrupt=$(wrk_json "$1" interrupt 5 | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["rps"]))' 2>/dev/null || echo 0)
    if [ $(( SECONDS - start )) -ge "$WARM_MIN" ] && python3 -c "import sys; a, b, c, d = map(float, sys.argv[1:]); sys.exit(0 if b > 0 and d > 0 and abs(a - b) <= 0.1 * b and abs(c - d) <= 0.1 * d else 1)" \
        "$flag" "$last_flag" "$interrupt" "$last_interrupt"; then
      log "$1 warm after $(( SECONDS - start ))s: $flag and $interrupt req/s"
      return
    fi
    last_flag=$flag; last_interrupt=$interrupt
  done
  log "$1 not steady after ${WARM}s (last $flag and $interrupt req/s): measured anyway"
}
log "warm-up (until steady, at most ${WARM}s per service)"
for variant in $VARIANTS; do warm "$variant"; done
echo "{\"load_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$RESULTS/interrupt-ratio.jsonl"
for round in $(seq 1 "$ROUNDS"); do
  # The order of the services alternates too, so none always runs right after the same other one.
  order=$([ $(( round % 2 )) = 1 ] && echo "$VARIANTS" || echo "$VARIANTS" | tr ' ' '\n' | tac | tr '\n' ' ')
  for variant in $order; do
    for mode in flag interrupt; do
      before=$(cpu_ticks "$variant")
      json=$(wrk_json "$variant" "$mode" "$SECONDS_PER_RUN")
      cpu=$(( $(cpu_ticks "$variant") - before ))
      echo "{\"variant\": \"$variant\", \"round\": $round, \"mode\": \"$mode\", \"cpu_ticks\": $cpu, \"result\": ${json:-null}}" \
        >> "$RESULTS/interrupt-ratio.jsonl"
    done
  done
  log "round $round done"
done
echo "{\"load_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$RESULTS/interrupt-ratio.jsonl"
for variant in $VARIANTS; do
  dropped=$(curl -fs "http://127.0.0.1:$(port_of "$variant")/actuator/prometheus" \
    | sed -n 's/^interrupt_log_dropped_total[{ ].* \([0-9.eE+-]*\)$/\1/p' | head -1 || true)
  echo "{\"variant\": \"$variant\", \"dropped\": \"${dropped:-absent}\", \"lines\": $(grep -c ' interrupt hardwareId=' "$RESULTS/$variant.log" || true)}" \
    >> "$RESULTS/interrupt-ratio.jsonl"
done
stop_all

python3 - "$RESULTS/interrupt-ratio.jsonl" "$(getconf CLK_TCK)" <<'PY' | tee "$RESULTS/interrupt-ratio.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
load = {k: r[k] for r in rows for k in ("load_start", "load_end") if k in r}
label = {"on": "on (`LOG_INTERRUPTS=true`, the default, through the log queue)", "off": "off (`LOG_INTERRUPTS=false`)",
         "baseline-on": "on, baseline jar", "baseline-off": "off, baseline jar"}
print(f"Load average at the start {load.get('load_start', '?')}, at the end {load.get('load_end', '?')}. "
      "Medians over rounds; the ratio is taken within each round (POST over GET on the same service).\n")
print("| log line | `GET /interrupt/{id}` (flag read) | `POST /interrupt/{id}` | ratio (median) | ratio per round | service CPU per request, GET / POST | lines written | `interrupt_log_dropped_total` |")
print("|---|---|---|---|---|---|---|---|")
tick_us = 1e6 / int(sys.argv[2])
for v in ("on", "off", "baseline-on", "baseline-off"):
    rounds, cpu = {}, {"flag": [], "interrupt": []}
    for r in rows:
        if r.get("variant") == v and "mode" in r and r["result"]:
            rounds.setdefault(r["round"], {})[r["mode"]] = r["result"]["rps"]
            if r["result"]["requests"]:
                cpu[r["mode"]].append(r["cpu_ticks"] * tick_us / r["result"]["requests"])
    pairs = [(x["flag"], x["interrupt"]) for _, x in sorted(rounds.items()) if "flag" in x and "interrupt" in x]
    if not pairs:
        continue
    ratios = [p / f for f, p in pairs]
    tail = next((r for r in rows if r.get("variant") == v and "dropped" in r), {})
    print(f"| {label[v]} | {statistics.median(f for f, _ in pairs):,.0f} req/s | "
          f"{statistics.median(p for _, p in pairs):,.0f} req/s | {statistics.median(ratios):.2f}× | "
          f"{', '.join(f'{r:.2f}' for r in ratios)} | {statistics.median(cpu['flag']):.0f} µs / "
          f"{statistics.median(cpu['interrupt']):.0f} µs | {tail.get('lines', '?'):,} | {tail.get('dropped', '?')} |")
PY
