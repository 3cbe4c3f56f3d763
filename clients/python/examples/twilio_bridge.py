#!/usr/bin/env python3
"""A phone bot's audio bridge: accepts Twilio's bidirectional Media Stream at ``ws://HOST:PORT/media``, opens
a hub session for the device named in the ``start`` message's ``customParameters.hardwareId``, and speaks one
synthetic answer (10 s of μ-law 8 kHz, a word of text per 200 ms) through
:class:`interrupthub.edges.twilio.TwilioMediaStream`, as fast as the stream takes it. Interrupt the device
at the hub (``curl -X POST HUB/interrupt/DEVICE``, the console, another process) and the phone goes
silent, with a stop receipt of what was really heard.

    /usr/bin/python3 examples/twilio_bridge.py --hub http://127.0.0.1:8080 --port 8765

Needs Debian's ``python3-websockets`` (``apt-get install python3-websockets``) for the WebSocket server; the
``interrupthub`` package itself is standard library only. Twilio reaches it through a public ``wss://`` URL
in the call's TwiML ``<Connect><Stream url="wss://…/media"><Parameter name="hardwareId" value="…"/></Stream>``.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import sys
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import websockets  # noqa: E402  (Debian: python3-websockets)

from interrupthub.aio import AsyncInterruptHub  # noqa: E402
from interrupthub.edges.twilio import BYTES_PER_MS, TwilioMediaStream  # noqa: E402

LOG = logging.getLogger("twilio_bridge")
WORD_MS = 200
WORDS = ("the quick brown fox jumps over the lazy dog while the assistant keeps talking about the weather "
         "tomorrow and the day after").split()


def mulaw(sample: int) -> int:
    """One 16-bit linear sample as a G.711 μ-law byte."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def synthetic_answer(seconds: float = 10.0) -> List[Tuple[str, bytes]]:
    """The answer: a word of text per 200 ms, each a tone of its own pitch (μ-law, 8000 Hz, mono)."""
    answer = []
    samples = WORD_MS * BYTES_PER_MS
    for index in range(int(seconds * 1000 // WORD_MS)):
        pitch = 300 + 40 * (index % 12)
        audio = bytes(mulaw(int(6000 * math.sin(2 * math.pi * pitch * n / 8000))) for n in range(samples))
        answer.append((WORDS[index % len(WORDS)] + " ", audio))
    return answer


class Bridge:
    """One hub client for every call; each Media Stream gets its own edge and speaks the answer once."""

    def __init__(self, hub_url: str, api_key: Optional[str] = None, answer_seconds: float = 10.0,
                 max_lead_ms: Optional[int] = None) -> None:
        self.hub = AsyncInterruptHub(hub_url, api_key)
        self.answer = synthetic_answer(answer_seconds)
        self.max_lead_ms = max_lead_ms
        self.edges: List[TwilioMediaStream] = []

    async def handler(self, websocket, path: Optional[str] = None) -> None:
        if (path or getattr(websocket, "path", "")) != "/media":
            await websocket.close(code=1008, reason="the Media Stream is at /media")
            return
        edge = TwilioMediaStream(self.hub, send=websocket.send, max_lead_ms=self.max_lead_ms)
        self.edges.append(edge)
        reader = asyncio.ensure_future(edge.run(websocket))
        try:
            await edge.started(timeout=30)
            turn = await edge.start_turn()
            LOG.info("call %s: device %s, session %s", edge.stream_sid, edge.hardware_id, turn.session_id)
            for text, audio in self.answer:
                if not await turn.send(audio, text):
                    break   # interrupted (or the call ended): stop producing
            played = await turn.finish()
            LOG.info("call %s: turn over, heard %s (interrupted: %s)", edge.stream_sid, played, turn.interrupted)
            await reader   # until Twilio stops the stream or hangs up
        except websockets.ConnectionClosed:
            pass
        finally:
            reader.cancel()
            await edge.close()

    async def close(self) -> None:
        await self.hub.close()


async def serve(hub_url: str, port: int, host: str = "127.0.0.1", *, api_key: Optional[str] = None,
                answer_seconds: float = 10.0, max_lead_ms: Optional[int] = None):
    """Starts the bridge; returns ``(server, bridge)`` (``server.close()``, ``await bridge.close()`` to stop)."""
    bridge = Bridge(hub_url, api_key, answer_seconds, max_lead_ms)
    await asyncio.to_thread(bridge.hub.view.wait_live, 30)
    server = await websockets.serve(bridge.handler, host, port)
    return server, bridge


async def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hub", required=True, help="the hub's URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--port", type=int, required=True, help="the WebSocket port (the stream is at /media)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", default=os.environ.get("INTERRUPT_HUB_API_KEY"))
    parser.add_argument("--answer-seconds", type=float, default=10.0, help="length of the synthetic answer")
    parser.add_argument("--max-lead-ms", type=int, default=None,
                        help="how far ahead of playback to send (default: as fast as the stream takes it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server, bridge = await serve(args.hub, args.port, args.host, api_key=args.api_key,
                                 answer_seconds=args.answer_seconds, max_lead_ms=args.max_lead_ms)
    print(f"twilio bridge: ws://{args.host}:{args.port}/media -> hub {args.hub}", flush=True)
    try:
        await asyncio.Future()
    finally:
        server.close()
        await bridge.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
