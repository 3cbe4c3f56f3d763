#!/usr/bin/env bash
# Start-up of the service: time to "Started" and resident memory after start, for the jar as shipped and
# for the ways docs/BENCHMARKS.md ("Start-up") recommends, measured in the same run and interleaved, so
# load on a shared machine falls on every variant alike. Prints a Markdown table (medians, ratios).
#
#   bench/startup.sh [--runs N] [--jar FILE] [--baseline-jar FILE] [--port N] [--out FILE]
#
#   --runs N            starts per variant (default 5); the median is reported
#   --jar FILE          the exec jar to measure (default target/interrupt-hub-*-exec.jar; build it first)
#   --baseline-jar FILE another exec jar (e.g. an older build), measured as shipped beside it
#   --port N            port for the service (default 18541)
#   --out FILE          also write the table there (default: standard output only)
#
# Bounded: each start is given 300 s (a loaded 2-core machine needs minutes), the CDS training run 600 s. Needs JDK 17, curl, ps.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=5
JAR=$(ls target/interrupt-hub-*-exec.jar 2>/dev/null | head -1 || true)
BASELINE_JAR=
PORT=18541
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    --jar) JAR=$2; shift ;;
    --baseline-jar) BASELINE_JAR=$2; shift ;;
    --port) PORT=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$JAR" ] && [ -f "$JAR" ] || { echo "no exec jar: ./mvnw -B package -DskipTests first, or pass --jar" >&2; exit 1; }

WORK=$(pwd)/target/bench-startup
rm -rf "$WORK"
mkdir -p "$WORK"
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

# The way Boot documents CDS for Java 17: extract the jar, train once (the application exits after its
# context refreshed), then start with the archive.
log() { echo "[startup $(date +%H:%M:%S)] $*" >&2; }
log "extracting $JAR and training a CDS archive"
java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/app" > "$WORK/extract.log" 2>&1
APP_JAR=$(ls "$WORK"/app/*.jar | head -1)
(cd "$WORK/app" && timeout 600 java -XX:ArchiveClassesAtExit=application.jsa -Dspring.context.exit=onRefresh \
  -jar "$(basename "$APP_JAR")" > "$WORK/train.log" 2>&1) || true
[ -f "$WORK/app/application.jsa" ] || { tail -20 "$WORK/train.log" >&2; echo "training made no archive" >&2; exit 1; }

# variant name -> command (run from the extracted directory where it needs its archive)
declare -A CMD
VARIANTS=()
if [ -n "$BASELINE_JAR" ]; then
  CMD[baseline]="java -jar $(realpath "$BASELINE_JAR")"; VARIANTS+=(baseline)
fi
CMD[shipped]="java -jar $(realpath "$JAR")"; VARIANTS+=(shipped)
CMD[extracted]="java -jar $APP_JAR"; VARIANTS+=(extracted)
CMD[cds]="java -XX:SharedArchiveFile=$WORK/app/application.jsa -Xshare:auto -jar $APP_JAR"; VARIANTS+=(cds)

start_once() { # variant, run; appends "variant seconds_to_started rss_kb" to results.txt
  local name=$1 run=$2 logf="$WORK/$1-$2.log" started=
  (cd "$WORK/app" && exec env PORT="$PORT" ${CMD[$name]}) > "$logf" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    started=$(sed -n 's/.*Started .* in [0-9.]* seconds (process running for \([0-9.]*\)).*/\1/p' "$logf" | head -1)
    [ -n "$started" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$started" ]; then stop; echo "$name fail fail" >> "$WORK/results.txt"; log "run $run $name: failed"; return; fi
  # Resident set once the server answers, as an operator's first probe sees it.
  for _ in $(seq 1 40); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/actuator/health" && break; sleep 0.25; done
  local rss
  rss=$(ps -o rss= -p "$PID" | tr -d ' ')
  stop
  log "run $run $name: started after ${started}s, rss ${rss} kB"
  echo "$name $started $rss" >> "$WORK/results.txt"
}

: > "$WORK/results.txt"
for run in $(seq 1 "$RUNS"); do
  for name in "${VARIANTS[@]}"; do
    start_once "$name" "$run"
  done
done

python3 - "$WORK/results.txt" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)" "${VARIANTS[@]}" > "$WORK/table.md" <<'PY'
import statistics, sys
path, runs, load, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rows = [line.split() for line in open(path)]
def med(name, col):
    vals = [float(r[col]) for r in rows if r[0] == name and r[col] != "fail"]
    return (statistics.median(vals), len(vals)) if vals else (None, 0)
label = {"baseline": "baseline jar as shipped (`java -jar`)", "shipped": "`java -jar` the exec jar",
         "extracted": "extracted jar (`-Djarmode=tools extract`)",
         "cds": "extracted jar + CDS archive (`-XX:SharedArchiveFile`)"}
ref = "baseline" if "baseline" in variants else "shipped"
t0, _ = med(ref, 1)
m0, _ = med(ref, 2)
print(f"{runs} starts per variant, interleaved; medians; load average at the end {load}.\n")
print("| variant | time to `Started` (process uptime) | × | resident memory after start | × | starts |")
print("|---|---|---|---|---|---|")
for v in variants:
    t, n = med(v, 1)
    m, _ = med(v, 2)
    if t is None:
        print(f"| {label[v]} | failed | | | | 0 |")
        continue
    print(f"| {label[v]} | {t:.2f} s | {t / t0:.2f}× | {m / 1024:.0f} MB | {m / m0:.2f}× | {n}/{runs} |")
PY
cat "$WORK/table.md"
[ -z "$OUT" ] || cp "$WORK/table.md" "$OUT"
