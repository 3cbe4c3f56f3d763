# Sourced by the benchmark scripts: builds the service jar and the benchmarks jar (-Pbench) when a source is newer
# than them (BUILD=auto), and stops when they are missing. Needs EXEC_JAR, BENCH_JAR, BUILD and log().
needs_build() {
  [ -f "$EXEC_JAR" ] && [ -f "$BENCH_JAR" ] || return 0
  [ -n "$(find src pom.xml application.yml bench/benchmarks-jar.xml -newer "$BENCH_JAR" -type f 2>/dev/null | head -1)" ]
}
if [ "$BUILD" = auto ] && needs_build; then
  log "building the service jar and the benchmarks jar (-Pbench)"
  ./mvnw -q -B -o -Pbench -DskipTests -Dinvoker.skip=true package \
    || ./mvnw -q -B -Pbench -DskipTests -Dinvoker.skip=true package
fi
[ -f "$EXEC_JAR" ] && [ -f "$BENCH_JAR" ] || { echo "jars missing: run without --no-build" >&2; exit 1; }
