"""A simulated Twilio for a bidirectional Media Stream, written from Twilio's Media Streams message reference,
over a real WebSocket (Debian's python3-websockets).

It connects to the app as Twilio does and sends ``connected``, ``start`` (``streamSid``, ``callSid``,
``customParameters``, ``mediaFormat`` audio/x-mulaw 8000 Hz mono) and the caller's ``media`` frames (20 ms,
``track`` inbound, ``chunk``, ``timestamp``), and ``stop`` at the end. What the app sends it buffers and plays
in real time, 20 ms μ-law frames (160 bytes); it returns each ``mark`` once the audio sent before it has
played; on ``clear`` it drops its buffer and returns the pending marks at once, in order.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

import websockets

FRAME_MS = 20
FRAME_BYTES = 160


class SimulatedTwilio:
    def __init__(self, url: str, hardware_id: str, *, stream_sid: str = "MZsimulated", inbound: bool = True) -> None:
        self.url = url
        self.hardware_id = hardware_id
        self.stream_sid = stream_sid
        self.inbound = inbound
        self.buffer: Deque[List[Any]] = deque()      # ["audio", bytearray] or ["mark", name]
        self.played = bytearray()                    # every byte played, in order
        self.marks_returned: List[Tuple[str, float, bool]] = []   # (name, monotonic, returned by a clear)
        self.clears: List[Tuple[float, int]] = []    # (monotonic when processed, bytes played by then)
        self.media_received: List[Tuple[float, int]] = []   # (monotonic, bytes) of the app's media messages
        self.messages: List[Dict[str, Any]] = []
        self.protocol_errors: List[Dict[str, Any]] = []
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: List[asyncio.Task] = []
        self.ws = None

    async def __aenter__(self) -> "SimulatedTwilio":
        self.ws = await websockets.connect(self.url)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send({"event": "start", "sequenceNumber": "1", "streamSid": self.stream_sid,
                          "start": {"accountSid": "ACsimulated", "streamSid": self.stream_sid,
                                    "callSid": "CAsimulated", "tracks": ["inbound"],
                                    "customParameters": {"hardwareId": self.hardware_id},
                                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                                    "channels": 1}}})
        self._tasks = [asyncio.ensure_future(self._receive()), asyncio.ensure_future(self._play())]
        if self.inbound:
            self._tasks.append(asyncio.ensure_future(self._caller()))
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Twilio's ``stop``, then the WebSocket closes."""
        if self.ws is not None and not self.closed.is_set():
            try:
                await self._send({"event": "stop", "streamSid": self.stream_sid,
                                  "stop": {"accountSid": "ACsimulated", "callSid": "CAsimulated"}})
                await self.ws.close()
            except websockets.ConnectionClosed:
                pass
        self.closed.set()
        for task in self._tasks:
            task.cancel()

    async def _send(self, message: Dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def _receive(self) -> None:
        try:
            async for text in self.ws:
                message = json.loads(text)
                self.messages.append(message)
                event = message.get("event")
                if message.get("streamSid") != self.stream_sid or event not in ("media", "mark", "clear"):
                    self.protocol_errors.append(message)   # not a message Twilio takes on this stream
                if event == "media":
                    audio = base64.b64decode(message["media"]["payload"])
                    self.media_received.append((time.monotonic(), len(audio)))
                    if self.buffer and self.buffer[-1][0] == "audio":
                        self.buffer[-1][1].extend(audio)
                    else:
                        self.buffer.append(["audio", bytearray(audio)])
                elif event == "mark":
                    self.buffer.append(["mark", message["mark"]["name"]])
                elif event == "clear":
                    self.clears.append((time.monotonic(), len(self.played)))
                    pending = [item[1] for item in self.buffer if item[0] == "mark"]
                    self.buffer.clear()
                    for name in pending:
                        await self._return_mark(name, cleared=True)
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def _return_mark(self, name: str, cleared: bool) -> None:
        self.marks_returned.append((name, time.monotonic(), cleared))
        await self._send({"event": "mark", "streamSid": self.stream_sid, "sequenceNumber": "0",
                          "mark": {"name": name}})

    async def _play(self) -> None:
        """Plays a 20 ms frame per tick, in real time; a mark goes back once the audio before it has played
        (at the tick after its last frame)."""
        tick = time.monotonic()
        while True:
            while self.buffer and self.buffer[0][0] == "mark":
                await self._return_mark(self.buffer.popleft()[1], cleared=False)
            need = FRAME_BYTES
            while need and self.buffer and self.buffer[0][0] == "audio":
                audio = self.buffer[0][1]
                take = audio[:need]
                del audio[:need]
                self.played.extend(take)
                need -= len(take)
                if not audio:
                    self.buffer.popleft()
                    if self.buffer and self.buffer[0][0] == "mark":
                        break   # the mark goes back once this frame has played
            self._changed.set()
            tick += FRAME_MS / 1000
            delay = tick - time.monotonic()
            if delay < -0.1:
                tick = time.monotonic()   # far behind on a loaded machine: play on from now
                delay = 0
            await asyncio.sleep(max(0.0, delay))

    async def _caller(self) -> None:
        """The caller's side: a 20 ms frame of silence, in real time."""
        chunk = 0
        started = time.monotonic()
        try:
            while True:
                chunk += 1
                await self._send({"event": "media", "streamSid": self.stream_sid, "sequenceNumber": str(chunk + 1),
                                  "media": {"track": "inbound", "chunk": str(chunk),
                                            "timestamp": str(int((time.monotonic() - started) * 1000)),
                                            "payload": base64.b64encode(b"\xff" * FRAME_BYTES).decode("ascii")}})
                await asyncio.sleep(FRAME_MS / 1000)
        except websockets.ConnectionClosed:
            pass

    # ---- for the tests ----------------------------------------------------------------------------

    @property
    def played_ms(self) -> int:
        return len(self.played) // 8

    async def wait_for(self, condition, timeout: float = 30.0, message: str = "condition") -> None:
        """Waits until ``condition()`` holds, woken by every message and every played frame."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{message} not met within {timeout}s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def media_after(self, moment: float) -> int:
        """Media messages the app sent that arrived after ``moment``."""
        return sum(1 for at, _ in self.media_received if at > moment)

    def buffered_bytes(self) -> int:
        return sum(len(item[1]) for item in self.buffer if item[0] == "audio")
