#!/usr/bin/env bash
# The speech policy's replay (issue 26, SpeechReplay): 1,000 reports of speech (backchannels, coughs and clicks,
# barge-ins, keywords, questions; English and Russian) through the default policy alone and through the manager,
# which pauses, resumes and interrupts as decided, each against the flag read measured in the same rounds; and the
# decision table of one replay. Replaces the section between <!-- speech-replay:begin --> and
# <!-- speech-replay:end --> of docs/BENCHMARKS.md (or appends it). About a minute.
#
#   bench/speech-replay.sh [--no-build] [--rounds N] [--out FILE]
# Needs: JDK 17, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=auto
ROUNDS=15
OUT=docs/BENCHMARKS.md
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=no ;;
    --rounds) ROUNDS=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
VERSION=0.1.0-SNAPSHOT
EXEC_JAR=$ROOT/target/interrupt-hub-$VERSION-exec.jar
BENCH_JAR=$ROOT/target/interrupt-hub-$VERSION-benchmarks.jar
RESULTS=$ROOT/target/bench-results/speech-replay
log() { echo "[speech-replay $(date +%H:%M:%S)] $*" >&2; }
. bench/jars.sh
mkdir -p "$RESULTS"

log "replaying ($ROUNDS rounds)"
java -Xmx512m -cp "$BENCH_JAR" io.interrupthub.bench.SpeechReplay "$ROUNDS" > "$RESULTS/table.md"
{
  echo "<!-- speech-replay:begin -->"
  echo "## Speech policy replay (bench/speech-replay.sh)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo
  cat "$RESULTS/table.md"
  echo "<!-- speech-replay:end -->"
} > "$RESULTS/section.md"
python3 - "$OUT" "$RESULTS/section.md" <<'PY'
import re, sys
out, section = sys.argv[1], open(sys.argv[2]).read().rstrip()
text = open(out).read()
begin, end = "<!-- speech-replay:begin -->", "<!-- speech-replay:end -->"
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: section, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + section + "\n"
open(out, "w").write(text)
PY
log "wrote the speech replay section of $OUT (raw table in $RESULTS/table.md)"
