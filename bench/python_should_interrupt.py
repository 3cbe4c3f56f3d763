#!/usr/bin/env python3
"""should_interrupt from the Python client's pushed view, against a dict lookup and against the seed's
poll (GET /interrupt/{id} per check), all in one run against a running hub.

    python3 bench/python_should_interrupt.py --url http://127.0.0.1:8080

Prints a Markdown table for docs/BENCHMARKS.md. Figures are per check, median of rounds; only the ratios
mean something on a shared machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients", "python"))
from interrupthub import InterruptHub, InterruptManager  # noqa: E402


def per_call_ns(fn, n: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("INTERRUPT_HUB_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--checks", type=int, default=200_000)
    parser.add_argument("--polls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    device = "bench-python-device"
    manager = InterruptManager(url=args.url)
    assert manager.hub.view.wait_live(15), "the hub's event stream did not connect"
    manager.hub.interrupt(device)                       # a set flag, so every path answers True
    while not manager.should_interrupt(device):
        time.sleep(0.001)
    flags = {device: True}
    poll = InterruptHub(args.url, push=False)           # keep-alive connection, the seed's poll per check

    def poll_check() -> bool:
        return poll.flag_status(device)["interrupted"]

    results = [
        ("dict lookup (`flags.get(id, False)`)", per_call_ns(lambda: flags.get(device, False), args.checks, args.rounds)),
        ("`InterruptManager.should_interrupt(id)` (pushed view)",
         per_call_ns(lambda: manager.should_interrupt(device), args.checks, args.rounds)),
        ("`InterruptHub.flag(id)` (pushed view)", per_call_ns(lambda: manager.hub.flag(device), args.checks, args.rounds)),
        ("the seed's poll, `GET /interrupt/{id}` per check (keep-alive)", per_call_ns(poll_check, args.polls, args.rounds)),
    ]
    checks = manager.hub.view.http_checks
    base = results[0][1]
    print(f"python {sys.version.split()[0]}, {args.checks} checks x {args.rounds} rounds "
          f"({args.polls} polls), HTTP checks made by the pushed view during the run: {checks}\n")
    print("| per check | median | vs dict lookup |")
    print("|---|---|---|")
    for name, ns in results:
        shown = f"{ns / 1000:.1f} µs" if ns >= 1000 else f"{ns:.0f} ns"
        print(f"| {name} | {shown} | {ns / base:.1f}× |")
    poll.close()
    manager.hub.close()


if __name__ == "__main__":
    main()
