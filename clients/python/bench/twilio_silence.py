#!/usr/bin/env python3
"""Barge-in to the phone's silence through the Twilio edge, against the hub's HTTP round trip in the same run.

Starts examples/twilio_bridge.py against a running hub, then for each call connects the simulated Twilio
(tests/twilio_sim.py: real WebSocket, 20 ms frames played in real time), lets the answer play 200 ms, and
interrupts the device over HTTP. Measured from just before the POST /interrupt: the phone's silence (the
simulated Twilio processed the clear and plays nothing more) and the POST's round trip; also the hub's own
timeToSilenceMs (interrupt start to the edge's stop receipt).

    /usr/bin/python3 clients/python/bench/twilio_silence.py --hub http://127.0.0.1:8080 --calls 200
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT = HERE.parent
sys.path[:0] = [str(CLIENT), str(CLIENT / "tests")]

from interrupthub import InterruptHub  # noqa: E402
from twilio_sim import SimulatedTwilio  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def one_call(port: int, hub: InterruptHub, device: str):
    async with SimulatedTwilio(f"ws://127.0.0.1:{port}/media", device) as phone:
        await phone.wait_for(lambda: phone.played_ms >= 200, message="the answer playing")
        started = time.monotonic()
        await asyncio.to_thread(hub.interrupt, device, "bench")
        round_trip = time.monotonic() - started
        await phone.wait_for(lambda: phone.clears, message="a clear")
        silence = phone.clears[0][0] - started
    deadline = time.monotonic() + 10
    hub_silence = None
    while time.monotonic() < deadline:
        entry = (await asyncio.to_thread(hub.history, device, 1))[0]
        if entry.get("silence") == "CONFIRMED":
            hub_silence = entry["timeToSilenceMs"] / 1000
            break
        await asyncio.sleep(0.01)
    return silence, round_trip, hub_silence


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", required=True)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bridge = subprocess.Popen([sys.executable, str(CLIENT / "examples" / "twilio_bridge.py"), "--hub", args.hub,
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        while f":{port}/media" not in bridge.stdout.readline():
            pass
        silences, round_trips, hub_silences = [], [], []
        with InterruptHub(args.hub, push=False) as hub:
            for call in range(args.calls):
                silence, round_trip, hub_silence = await one_call(port, hub, f"bench-phone-{call}")
                silences.append(silence * 1000)
                round_trips.append(round_trip * 1000)
                if hub_silence is not None:
                    hub_silences.append(hub_silence * 1000)
        print(f"calls: {args.calls}; confirmed by the hub: {len(hub_silences)}")
        for name, values in (("barge-in to the phone's silence", silences), ("POST /interrupt round trip", round_trips),
                             ("hub timeToSilenceMs", hub_silences)):
            print(f"{name}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms, "
                  f"max {max(values):.1f} ms, mean {statistics.mean(values):.1f} ms")
        print(f"load average: {os.getloadavg()[0]:.2f}")
    finally:
        bridge.terminate()
        bridge.wait(30)


if __name__ == "__main__":
    asyncio.run(main())
