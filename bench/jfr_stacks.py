#!/usr/bin/env python3
"""Where the CPU of a profile went, without JMC: stack samples grouped by what they were doing.

    jfr print --json --stack-depth 512 --events jdk.ExecutionSample rec.jfr > samples.json
    python3 bench/jfr_stacks.py samples.json [--top N] [--us-per-request US]
    python3 bench/jfr_stacks.py profile.collapsed [--top N] [--us-per-request US]

The input is JFR's execution samples as JSON, or async-profiler's collapsed stacks (bench/cpu-profile.sh writes
them; a file ending in .collapsed). JFR samples only threads running Java code; async-profiler's CPU samples also
see native and kernel frames (a system call, a thread woken through a futex), which is where an interrupt's log
line and event dispatch spent most of their time before issue 24's third pass.

Each sample is put in the first bucket of the list below (most specific first) one of whose patterns any frame of
its stack matches; --us-per-request spreads that CPU time over the buckets by
their share of the samples. Also prints the top N self frames (the method on top of the stack). Standard
library only.
"""
import json
import sys
from collections import Counter

# (bucket, substrings of "package.Class.method"); the first bucket one of whose patterns some frame of the stack
# matches wins: a Jackson frame under the log listener is the log line's, one under Spring MVC is Jackson's.
BUCKETS = [
    ("interrupt log line: format and queue (request thread)", ["InterruptLogListener.", "InterruptLogQueue.append"]),
    ("interrupt log line: write (log thread)", ["AsyncAppenderBase$Worker", "AsyncInterruptLog$ToAncestors"]),
    ("metrics (Micrometer)", ["io.micrometer.", "InterruptMetrics."]),
    ("application events (Spring)", ["InterruptApplicationEvents.", "AbstractApplicationContext.publishEvent"]),
    ("SSE / gRPC hubs", ["InterruptEventHub.", "InterruptWatchHub."]),
    ("the interrupt in the core", ["io.interrupthub.core."]),
    ("the answer: return value, content negotiation, JSON write",
     ["HttpEntityMethodProcessor.handleReturnValue", "RequestResponseBodyMethodProcessor.handleReturnValue",
      "AbstractJacksonHttpMessageConverter.write", "tools.jackson.databind.ser", "ApiBodies$", "PlainJsonAnswers."]),
    ("the request body: argument resolution, JSON read",
     ["RequestResponseBodyMethodProcessor.resolveArgument", "AbstractJacksonHttpMessageConverter.read",
      "tools.jackson.databind.deser", "ApiRequestConverter.readJson"]),
    ("async dispatch (Servlet async, second dispatch)",
     ["CoyoteAdapter.asyncDispatch", "AsyncContextImpl", "WebAsyncManager.start", "DeferredResult",
      "AsyncStateMachine", "CompletableFuture"]),
    ("Spring MVC (dispatch, arguments, return values)", ["org.springframework.web.servlet.", "QueryFlag.",
                                                          "org.springframework.web.method.",
                                                          "org.springframework.web.bind."]),
    ("filters (security, observation, others)", ["org.springframework.security.", "org.springframework.web.filter.",
                                                  "org.apache.catalina.core.ApplicationFilterChain"]),
    ("the server: HTTP parse, socket I/O (Jetty, or Tomcat)", ["org.eclipse.jetty.", "org.apache.coyote.",
                                                            "org.apache.tomcat.", "org.apache.catalina."]),
]


def frame_name(frame):
    m = frame["method"]
    return f"{m['type']['name']}.{m['name']}".replace("/", ".")


def jfr_samples(path):
    """(frames, top first; thread name; 1) per JFR execution sample."""
    for event in json.load(open(path))["recording"]["events"]:
        values = event["values"]
        frames = [frame_name(f) for f in (values.get("stackTrace") or {}).get("frames", [])]
        yield frames, (values.get("sampledThread") or {}).get("javaName") or "?", 1


def collapsed(path):
    """(frames, top first; thread name if recorded, else "?"; count) per line of async-profiler's collapsed stacks."""
    for line in open(path):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = [f.replace("/", ".") for f in stack.split(";")]
        thread = frames.pop(0)[1:].split(" tid=")[0] if frames and " tid=" in frames[0] else "?"
        yield frames[::-1], thread, int(count)


def main():
    args = sys.argv[1:]
    top = 25
    us_per_request = None
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--us-per-request" in args:
        i = args.index("--us-per-request")
        us_per_request = float(args[i + 1])
        del args[i:i + 2]
    buckets, selves, threads = Counter(), Counter(), Counter()
    for frames, thread, weight in (collapsed if args[0].endswith(".collapsed") else jfr_samples)(args[0]):
        threads["request threads" if "-exec-" in thread or "qtp" in thread else thread.rstrip("0123456789")] += weight
        if frames:
            selves[frames[0]] += weight
        bucket = next((name for name, patterns in BUCKETS if any(p in f for f in frames for p in patterns)), "other")
        buckets[bucket] += weight
    total = sum(buckets.values()) or 1
    print(f"{total} samples\n")
    header = "| what | samples | share |" + (" µs per request |" if us_per_request else "")
    print(header)
    print("|---|---|---|" + ("---|" if us_per_request else ""))
    for name, n in buckets.most_common():
        cost = f" {us_per_request * n / total:.1f} |" if us_per_request else ""
        print(f"| {name} | {n} | {100 * n / total:.1f}% |{cost}")
    print("\nthreads:", ", ".join(f"{t} {100 * n / total:.0f}%" for t, n in threads.most_common(8)))
    print(f"\ntop {top} self frames:")
    for name, n in selves.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
