#!/usr/bin/env python3
"""Where the CPU of a JFR recording went, without JMC: execution samples grouped by what they were doing.

    jfr print --json --stack-depth 512 --events jdk.ExecutionSample rec.jfr > samples.json
    python3 bench/jfr_stacks.py samples.json [--top N] [--us-per-request US]

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
    events = json.load(open(args[0]))["recording"]["events"]
    buckets, selves, threads = Counter(), Counter(), Counter()
    for event in events:
        values = event["values"]
        frames = [frame_name(f) for f in (values.get("stackTrace") or {}).get("frames", [])]
        thread = (values.get("sampledThread") or {}).get("javaName") or "?"
        threads["request threads" if "-exec-" in thread else thread.rstrip("0123456789")] += 1
        if frames:
            selves[frames[0]] += 1
        bucket = next((name for name, patterns in BUCKETS if any(p in f for f in frames for p in patterns)), "other")
        buckets[bucket] += 1
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
