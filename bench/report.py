#!/usr/bin/env python3
"""Turns the raw results of bench/run.sh (target/bench-results/) into docs/BENCHMARKS.md on stdout.

Every figure is put next to a baseline measured in the same run, and judged by the ratio: the machine
is shared, so absolute numbers drift from run to run while ratios mostly hold. Standard library only.
"""
import glob
import json
import os
import statistics
import sys
from pathlib import Path

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
RESULTS = ARGS[0] if ARGS else "target/bench-results"
STREAMS_ONLY = "--streams-only" in sys.argv  # prints only the streams section (bench/run.sh --streams-only)


def path(name):
    return os.path.join(RESULTS, name)


def load_json(name):
    try:
        with open(path(name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_kv(name):
    out = {}
    try:
        with open(path(name)) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


def load_jsonl(name):
    rows = []
    try:
        with open(path(name)) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return rows


# ---- JMH -----------------------------------------------------------------------------------------

JMH = {}  # (Class.method, frozenset(params)) -> dict
for file in sorted(glob.glob(path("jmh-*.json"))):
    try:
        with open(file) as f:
            data = json.load(f)
    except ValueError:
        continue
    for r in data:
        name = r["benchmark"].replace("io.interrupthub.bench.", "")
        params = tuple(sorted((r.get("params") or {}).items()))
        raw = [v for fork in r["primaryMetric"].get("rawData", []) for v in fork]
        secondary = r.get("secondaryMetrics") or {}
        measured_ms = None
        try:
            amount, unit = r.get("measurementTime", "").split()
            measured_ms = float(amount) * {"ms": 1, "s": 1000, "us": 0.001}[unit] * r["measurementIterations"] * r["forks"]
        except (ValueError, KeyError):
            pass
        JMH[(name, params)] = {
            "median": statistics.median(raw) if raw else r["primaryMetric"]["score"],
            "mean": r["primaryMetric"]["score"],
            "error": r["primaryMetric"].get("scoreError"),
            "iterations": len(raw),
            "unit": r["primaryMetric"].get("scoreUnit", "ns/op"),
            "alloc": (secondary.get("gc.alloc.rate.norm") or {}).get("score"),
            "gc_ms": (secondary.get("gc.time") or {}).get("score"),
            "measured_ms": measured_ms,
        }


def jmh(name, **params):
    key = (name, tuple(sorted((k, str(v)) for k, v in params.items())))
    return JMH.get(key)


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e4:
        return f"{ns / 1e3:.1f} µs"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    if ns >= 10:
        return f"{ns:.1f} ns"
    return f"{ns:.2f} ns"


def fmt_us(us):
    if us is None:
        return "n/a"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.1f} µs"


def fmt_bytes(b):
    return "n/a" if b is None else f"{b:,.0f} B/op"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


def verdict(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"


def med(b):
    return None if b is None else b["median"]


# ---- inputs --------------------------------------------------------------------------------------

def streams_section(streams, machine):
    """The capacity run (StreamCapacity): SSE and gRPC watch, one row per stream count, then the targets."""
    lines = []
    s = lines.append
    hb = streams.get("heartbeat_s")
    kinds = [(k, streams.get(k) or []) for k in ("sse", "grpc") if streams.get(k)]
    s("## 5. Streams: SSE and gRPC watch capacity (one instance, `-Xmx1g`)")
    s("")
    s(f"Each row: that many streams opened in one burst from one client process, one per device and one "
      f"connection each — SSE `GET /interrupts/events?hardwareId=<own device>` (JDK HTTP client, HTTP/1.1) or "
      f"gRPC `WatchInterrupts` for its own device (grpc-java, one channel each) — then {streams.get('interrupts')} "
      f"interrupts (`POST /interrupt/D?wait=false`) to random devices, one at a time, each timed until its first "
      f"event arrives on D's stream; the baseline is a plain `GET /interrupt/D` round trip on the same client with "
      f"the streams open (for gRPC also a unary call, the standard health check, on the same gRPC server). Then "
      f"every client vanishes at once (connections closed) and the server's retained heap (after a full GC, "
      f"`jcmd GC.run`) is read until it is back within 4 MiB of its level before the burst. The service runs with "
      f"a {hb} s heartbeat{' (its default)' if hb == 15 else ''}, the server's connection cap (`--server.jetty.max-connections`) at 22,000 and both "
      f"stream caps at 20,000 (the run looks for the limit); `ulimit -n` {machine.get('ulimit_n', 'n/a')}. Load average while it ran: "
      f"{machine.get('load_streams_start', 'n/a')} at the start, {machine.get('load_streams_end', 'n/a')} at the end "
      f"(2 cores).")
    s("")
    s("| kind | streams | open (burst) | failures | delivery p50 | p99 | max | GET p99 | unary p99 | p99 / GET p99 | "
      "retained heap per stream | RSS per stream | heap after vanish (before) | heap back within | connections closed within |")
    s("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, runs in kinds:
        for r in runs:
            if r.get("aborted"):
                s(f"| {'SSE' if kind == 'sse' else 'gRPC'} | {r['streams']:,} | {r['open_ms'] / 1000:.1f} s | "
                  f"{r['failures']} | aborted: {r['aborted']} ||||||||||")
                continue
            d = r.get("delivery") or {}
            g = r.get("get") or {}
            u = r.get("unary") or {}
            rr = ratio(d.get("p99_us"), g.get("p99_us")) if d else None
            back = r.get("heap_back_ms")
            rss_per = r.get("rss_per_stream_bytes")
            failures = r["failures"] + r.get("ended_early", 0)
            s(f"| {'SSE' if kind == 'sse' else 'gRPC'} | {r['streams']:,} | {r['open_ms'] / 1000:.1f} s | {failures} | "
              f"{fmt_us(d.get('p50_us'))} | {fmt_us(d.get('p99_us'))} | {fmt_us(d.get('max_us'))} | "
              f"{fmt_us(g.get('p99_us'))} | {fmt_us(u.get('p99_us')) if u else '—'} | {fmt_ratio(rr)} | "
              f"{r['heap_per_stream_bytes'] / 1024:.1f} KiB | "
              f"{'n/a' if rss_per is None else '%.1f KiB' % (rss_per / 1024)} | "
              f"{r['heap_after_kb'] / 1024:.0f} MiB ({r['heap_before_kb'] / 1024:.0f} MiB) | "
              f"{'%.1f s' % (back / 1000) if back is not None else 'not within ' + str(hb + 5) + ' s'} | "
              f"{'%.1f s' % (r['fds_back_ms'] / 1000) if r.get('fds_back_ms') is not None else 'not within ' + str(hb + 5) + ' s'} |")
    skipped = [int(n) for n in (machine.get("streams_skipped") or "").split()]
    for kind, _ in kinds:
        for n in skipped:
            s(f"| {'SSE' if kind == 'sse' else 'gRPC'} | {n:,} | not run: {n:,} streams need more file descriptors "
              f"than `ulimit -n` ({machine.get('ulimit_n', 'n/a')}) allows the one client process ||||||||||||||")
    cold = streams.get("heap_cold_kb")
    if cold:
        warm = [streams[k]["heap_before_kb"] for k in ("sse_warmup", "grpc_warmup") if streams.get(k)]
        s("")
        s(f"Each run's baseline (\"before\") is the server's retained heap after a warm-up burst of 500 streams of "
          f"each kind had come and gone: a first burst grows pools that keep their size for the server's life, "
          f"bounded — the server's thread pool and buffer pool (Jetty's, which keeps buffers it lends while "
          f"a connection writes and takes them back while it idles), Netty's buffer caches. Cold, before any stream, the heap held {cold / 1024:.0f} MiB"
          + (f"; after the warm-ups {max(warm) / 1024:.0f} MiB" if warm else "") + ".")
    s("")
    s("Failures count streams not answered 200 with their first event within 120 s, and streams that ended "
      "before their client left.")
    s("")
    s("| target | kind | measured | |")
    s("|---|---|---|---|")
    for kind, runs in kinds:
        by = {r["streams"]: r for r in runs}
        label = "SSE" if kind == "sse" else "gRPC"

        def row(goal, n, check, figure):
            r = by.get(n)
            if r is None and n in skipped:
                s(f"| {goal} | {label} | not run: more file descriptors than `ulimit -n` "
                  f"({machine.get('ulimit_n', 'n/a')}) allows | — |")
            elif r is None:
                s(f"| {goal} | {label} | not in this run (quick mode runs 1,000 streams only) | — |")
            elif r.get("aborted") and not goal[0].isdigit():
                s(f"| {goal} | {label} | not measured: the run was aborted (above) | **missed** |")
            elif r.get("aborted"):
                s(f"| {goal} | {label} | {r['streams'] - r['failures']:,} of {r['streams']:,} open after "
                  f"{r['open_ms'] / 1000:.0f} s, then aborted: {r['aborted']} | **missed** |")
            else:
                s(f"| {goal} | {label} | {figure(r)} | {verdict(check(r))} |")

        def fails(r):
            return r["failures"] + r.get("ended_early", 0)

        row("10,000 concurrent streams on one instance in a 1 GiB heap", 10000,
            lambda r: fails(r) == 0, lambda r: f"{r['streams'] - fails(r):,} of {r['streams']:,} open, "
            f"retained heap {r['heap_with_kb'] / 1024:.0f} MiB, RSS {r['rss_with_kb'] / 1024:.0f} MiB")
        row("10,000 streams in one burst in a 1 GiB heap, zero failures", 10000,
            lambda r: fails(r) == 0, lambda r: f"{r['streams'] - fails(r):,} of {r['streams']:,} open in "
            f"{r['open_ms'] / 1000:.1f} s, {fails(r)} failures")
        if kind == "sse":
            row("≤ 20 KiB retained heap per open stream (10,000 streams)", 10000,
                lambda r: r["heap_per_stream_bytes"] <= 20 * 1024,
                lambda r: f"{r['heap_per_stream_bytes'] / 1024:.1f} KiB")
        row("delivery p99 at 10,000 streams ≤ 2× `GET /interrupt/{id}` p99", 10000,
            lambda r: bool(r.get("delivery")) and ratio(r["delivery"]["p99_us"], r["get"]["p99_us"]) <= 2,
            lambda r: f"{fmt_us((r.get('delivery') or {}).get('p99_us'))} vs {fmt_us(r['get']['p99_us'])} "
            f"({fmt_ratio(ratio((r.get('delivery') or {}).get('p99_us'), r['get']['p99_us']))})")
        row("20,000 streams in one burst (1 GiB heap)", 20000,
            lambda r: fails(r) == 0, lambda r: f"{r['streams'] - fails(r):,} of {r['streams']:,} open in "
            f"{r['open_ms'] / 1000:.1f} s, {fails(r)} failures, retained heap {r['heap_with_kb'] / 1024:.0f} MiB")
        row("zero failures in a 5,000 burst", 5000, lambda r: fails(r) == 0,
            lambda r: f"{fails(r)} failures, open in {r['open_ms'] / 1000:.1f} s")
        row("delivery p99 at 5,000 streams ≤ 2× `GET /interrupt/{id}` p99", 5000,
            lambda r: bool(r.get("delivery")) and ratio(r["delivery"]["p99_us"], r["get"]["p99_us"]) <= 2,
            lambda r: f"{fmt_us((r.get('delivery') or {}).get('p99_us'))} vs {fmt_us(r['get']['p99_us'])} "
            f"({fmt_ratio(ratio((r.get('delivery') or {}).get('p99_us'), r['get']['p99_us']))})")
        for n in sorted(by):
            row(f"retained heap back to baseline within heartbeat + 5 s ({n:,} streams)", n,
                lambda r: r.get("heap_back_ms") is not None and r["heap_back_ms"] <= (hb + 5) * 1000,
                lambda r: "back in %.1f s" % (r["heap_back_ms"] / 1000) if r.get("heap_back_ms") is not None
                else f"{r['heap_after_kb'] / 1024:.0f} MiB vs {r['heap_before_kb'] / 1024:.0f} MiB before")
    s("")
    # What the figures mean, the misses' measured causes and the defaults chosen from them are written by hand.
    notes = Path(__file__).resolve().parent / "streams.md"
    if notes.exists():
        s(notes.read_text().rstrip())
        s("")
    return lines


# ---- issue 24 item 4: POST/GET with the interrupt log line on and off (bench/interrupt-ratio.sh) -----------
interrupt_ratio_rows = load_jsonl("interrupt-ratio/interrupt-ratio.jsonl")


def interrupt_ratio(variant):
    """Per-round POST/GET ratios of one service of bench/interrupt-ratio.sh, in round order."""
    rounds = {}
    for r in interrupt_ratio_rows or []:
        if r.get("variant") == variant and r.get("mode") and r.get("result"):
            rounds.setdefault(r["round"], {})[r["mode"]] = r["result"]["rps"]
    return [x["interrupt"] / x["flag"] for _, x in sorted(rounds.items()) if x.get("flag") and "interrupt" in x]
# ---- end of issue 24 item 4 ------------------------------------------------------------------------------

def interrupt_ratio_section():
    """The POST/GET table of bench/interrupt-ratio.sh, in the full report's section 3 and after section 5."""
    lines = []
    if not interrupt_ratio_rows:
        return lines
    lines.append("### `POST /interrupt` against the flag read, log line on and off (issue 24 item 4)")
    lines.append("")
    lines.append("Two services side by side, `LOG_INTERRUPTS=true` (the default, through the log queue) and `false`; each round "
      "runs the flag read and the interrupt on one, then on the other (the order alternating), and the ratio is "
      "taken within the round on the same service. The service's CPU per request is its CPU time (user + system) "
      "during the wrk run over the requests served.")
    lines.append("")
    lines.append("| log line | ratio, median | per round | CPU per request, GET / POST |")
    lines.append("|---|---|---|---|")
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    for variant, label in (("on", "on (default)"), ("off", "off")):
        ratios = interrupt_ratio(variant)
        if not ratios:
            continue
        cpu = {}
        for r in interrupt_ratio_rows:
            if r.get("variant") == variant and r.get("mode") and r.get("result") and r["result"]["requests"]:
                cpu.setdefault(r["mode"], []).append(r["cpu_ticks"] * tick_us / r["result"]["requests"])
        lines.append(f"| {label} | {statistics.median(ratios):.2f}× | {', '.join(f'{x:.2f}' for x in ratios)} | "
          f"{statistics.median(cpu.get('flag', [0])):.0f} µs / {statistics.median(cpu.get('interrupt', [0])):.0f} µs |")
    loads = {k: r[k] for r in interrupt_ratio_rows for k in ("load_start", "load_end") if k in r}
    lines.append("")
    lines.append(f"Load average {loads.get('load_start', '?')} at the start of these rounds, {loads.get('load_end', '?')} at "
      "the end. Where the microseconds of an interrupt go: \"Where an interrupt's microseconds go\" below.")
    lines.append("")
    return lines


if STREAMS_ONLY:
    data = load_json("streams.json")
    if data:
        print("\n".join(streams_section(data, load_kv("machine.txt"))))
    # Issue 24 wants the interrupt's answer in the same run as the streams.
    print("\n".join([""] + interrupt_ratio_section()))
    sys.exit(0)


machine = load_kv("machine.txt")
heap = load_json("heap.json")
signal = load_json("signal.json")
fanout = load_json("fanout.json")
http = load_json("http-signal.json")
server = load_kv("server-process.txt")
wrk_rows = load_jsonl("wrk.jsonl")
reference = load_json("reference-signal.json")
reference_server = load_kv("reference-process.txt")
wrk_ref_rows = load_jsonl("wrk-reference.jsonl")
quick = machine.get("mode") == "quick"

out = []
w = out.append

# ---- figures used in several places -------------------------------------------------------------

flag_session = med(jmh("SessionFlagBenchmark.isInterrupted"))
flag_base = med(jmh("SessionFlagBenchmark.baseline_volatileRead"))
should = {d: med(jmh("ShouldInterruptBenchmark.shouldInterrupt", devices=d)) for d in ("no-flag", "flag-set")}
should_base = {d: med(jmh("ShouldInterruptBenchmark.baseline_mapGet", devices=d)) for d in ("no-flag", "flag-set")}
SIZES = ["1000", "100000", "1000000"]
SIZE_NAMES = {"1000": "1k", "100000": "100k", "1000000": "1M"}
scale = {}
for op in ("shouldInterrupt", "baseline_mapGet", "openEnd", "baseline_mapPutRemove", "interruptTurn",
           "component_skipListTurn", "sweep"):
    scale[op] = {s: med(jmh("ScaleBenchmark." + op, sessions=s)) for s in SIZES}


def growth(op):
    return ratio(scale[op]["1000000"], scale[op]["1000"])


def wrk_median(rows, mode, field):
    values = [r["result"][field] for r in rows if r["mode"] == mode and r.get("result")]
    return statistics.median(values) if values else None


def wrk_ratio(rows, mode, base, field="rps"):
    """Median over rounds of (mode / base) taken within each round, so slow drift in load cancels."""
    ratios = []
    for rnd in sorted({r["round"] for r in rows}):
        a = [r["result"][field] for r in rows if r["round"] == rnd and r["mode"] == mode and r.get("result")]
        b = [r["result"][field] for r in rows if r["round"] == rnd and r["mode"] == base and r.get("result")]
        if a and b and b[0]:
            ratios.append(a[0] / b[0])
    return statistics.median(ratios) if ratios else None


def wrk_errors(rows, mode):
    total = 0
    for r in rows:
        if r["mode"] == mode and r.get("result"):
            res = r["result"]
            total += res["non2xx"] + res["connect_errors"] + res["read_errors"] + res["write_errors"] + res["timeouts"]
    return total


# ---- header --------------------------------------------------------------------------------------

w("# Benchmarks")
w("")
w(f"Generated by `bench/run.sh{' --quick' if quick else ''}` on {machine.get('date', '?')} "
  f"(commit {machine.get('commit', '?')}, {machine.get('elapsed_seconds', '?')} s). "
  "Every figure stands next to a baseline measured in the same run, and is judged by the ratio: this machine is "
  "shared (its load average is given below), so absolute numbers drift by a factor of two or more between runs "
  "while ratios mostly hold. JMH figures are the median of the measured iterations; latencies are nearest-rank "
  "percentiles; HTTP ratios are the median over rounds of the ratio within each round.")
if quick:
    w("")
    w("> This is a `--quick` run: short JMH iterations (3 × 0.3–0.5 s), 5 000 in-process and 500 HTTP "
      "interrupts, 3 s wrk runs. Treat the ratios as indicative; `bench/run.sh` without `--quick` takes "
      "about 20 minutes and gives tighter figures.")
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
for key, label in (("nproc", "cores (nproc)"), ("memory", "memory"), ("cpu", "CPU"), ("kernel", "kernel"),
                   ("java", "java -version"), ("wrk", "wrk"), ("load_start", "load average at start (1, 5, 15 min)"),
                   ("load_end", "load average at end")):
    w(f"| {label} | {machine.get(key, '?')} |")
w("")

# ---- targets ---------------------------------------------------------------------------------------

rows = []


def target(what, figure, baseline, r, goal, ok):
    rows.append((what, figure, baseline, fmt_ratio(r) if isinstance(r, float) or r is None else r, goal, verdict(ok)))


r = ratio(flag_session, flag_base)
target("`Session.isInterrupted()` vs a volatile boolean read, one call per invocation", fmt_ns(flag_session),
       fmt_ns(flag_base), r, "≤ 1.2×", None if r is None else r <= 1.2)
flag_handle_base = med(jmh("SessionFlagBenchmark.baseline_handleVolatileRead"))
if flag_handle_base:
    r = ratio(flag_session, flag_handle_base)
    target("`Session.isInterrupted()` vs a volatile boolean read through a handle held in a field, one call per "
           "invocation", fmt_ns(flag_session), fmt_ns(flag_handle_base), r, "≤ 1.2×", None if r is None else r <= 1.2)
flag_loop = med(jmh("SessionFlagBenchmark.isInterrupted_loop"))
flag_loop_base = med(jmh("SessionFlagBenchmark.baseline_volatileRead_loop"))
r = ratio(flag_loop, flag_loop_base)
target("`Session.isInterrupted()` vs a volatile boolean read, in a loop holding the handle", fmt_ns(flag_loop),
       fmt_ns(flag_loop_base), r, "≤ 1.2×", None if r is None else r <= 1.2)
for d, label in (("no-flag", "device streaming, no flag"), ("flag-set", "flag set")):
    r = ratio(should[d], should_base[d])
    target(f"`shouldInterrupt(id)` vs `ConcurrentHashMap.get`, {label}", fmt_ns(should[d]), fmt_ns(should_base[d]), r,
           "≤ 1.5×", None if r is None else r <= 1.5)
for op, label in (("shouldInterrupt", "`shouldInterrupt`"), ("openEnd", "session open + end"),
                  ("interruptTurn", "interrupt + end + open next turn")):
    g = growth(op)
    base_op = "baseline_mapGet" if op == "shouldInterrupt" else "baseline_mapPutRemove"
    bg = growth(base_op)
    base_note = f"; the map baseline grows {fmt_ratio(bg)}" if bg is not None else ""
    target(f"{label}: cost at 1M sessions vs at 1k", fmt_ns(scale[op]["1000000"]),
           fmt_ns(scale[op]["1000"]) + " at 1k" + base_note, g, "≤ 2×", None if g is None else g <= 2.0)
if heap:
    fits = bool(heap.get("fits")) and heap.get("opened") == heap.get("sessions")
    per = heap.get("bytesPerSession")
    base = heap.get("baselineBytesPerEntry")
    target("1M open sessions in a 1 GiB heap (`-Xmx1g`), retained bytes per session",
           f"{per} B/session, {heap.get('usedHeapBytes', 0) / 2**20:.0f} MiB used" if per else "failed",
           f"{base} B (map entry id → device)" if base else "n/a", ratio(per, base), "fits", fits)
    if heap.get("turned"):
        left = heap.get("bytesLeftPerInterruptedDevice", 0)
        if heap["turned"] >= heap.get("opened", 0):
            used = heap.get("usedHeapBytesAfterTurn", 0)
            how = "measured"
            ok = bool(heap.get("fitsAfterTurn"))
        else:
            used = heap.get("usedHeapBytes", 0) + left * heap.get("opened", 0)
            how = f"extrapolated from {heap['turned']:,} devices"
            ok = bool(heap.get("fitsAfterTurn")) and used < heap.get("maxHeapBytes", 2**30) * 0.9
        target("The same 1M sessions once every device has been interrupted (next turn open)",
               f"{used / 2**20:.0f} MiB used ({how}); +{left} B per interrupted device",
               f"{per} B/session before", ratio(per + left, per) if per else None, "fits (< 90% of 1 GiB)", ok)
if signal:
    for key, base_key, label in (("callback", "handoff", "in-process, `onInterrupt` callback, p99"),
                                 ("poll", "volatileFlag", "in-process, loop polling `isInterrupted()`, p99")):
        p99 = signal[key]["p99_us"]
        b = signal[base_key]["p99_us"]
        target(f"Signal latency {label}", fmt_us(p99), fmt_us(b), ratio(p99, b), "< 1 ms", p99 < 1000)
    seed = signal["seed100ms"]["p99_us"]
    target("Signal latency, the seed's 100 ms flag poll (simulated), p99", fmt_us(seed),
           fmt_us(signal["poll"]["p99_us"]) + " (polling `isInterrupted()`)", ratio(seed, signal["poll"]["p99_us"]),
           "(comparison)", None)
if http:
    p99 = http["sse"]["p99_us"]
    target("Signal latency over HTTP + SSE (`POST /interrupt` → `interrupt` event), p99", fmt_us(p99),
           fmt_us(http["rtt"]["p99_us"]) + " (HTTP round trip)", ratio(p99, http["rtt"]["p99_us"]), "< 5 ms", p99 < 5000)
if wrk_rows:
    for mode, label in (("interrupt", "`POST /interrupt/{id}`"), ("sessions", "session API (open, end)")):
        r = wrk_ratio(wrk_rows, mode, "flag")
        rps = wrk_median(wrk_rows, mode, "rps")
        base = wrk_median(wrk_rows, "flag", "rps")
        target(f"HTTP throughput, {label}, 32 connections", f"{rps:,.0f} req/s" if rps else "n/a",
               f"{base:,.0f} req/s (`GET /interrupt/{{id}}`)" if base else "n/a", r, "≥ 80%",
               None if r is None else r >= 0.8)
        p99 = wrk_median(wrk_rows, mode, "p99_us")
        bp99 = wrk_median(wrk_rows, "flag", "p99_us")
        target(f"HTTP p99 latency, {label}, 32 connections", fmt_us(p99), fmt_us(bp99), ratio(p99, bp99), "≤ 10 ms",
               None if p99 is None else p99 <= 10_000)
# issue 24 item 4: the same target with the interrupt log line on and off, services side by side, same rounds
for variant, label in (("on", "log line on (the default)"), ("off", "log line off")):
    ratios = interrupt_ratio(variant)
    if ratios:
        r = statistics.median(ratios)
        target(f"HTTP throughput, `POST /interrupt/{{id}}` vs `GET /interrupt/{{id}}`, {label}, 32 connections "
               f"(bench/interrupt-ratio.sh; rounds: {', '.join(f'{x:.2f}' for x in ratios)})",
               f"{r:.2f}× of the flag read", "same service, same round", r, "≥ 0.8×", r >= 0.8)
if fanout:
    within = [run for run in fanout["slowModules"] if run["modules"] <= run["threads"]]
    worst = max(within, key=lambda run: run["medianMs"] / run["floorMs"]) if within else None
    if worst:
        r = worst["medianMs"] / worst["floorMs"]
        target(f"Fan-out: up to {worst['threads']} modules of {fanout['moduleMs']} ms each (worst: {worst['modules']})",
               f"{worst['medianMs']} ms", f"{worst['floorMs']} ms (slowest module); serial {worst['serialMs']} ms", r,
               "≈ 50 ms (≤ 1.5×)", r <= 1.5)
    hung = fanout["hungModule"]
    r = hung["medianMs"] / hung["hungTimeoutMs"]
    target("Fan-out: one hung module (200 ms timeout) beside four 50 ms modules", f"{hung['medianMs']} ms",
           f"{hung['hungTimeoutMs']} ms (its timeout)", r, "≤ 1.25× timeout", r <= 1.25 and hung["hungTimedOut"])

w("## Targets")
w("")
w("| What | Measured | Baseline (same run) | Ratio | Target | |")
w("|---|---|---|---|---|---|")
for row in rows:
    w("| " + " | ".join(str(c) for c in row) + " |")
w("")
met = sum(1 for row in rows if row[5] == "**met**")
missed = sum(1 for row in rows if row[5] == "**missed**")
w(f"{met} met, {missed} missed. Why each miss happens, and what would fix it, is under "
  "[What the figures point at](#what-the-figures-point-at).")
w("")

# ---- JMH detail ------------------------------------------------------------------------------------

w("## 1. Hot paths (JMH, single thread, average time per operation)")
w("")
w("| Benchmark | Parameters | Median | Mean ± error (99.9%) | Allocated | Baseline | Baseline median | Ratio |")
w("|---|---|---|---|---|---|---|---|")
PAIRS = [
    ("SessionFlagBenchmark.isInterrupted", "SessionFlagBenchmark.baseline_volatileRead", [{}]),
    ("SessionFlagBenchmark.isInterrupted", "SessionFlagBenchmark.baseline_handleVolatileRead", [{}]),
    ("SessionFlagBenchmark.isInterrupted_loop", "SessionFlagBenchmark.baseline_volatileRead_loop", [{}]),
    ("ShouldInterruptBenchmark.shouldInterrupt", "ShouldInterruptBenchmark.baseline_mapGet",
     [{"devices": "no-flag"}, {"devices": "flag-set"}]),
    ("ShouldInterruptBenchmark.shouldInterrupt", "ShouldInterruptBenchmark.baseline_mapGetThenVolatileRead",
     [{"devices": "no-flag"}, {"devices": "flag-set"}]),
    ("InterruptBenchmark.interruptAndWait", "InterruptBenchmark.baseline_lockAndFanOut",
     [{"modules": "0"}, {"modules": "5"}, {"modules": "20"}]),
    ("SessionOpenEndBenchmark.openEnd_generatedId", "SessionOpenEndBenchmark.baseline_mapPutRemove", [{}]),
    ("SessionOpenEndBenchmark.openEnd_callerId", "SessionOpenEndBenchmark.baseline_mapPutRemove", [{}]),
    ("SessionOpenEndBenchmark.baseline_randomUuid", "SessionOpenEndBenchmark.baseline_mapPutRemove", [{}]),
]
for name, base_name, param_sets in PAIRS:
    for params in param_sets:
        b = jmh(name, **params)
        base = jmh(base_name, **params) if params and jmh(base_name, **params) else jmh(base_name)
        if b is None:
            continue
        p = ", ".join(f"{k}={v}" for k, v in params.items()) or "—"
        err = b["error"]
        mean = f"{fmt_ns(b['mean'])} ± {fmt_ns(err)}" if isinstance(err, (int, float)) and err == err else fmt_ns(b["mean"])
        w(f"| `{name}` | {p} | {fmt_ns(b['median'])} | {mean} | {fmt_bytes(b['alloc'])} | `{base_name.split('.')[-1]}` | "
          f"{fmt_ns(med(base))} | {fmt_ratio(ratio(b['median'], med(base)))} |")
w("")
w("Baselines: `baseline_volatileRead` reads a volatile boolean field (the `_loop` pair makes 1000 checks per "
  "invocation against a handle held in a local, as a streaming loop does); `baseline_mapGet` is "
  "`ConcurrentHashMap.get` on the same 1024 keys in the same order, and `baseline_mapGetThenVolatileRead` also "
  "reads a volatile field of the value found, the least any per-device flag object costs; `baseline_lockAndFanOut` takes a per-device lock to bump an epoch, hands one "
  "no-op task per module to a 16-thread pool and waits for all (the physical work of an interrupt); "
  "`baseline_mapPutRemove` puts a new id into a `ConcurrentHashMap` and removes it.")
w("")

w("### At 1k, 100k and 1M open sessions (one per device)")
w("")
w("| Operation | 1k | 100k | 1M | 1M / 1k |")
w("|---|---|---|---|---|")
for op, label in (("shouldInterrupt", "`shouldInterrupt`"), ("baseline_mapGet", "baseline: `ConcurrentHashMap.get`, same keys"),
                  ("openEnd", "open + end a session"), ("baseline_mapPutRemove", "baseline: map put + remove"),
                  ("interruptTurn", "interrupt + end + open the next turn"),
                  ("component_skipListTurn", "part of it: expiry skip list, remove a random entry + add one at the end"),
                  ("sweep", "one background sweep, nothing due")):
    vals = scale[op]
    if all(v is None for v in vals.values()):
        continue
    w(f"| {label} | " + " | ".join(fmt_ns(vals[s]) for s in SIZES) + f" | {fmt_ratio(growth(op))} |")
def gc_share(op, size):
    b = jmh("ScaleBenchmark." + op, sessions=size)
    if not b or b["gc_ms"] is None or not b["measured_ms"]:
        return "n/a"
    return f"{100 * b['gc_ms'] / b['measured_ms']:.0f}%"


for op, label in (("openEnd", "open + end"), ("interruptTurn", "interrupt turn")):
    if any(jmh("ScaleBenchmark." + op, sessions=s_) for s_ in SIZES):
        w(f"| {label}: share of the measured time spent in GC | " + " | ".join(gc_share(op, s_) for s_ in SIZES) + " | |")
        w(f"| {label}: allocated per operation | "
          + " | ".join(fmt_bytes((jmh("ScaleBenchmark." + op, sessions=s_) or {}).get("alloc")) for s_ in SIZES) + " | |")
for op, base_op, label in (("shouldInterrupt", "baseline_mapGet", "`shouldInterrupt` ÷ map get"),
                           ("openEnd", "baseline_mapPutRemove", "open + end ÷ map put + remove")):
    rs = {s: ratio(scale[op][s], scale[base_op][s]) for s in SIZES}
    if all(v is None for v in rs.values()):
        continue
    w(f"| {label}, same size | " + " | ".join(fmt_ratio(rs[s]) for s in SIZES) + " | |")
w("")
w("Devices are visited in a fixed random order, so the 1M tables are read from main memory, not cache: the "
  "baselines' own growth is the memory hierarchy's share of any growth.")
w("")

if heap:
    w("### Retained heap")
    w("")
    w(f"- {heap.get('opened', 0):,} sessions opened on as many devices in a heap of "
      f"{heap.get('maxHeapBytes', 0) / 2**20:.0f} MiB (`-Xmx1g`): fits = {heap.get('fits')}; "
      f"used heap after a full GC {heap.get('usedHeapBytes', 0) / 2**20:.0f} MiB; "
      f"**{heap.get('bytesPerSession')} bytes per session** including its device's state.")
    w(f"- Baseline: a `ConcurrentHashMap` from random-UUID ids to device ids, {heap.get('baselineBytesPerEntry')} bytes "
      "per entry: the floor for any session index.")
    w(f"- Opening them took {heap.get('openSeconds')} s.")
    if heap.get("turned"):
        w(f"- Then {heap['turned']:,} of those devices were interrupted once, their interrupted sessions ended and "
          f"their next turn's sessions opened ({heap.get('turnSeconds')} s): still {heap.get('activeSessionsAfterTurn'):,} "
          f"open sessions, but **{heap.get('bytesLeftPerInterruptedDevice')} bytes more per interrupted device** stay "
          f"on the heap (used after a full GC: {heap.get('usedHeapBytesAfterTurn', 0) / 2**20:.0f} MiB).")
    w("")

# ---- signal latency ----------------------------------------------------------------------------------

if signal or http:
    w("## 2. Signal latency")
    w("")
    w("| Path | p50 | p99 | p99.9 | max | samples |")
    w("|---|---|---|---|---|---|")

    def lat_row(label, s):
        w(f"| {label} | {fmt_us(s['p50_us'])} | {fmt_us(s['p99_us'])} | {fmt_us(s['p999_us'])} | "
          f"{fmt_us(s['max_us'])} | {s['count']:,} |")

    if signal:
        lat_row("in-process: `onInterrupt` callback starts", signal["callback"])
        lat_row("  baseline: task handed to an idle thread pool starts", signal["handoff"])
        lat_row("in-process: loop spinning on `isInterrupted()` sees it", signal["poll"])
        lat_row("  baseline: loop spinning on a volatile boolean sees it", signal["volatileFlag"])
        lat_row("in-process: loop spinning on `shouldInterrupt(id)` sees it", signal["shouldInterruptPoll"])
        lat_row("the seed's design: flag checked every 100 ms (simulated)", signal["seed100ms"])
    if http:
        lat_row("HTTP: `POST /interrupt/{id}` → `interrupt` SSE event arrives", http["sse"])
        lat_row("  baseline: one HTTP round trip, `GET /interrupt/{id}`", http["rtt"])
        lat_row("  `POST /interrupt/{id}` round trip (waits for the fan-out)", http["postRoundTrip"])
        if http.get("postNoWaitRoundTrip"):
            lat_row("  `POST /interrupt/{id}?wait=false` round trip (answered without async processing)",
                    http["postNoWaitRoundTrip"])
    if reference:
        ref = reference["reference"]
        lat_row("HTTP, reference pipeline: `POST /interrupt` → stream's `interrupted` event", ref["endToEnd"])
        lat_row("  the service's own `stopLatencyMs` (millisecond resolution)", ref["stopLatencyMs"])
    w("")
    w("In-process times run from the call to `interrupt()` until the observer takes its timestamp. The seed's design "
      "is simulated rather than waited for: the measured visibility of the flag plus the wait until the next 100 ms "
      "poll, a uniform phase, so p50 ≈ 50 ms and p99 ≈ 99 ms. Over HTTP the client subscribes to "
      "`GET /interrupts/events?hardwareId=…` and times from sending the POST to reading the event's data line, on "
      "loopback.")
    w("")

# ---- HTTP load -----------------------------------------------------------------------------------------

if wrk_rows:
    w("## 3. HTTP load (wrk, 2 threads, 32 connections, loopback)")
    w("")
    w("| Endpoint | req/s (median of rounds) | vs `GET /interrupt/{id}` | p50 | p99 | errors / non-2xx |")
    w("|---|---|---|---|---|---|")
    for mode, label in (("flag", "`GET /interrupt/{id}` (baseline: flag read, same API stack)"),
                        ("liveness", "`GET /actuator/health/liveness` (baseline: trivial endpoint)"),
                        ("interrupt", "`POST /interrupt/{random id}` (waits for the fan-out)"),
                        ("interrupt-nowait", "`POST /interrupt/{random id}?wait=false` (diagnostic)"),
                        ("sessions", "`POST /sessions` then `DELETE /sessions/{id}` (mixed)")):
        rps = wrk_median(wrk_rows, mode, "rps")
        if rps is None:
            continue
        r = wrk_ratio(wrk_rows, mode, "flag")
        w(f"| {label} | {rps:,.0f} | {'—' if mode == 'flag' else f'{r * 100:.0f}%'} | "
          f"{fmt_us(wrk_median(wrk_rows, mode, 'p50_us'))} | {fmt_us(wrk_median(wrk_rows, mode, 'p99_us'))} | "
          f"{wrk_errors(wrk_rows, mode)} |")
    w("")
    w("Per round (req/s, p99):")
    w("")
    modes = ["flag", "interrupt", "sessions", "liveness", "interrupt-nowait"]
    w("| Round | " + " | ".join(modes) + " |")
    w("|---|" + "---|" * len(modes))
    for rnd in sorted({r["round"] for r in wrk_rows}):
        cells = []
        for mode in modes:
            res = [r["result"] for r in wrk_rows if r["round"] == rnd and r["mode"] == mode and r.get("result")]
            cells.append(f"{res[0]['rps']:,.0f}, {fmt_us(res[0]['p99_us'])}" if res else "n/a")
        w(f"| {rnd} | " + " | ".join(cells) + " |")
    w("")
    w("Devices are drawn at random from 10 000 ids; each round runs the endpoints back to back, so each ratio "
      "compares runs seconds apart. wrk and the service share the two cores.")
    w("")

# issue 24 item 4 (bench/interrupt-ratio.sh): the interrupt against the flag read, log line on and off
for line in interrupt_ratio_section():
    w(line)

if server:
    w("### Start-up and memory")
    w("")
    w("| | default service | " + ("reference pipeline on |" if reference_server else ""))
    w("|---|---|" + ("---|" if reference_server else ""))

    def kb(v):
        try:
            return f"{int(v) / 1024:.0f} MiB"
        except (TypeError, ValueError):
            return "n/a"

    def extra(key, f):
        return f" {f(reference_server.get(key))} |" if reference_server else ""

    w(f"| start-up (log: \"Started … in X seconds\") | {server.get('started_seconds', '?')} s |"
      + extra("started_seconds", lambda v: f"{v} s"))
    w(f"| resident memory after start (`ps -o rss`) | {kb(server.get('rss_start_kb'))} |" + extra("rss_start_kb", kb))
    w(f"| resident memory after the load | {kb(server.get('rss_after_load_kb'))} |"
      + extra("rss_after_load_kb", kb))
    w("")
    w("The service runs as `java -jar target/interrupt-hub-0.1.0-SNAPSHOT-exec.jar` with no JVM options (the JVM's "
      "default heap sizing on this machine), its defaults otherwise, and `LOG_INTERRUPTS=true` (one log line per "
      "interrupt, to a file).")
    w("")

if wrk_ref_rows:
    r = wrk_ratio(wrk_ref_rows, "interrupt", "flag")
    w("### With the reference pipeline's four modules")
    w("")
    w(f"`POST /interrupt/{{id}}` with `INTERRUPT_REFERENCE_ENABLED=true`: "
      f"{wrk_median(wrk_ref_rows, 'interrupt', 'rps'):,.0f} req/s, p99 {fmt_us(wrk_median(wrk_ref_rows, 'interrupt', 'p99_us'))}; "
      f"{r * 100:.0f}% of `GET /interrupt/{{id}}` on the same server "
      f"({wrk_median(wrk_ref_rows, 'flag', 'rps'):,.0f} req/s).")
    w("")

# ---- fan-out -----------------------------------------------------------------------------------------

if fanout:
    w("## 4. Fan-out")
    w("")
    w(f"Each module sleeps {fanout['moduleMs']} ms; the manager's pool has {fanout['slowModules'][0]['threads']} threads. "
      f"Median of {fanout['repetitions']} interrupts (wall time of `interruptAndWait`).")
    w("")
    w("| Modules | Median | Max | Floor (slowest module, per wave of threads) | Serial would be | Ratio to floor | All OK |")
    w("|---|---|---|---|---|---|---|")
    for run in fanout["slowModules"]:
        w(f"| {run['modules']} × {fanout['moduleMs']} ms | {run['medianMs']} ms | {run['maxMs']} ms | {run['floorMs']} ms | "
          f"{run['serialMs']} ms | {run['medianMs'] / run['floorMs']:.2f}× | {run['modulesOk']} |")
    hung = fanout["hungModule"]
    w(f"| 4 × 50 ms + 1 hung (ignores thread interrupts, timeout {hung['hungTimeoutMs']} ms) | {hung['medianMs']} ms | "
      f"{hung['maxMs']} ms | {hung['floorMs']} ms | {hung['serialMs']} ms | {hung['medianMs'] / hung['floorMs']:.2f}× | "
      f"others OK: {hung['modulesOk']}, hung reported TIMED_OUT: {hung['hungTimedOut']} |")
    w("")
    w("More modules than threads run in waves: 20 modules on 16 threads take two module times. A hung module "
      "that ignores the thread interrupt keeps its pool thread until it returns; the interrupt itself is answered at "
      "the timeout.")
    w("")

streams_data = load_json("streams.json")
if streams_data:
    out.append("<!-- streams:begin -->")
    out.extend(streams_section(streams_data, machine))
    out.append("<!-- streams:end -->")
    out.append("")

# ---- findings ------------------------------------------------------------------------------------------

w("## What the figures point at")
w("")
notes = []
if flag_session and flag_base and flag_loop and flag_loop_base:
    notes.append(
        f"`isInterrupted()` is one volatile read. Called once per benchmark invocation it costs "
        f"{fmt_ratio(ratio(flag_session, flag_base))} of the baseline, which reads a field of the benchmark itself, "
        "while the session's flag needs the handle loaded first; against the same read through a handle held in a "
        f"field (`baseline_handleVolatileRead`) it is {fmt_ratio(ratio(flag_session, flag_handle_base))}, and in a "
        f"loop that holds the handle, as a streaming loop does, {fmt_ratio(ratio(flag_loop, flag_loop_base))}. "
        "Differences below a nanosecond are at the resolution of this machine; nothing in `Session` can be removed "
        "from that path.")
gtv = {d: med(jmh("ShouldInterruptBenchmark.baseline_mapGetThenVolatileRead", devices=d)) for d in ("no-flag", "flag-set")}
if should["no-flag"] and gtv["no-flag"]:
    notes.append(
        f"Without a flag, `shouldInterrupt` is {fmt_ratio(ratio(should['no-flag'], should_base['no-flag']))} of a bare "
        f"map read ({fmt_ratio(ratio(should['no-flag'], gtv['no-flag']))} of a map read followed by a volatile read of "
        "the value found): set flags are mirrored into a map of their own (`DeviceTable.flags`), so the poll is one "
        "lookup in a map that holds only devices with a live flag, with the immutable `Flag` as the value. A miss in "
        "a small or empty map is cheaper than a hit in the baseline's map of every device.")
if scale["shouldInterrupt"]["1000"] and scale["baseline_mapGet"]["1000"]:
    notes.append(
        f"At 1M devices `shouldInterrupt` costs {fmt_ratio(growth('shouldInterrupt'))} what it costs at 1k, and a "
        f"bare `ConcurrentHashMap.get` on the same keys {fmt_ratio(growth('baseline_mapGet'))}: a table of 1k "
        "devices sits in cache, one of 1M in main memory, and every lookup of a random device is a few cache misses. "
        "Against the map at the same size the check costs "
        + ", ".join(fmt_ratio(ratio(scale['shouldInterrupt'][s_], scale['baseline_mapGet'][s_])) for s_ in SIZES)
        + " (1k, 100k, 1M): it grows no faster than the map, the growth is the memory hierarchy's, and no hash "
          "table gets 1M random lookups within 2× of 1k on this machine.")
if should["flag-set"] and should["no-flag"]:
    notes.append(
        f"`shouldInterrupt` costs {fmt_ns(should['no-flag'])} when no flag is set but {fmt_ns(should['flag-set'])} "
        f"when one is ({fmt_ratio(ratio(should['flag-set'], should_base['flag-set']))} of a map read). A started "
        "manager on the system clock (the service's) clears each flag when it expires, on its sweeper thread "
        "(`FlagExpiry`), so a set flag is trusted without reading the clock; a manager that is not started, or runs "
        "on an injected clock, still compares with the clock on every check (about 40 ns more here), which keeps "
        "expiry exact for tests that move the clock.")
gen = med(jmh("SessionOpenEndBenchmark.openEnd_generatedId"))
caller = med(jmh("SessionOpenEndBenchmark.openEnd_callerId"))
uuid = med(jmh("SessionOpenEndBenchmark.baseline_randomUuid"))
if gen and caller:
    notes.append(
        f"Opening and ending a session costs {fmt_ns(gen)} with a generated id and {fmt_ns(caller)} with a caller's "
        f"id (`UUID.randomUUID()`, which the manager no longer uses, costs {fmt_ns(uuid)} alone: generated ids are "
        "random version-4 UUIDs from `ThreadLocalRandom`). The rest of the pair over the map baseline is the id "
        "checks (a character loop), two skip-list updates (`SessionTracker.expiries`), the device lock, the id "
        "index and the session object; a `SessionInfo` is built only when a listener exists.")
i0 = med(jmh("InterruptBenchmark.interruptAndWait", modules="0"))
b0 = med(jmh("InterruptBenchmark.baseline_lockAndFanOut", modules="0"))
if i0 and b0:
    notes.append(
        f"An interrupt with no modules costs {fmt_ns(i0)} against {fmt_ns(b0)} for the lock and epoch alone: "
        "validation, two futures, per-module result lists, a stream over the results, statistics and history. That "
        "is a microsecond, far below a network hop, and does not matter at HTTP rates.")
if heap and heap.get("bytesLeftPerInterruptedDevice"):
    it = jmh("ScaleBenchmark.interruptTurn", sessions="1000000")
    gc_note = ""
    if it and it.get("gc_ms") is not None and it.get("measured_ms"):
        gc_note = (f" At 1M sessions the interrupt-turn benchmark spends {100 * it['gc_ms'] / it['measured_ms']:.0f}% "
                   "of its measured time in GC pauses.")
    notes.append(
        f"An interrupted device keeps about {heap['bytesLeftPerInterruptedDevice']} bytes more after its interrupt has "
        "finished and its next turn opened: a device forgets its fan-out (`Device.inFlight`) as soon as the fan-out "
        "completes, so the `InterruptResult` stays only in the bounded history. What remains is flags waiting in the "
        "expiry queue (`FlagExpiry`) until `INTERRUPT_TIMEOUT` has passed, and differences in the sizes of tables "
        "that grew meanwhile." + gc_note)
sk = scale["component_skipListTurn"]
if sk["1000"] and sk["1000000"] and scale["interruptTurn"]["1000000"]:
    notes.append(
        f"The interrupt turn grows from {fmt_ns(scale['interruptTurn']['1000'])} at 1k to "
        f"{fmt_ns(scale['interruptTurn']['1000000'])} at 1M. Part of it is the tracker's expiry queue, a "
        "`ConcurrentSkipListMap` (`SessionTracker.expiries`): interrupting or ending a session that has been open a "
        "while removes a node from the middle of it, about 20 levels of pointers that are cold at 1M. That "
        f"operation alone costs {fmt_ns(sk['1000'])} at 1k and {fmt_ns(sk['1000000'])} at 1M here. Fix: every "
        "session has the same timeout and cleanup delay, so both queues are nearly first-in first-out; a FIFO (or "
        "a timing wheel of coarse buckets) with lazy deletion, which the sweep already half does by re-checking "
        "each entry, makes open, end and interrupt O(1) and touches no cold nodes.")
sw = scale["sweep"]["1000000"]
if sw:
    notes.append(
        f"One pass of the background sweep takes {fmt_ns(scale['sweep']['1000'])} at 1k devices and {fmt_ns(sw)} at 1M: "
        "only devices that may have become idle are visited: `DeviceTable` queues a device once when it is left "
        "without sessions, when its flag is cleared and when its fan-out is forgotten, and a visit that finds it "
        "busy drops it, because the end of whatever keeps it busy queues it again. With nothing due a sweep costs "
        "the same at any table size.")
if wrk_rows:
    r_wait = wrk_ratio(wrk_rows, "interrupt", "flag")
    r_nowait = wrk_ratio(wrk_rows, "interrupt-nowait", "flag")
    seq = ""
    if http and http.get("postNoWaitRoundTrip"):
        seq = (f" One client alone sees it too: p50 {fmt_us(http['postRoundTrip']['p50_us'])} for the POST against "
               f"{fmt_us(http['postNoWaitRoundTrip']['p50_us'])} with `?wait=false` and "
               f"{fmt_us(http['rtt']['p50_us'])} for a GET.")
    if r_wait is not None and r_nowait is not None:
        notes.append(
            f"Over HTTP an interrupt reaches {r_wait * 100:.0f}% of the flag read's throughput; with `?wait=false` "
            f"{r_nowait * 100:.0f}%.{seq} An interrupt whose fan-out has already finished (no modules, as here) is "
            "answered at once, without Servlet async processing; the event hub writes an event's JSON only when a "
            "stream needs it; Spring Security's per-filter observations are off in the service defaults. What "
            "remains is per-interrupt work around the core: a JSON request body, a larger JSON answer, one INFO log "
            "line (`InterruptLogListener`, `LOG_INTERRUPTS=true` in this run), an application event pair "
            "(`InterruptApplicationEvents`), metrics, and the events themselves.")
if http:
    notes.append(
        f"The SSE signal (p99 {fmt_us(http['sse']['p99_us'])}) costs about one HTTP round trip more than the round "
        f"trip itself (p99 {fmt_us(http['rtt']['p99_us'])}): the event leaves through the hub's single dispatcher "
        "thread, which serialises it to JSON and writes it, while the POST is still being answered; the tails of both "
        "follow the machine's scheduling delays.")
if wrk_rows:
    bp99 = wrk_median(wrk_rows, "flag", "p99_us")
    if bp99 and bp99 > 10_000:
        notes.append(
            f"The p99 targets at 32 connections cannot be judged here: the trivial baseline `GET /interrupt/{{id}}` "
            f"itself has a p99 of {fmt_us(bp99)}, because wrk, the service and the other tenants of this machine share "
            f"two cores (load average {machine.get('load_start', '?')} at the start). The ratios to that baseline "
            "carry the information.")
if signal and (signal["poll"]["p99_us"] > 1000 or signal["callback"]["p99_us"] > 1000):
    notes.append(
        "In-process p99s above a millisecond are scheduling: a spinning or woken thread that loses its core to "
        "another process waits a time slice (several ms). The baselines suffer the same way; compare p50s, and "
        "the ratios across runs.")
for n in notes:
    w(f"- {n}")
w("")

# ---- before / after, kept by hand ---------------------------------------------------------------------

# Start-up (bench/startup.sh) and the interrupt log line (bench/interrupt-log.sh) are measured by scripts of
# their own, whose tables are kept beside this one.
for kept in ("before-after.md", "startup.md", "interrupt-log.md"):
    section = Path(__file__).resolve().parent / kept
    if section.exists():
        w(section.read_text().rstrip())
        w("")

# ---- reproduce -----------------------------------------------------------------------------------------

w("## How to reproduce")
w("")
w("```sh")
w("bench/run.sh --quick        # under five minutes once the jars are built; writes docs/BENCHMARKS.md")
w("bench/run.sh                # the full run, about 20 minutes")
w("bench/run.sh --streams-only  # only the streams run, replacing section 5; --quick for 1,000 streams, --streams \"1000 5000\" to choose")
w("./mvnw -B -Pbench -DskipTests package   # just build: target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar")
w("java -jar target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar -l                 # list the JMH benchmarks")
w("java -jar target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar ShouldInterrupt -prof gc")
w("java -Xmx1g -cp target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar io.interrupthub.bench.HeapPerSession 1000000 heap.json")
w("java -cp target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar io.interrupthub.bench.SignalLatency 20000 signal.json")
w("java -cp target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar io.interrupthub.bench.FanOutCheck 10 fanout.json")
w("java -cp target/interrupt-hub-0.1.0-SNAPSHOT-benchmarks.jar io.interrupthub.bench.HttpSignalLatency http://127.0.0.1:18531 3000 http.json")
w("wrk -t2 -c32 -d10s -s bench/wrk/load.lua http://127.0.0.1:18531 -- interrupt   # or flag, liveness, sessions, interrupt-nowait")
w("```")
w("")
w("Sources: `src/jmh/java/io/interrupthub/bench/` (JMH benchmarks and the harness programs, compiled only with "
  "`-Pbench`, into `target/jmh-classes`), `bench/run.sh`, `bench/report.py`, `bench/wrk/load.lua`, "
  "`bench/benchmarks-jar.xml`. Raw results of the last run: `target/bench-results/`. The script needs JDK 17, "
  "`wrk` (Debian package; the script installs it when missing), `curl` and `python3`; it uses port 18531 "
  "(`--port` to change).")

print("\n".join(out))
