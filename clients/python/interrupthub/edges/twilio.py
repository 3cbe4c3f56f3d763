"""The phone edge: a Twilio **bidirectional Media Stream** bound to hub sessions.

Twilio keeps playing the audio it buffered (often seconds of it) until the app sends ``clear``, and the
``mark`` messages it returns after a ``clear`` are for audio that was thrown away, not played. This adapter
puts the app's outbound audio through marks and the hub's session, so that:

- it marks at least every ``mark_ms`` (100 ms) of audio and, as marks come back in order, reports what was
  **played** to the hub (``POST /sessions/{id}/delivered``: text chars, audio ms);
- when the hub interrupts the session (pushed over the client's event stream, wherever the interrupt was
  made) it sends ``clear`` at once, drops every later chunk of the interrupted turn, counts the marks that
  come back after the ``clear`` as not played, and once Twilio has returned them (the buffer is gone: the
  phone is silent) sends the stop receipt (``POST /sessions/{id}/stopped``) with what really played, so the
  hub's ``timeToSilenceMs`` is the phone's;
- a tentative interrupt (a pause) clears the phone and holds the audio from the first unplayed mark; a resume
  sends it again from there (nothing lost, at most one mark's worth repeated); a confirmation drops it.

It is transport-agnostic and standard library only: the app's WebSocket handler (any framework) passes each
message Twilio sends to :meth:`TwilioMediaStream.handle` and gives the adapter a ``send(text)`` (sync or
async) that writes one text message to Twilio. Messages, per Twilio's Media Streams reference: from Twilio
``connected``, ``start`` (``streamSid``, ``start.customParameters``, ``start.mediaFormat``: audio/x-mulaw,
8000 Hz, mono), ``media`` (``media.payload`` base64, ``media.track``, ``chunk``, ``timestamp``), ``mark``
(``mark.name``), ``stop``; to Twilio ``{"event": "media", "streamSid", "media": {"payload"}}``,
``{"event": "mark", "streamSid", "mark": {"name"}}`` and ``{"event": "clear", "streamSid"}``.

Usage (inside the WebSocket handler; ``hub`` is an :class:`interrupthub.aio.AsyncInterruptHub`)::

    edge = TwilioMediaStream(hub, send=websocket.send)
    reader = asyncio.create_task(edge.run(websocket))        # or: await edge.handle(message) per message
    await edge.started()                                      # the "start" message: edge.hardware_id
    turn = await edge.start_turn()                            # opens a hub session: one answer
    for text, audio in tts_stream():                          # μ-law 8 kHz bytes with the text they speak
        if not await turn.send(audio, text):                  # False: interrupted, stop producing
            break
    await turn.finish()                                       # played to the end, or stopped and receipted
"""
from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Dict, List, Optional, Set, Union

from ..aio import AsyncInterruptHub, AsyncSession
from ..errors import Conflict, InterruptHubError, NotFound
from ..view import Event

LOG = logging.getLogger("interrupthub.edges.twilio")

#: μ-law at 8000 Hz, one byte a sample: 8 bytes a millisecond.
BYTES_PER_MS = 8
HARDWARE_ID_PARAMETER = "hardwareId"


@dataclass
class _Piece:
    """At most one mark's worth of audio, sent as one ``media`` message followed by one ``mark``."""
    audio: bytes
    chars: int                 # text chars completed when this piece has played (the chunk's, on its last piece)
    mark: Optional[str] = None

    @property
    def ms(self) -> int:
        return len(self.audio) // BYTES_PER_MS


@dataclass
class Played:
    """What the caller has heard of a turn: text chars and audio milliseconds."""
    text_chars: int = 0
    audio_ms: int = 0


class Turn:
    """One answer spoken on the call, bound to one hub session. Produce with :meth:`send`, end with
    :meth:`finish`; ``played`` is what the caller heard, ``interrupted`` / ``paused`` follow the hub."""

    def __init__(self, edge: "TwilioMediaStream", session: AsyncSession, number: int) -> None:
        self.edge = edge
        self.session = session
        self.number = number
        self.played = Played()
        self.sent = Played()
        self.interrupted = False
        self.paused = False
        self.finished = False
        self.dropped_chunks = 0
        self.interrupt_seen_at: Optional[float] = None   # time.monotonic() the interrupt reached the edge
        self.clear_sent_at: Optional[float] = None       # ... and the clear was written
        self.silent_at: Optional[float] = None           # ... and Twilio had returned every mark (buffer gone)
        self.receipt: Optional[Dict[str, Any]] = None    # the hub's answer to the stop receipt
        self.cleared_marks: List[str] = []               # marks counted as thrown away by a clear
        self._unplayed: Deque[_Piece] = deque()          # sent, mark not back yet
        self._held: List[_Piece] = []                    # not sent (paused), or to send again on resume
        self._cleared: Set[str] = set()                  # marks that come back after a clear: not played
        self._reported = Played()
        self._report_lock = asyncio.Lock()
        self._report_task: Optional[asyncio.Task] = None
        self._settled = asyncio.Event()                  # nothing unplayed or cleared-and-not-returned
        self._settled.set()
        self._clears_pending = 0
        self._done = asyncio.Event()

    @property
    def session_id(self) -> str:
        return self.session.session_id

    async def send(self, audio: bytes, text: str = "") -> bool:
        """Sends μ-law audio carrying ``text`` (split into pieces of at most one mark's worth, a mark after
        each). ``False`` once the turn is interrupted or the call ended: the chunk is dropped, stop producing.
        While paused the chunk is held and sent on resume."""
        if self.interrupted or self.finished or self.edge.closed:
            self.dropped_chunks += 1
            return False
        step = self.edge.mark_ms * BYTES_PER_MS
        pieces = [_Piece(audio[i:i + step], 0) for i in range(0, len(audio), step)] or [_Piece(b"", 0)]
        pieces[-1].chars = len(text)
        for piece in pieces:
            if self.edge.max_lead_ms is not None:
                await self._wait_lead(self.edge.max_lead_ms)
            if not await self.edge._send_piece(self, piece):
                self.dropped_chunks += 1
                return False
        return True

    @property
    def buffered_ms(self) -> int:
        """Audio sent to Twilio whose mark has not come back: what the phone still has to play."""
        return sum(piece.ms for piece in self._unplayed)

    async def _wait_lead(self, lead_ms: int) -> None:
        changed = self.edge._changed
        while (self.buffered_ms > lead_ms and not self.interrupted and not self.finished and not self.paused
               and not self.edge.closed):
            changed.clear()
            await changed.wait()

    async def finish(self, timeout: Optional[float] = None) -> Played:
        """Waits until the turn has played to its end (every mark back), then sends the stop receipt with
        the final offsets and ends the session; or, when it was interrupted, until its receipt was sent.
        Returns what was played."""
        if not self.interrupted and not self.finished:
            await asyncio.wait_for(self._wait_played_out(), timeout)
            if not self.interrupted and not self.finished:
                self.finished = True
                await self.edge._receipt(self)
                self.edge._end_turn(self)
        await asyncio.wait_for(self._done.wait(), timeout)
        return self.played

    async def _wait_played_out(self) -> None:
        changed = self.edge._changed
        while not self.interrupted and not self.finished and not self.edge.closed:
            if not self._unplayed and not self._held and not self.paused and self._settled.is_set():
                return
            changed.clear()
            await changed.wait()

    async def wait_done(self, timeout: Optional[float] = None) -> None:
        """Waits until the turn is over (finished, or interrupted and its stop receipt sent)."""
        await asyncio.wait_for(self._done.wait(), timeout)

    def __repr__(self) -> str:
        return (f"Turn({self.number}, session={self.session_id!r}, played={self.played}, "
                f"interrupted={self.interrupted}, paused={self.paused})")


class TwilioMediaStream:
    """One Twilio Media Stream (one call), bound to the hub. See the module's documentation.

    ``send``: writes one text message to Twilio (sync or async). ``hardware_id``: the device when the
    ``start`` message does not name it in ``customParameters.hardwareId``. ``mark_ms``: audio between
    marks (at most; 100). ``on_media``: called with each inbound (caller) audio payload, decoded, for the
    app's voice activity detection. ``report_delivered``: report what was played as marks come back.
    ``max_lead_ms``: how far ahead of the phone's playback :meth:`Turn.send` may run (``None``: as fast as
    the stream takes it; a bound keeps less audio to clear and lets the producer stop earlier).
    ``clear_timeout``: how long to wait for Twilio to return the cleared marks before giving up the receipt.
    """

    def __init__(self, hub: AsyncInterruptHub, send: Callable[[str], Union[None, Awaitable[None]]], *,
                 hardware_id: Optional[str] = None, mark_ms: int = 100,
                 on_media: Optional[Callable[[bytes, Dict[str, Any]], Any]] = None,
                 report_delivered: bool = True, max_lead_ms: Optional[int] = None,
                 clear_timeout: float = 5.0) -> None:
        if mark_ms <= 0:
            raise ValueError("mark_ms must be positive")
        self.hub = hub
        self._send_text = send
        self.hardware_id = hardware_id
        self.mark_ms = mark_ms
        self.on_media = on_media
        self.report_delivered = report_delivered
        self.clear_timeout = clear_timeout
        self.max_lead_ms = max_lead_ms
        self.stream_sid: Optional[str] = None
        self.call_sid: Optional[str] = None
        self.custom_parameters: Dict[str, Any] = {}
        self.media_format: Dict[str, Any] = {}
        self.closed = False
        self.turn: Optional[Turn] = None
        self.turns: List[Turn] = []
        self.clears_sent = 0
        self.inbound_frames = 0
        self._loop = asyncio.get_running_loop()
        self._out = asyncio.Lock()          # one writer: nothing of an interrupted turn after its clear
        self._marks = 0
        self._started = asyncio.Event()
        self._changed = asyncio.Event()     # set whenever marks come back or a turn changes
        self._by_mark: Dict[str, Turn] = {}
        self._tasks: Set[asyncio.Task] = set()
        hub.view.add_listener(self._from_stream)

    # ---- messages from Twilio ------------------------------------------------------------------

    async def run(self, messages: AsyncIterator[Union[str, bytes, Dict[str, Any]]]) -> None:
        """Handles every message of an async iterator (a WebSocket connection), then :meth:`close`."""
        try:
            async for message in messages:
                await self.handle(message)
        finally:
            await self.close()

    async def handle(self, message: Union[str, bytes, Dict[str, Any]]) -> None:
        """Handles one message from Twilio (its JSON text, or the parsed object)."""
        data = json.loads(message) if isinstance(message, (str, bytes)) else message
        event = data.get("event")
        if event == "media":
            self.inbound_frames += 1
            if self.on_media is not None:
                media = data.get("media") or {}
                result = self.on_media(base64.b64decode(media.get("payload") or ""), media)
                if inspect.isawaitable(result):
                    await result
        elif event == "mark":
            self._mark_returned(str((data.get("mark") or {}).get("name")))
        elif event == "start":
            start = data.get("start") or {}
            self.stream_sid = data.get("streamSid") or start.get("streamSid")
            self.call_sid = start.get("callSid")
            self.custom_parameters = dict(start.get("customParameters") or {})
            self.media_format = dict(start.get("mediaFormat") or {})
            encoding = self.media_format.get("encoding")
            if encoding and encoding != "audio/x-mulaw":
                LOG.warning("stream %s: media format %s, this edge sends audio/x-mulaw 8000 Hz", self.stream_sid,
                            encoding)
            self.hardware_id = self.custom_parameters.get(HARDWARE_ID_PARAMETER) or self.hardware_id
            self._started.set()
        elif event == "stop":
            await self.close()
        # "connected" and anything else (dtmf) need nothing here

    async def started(self, timeout: Optional[float] = None) -> None:
        """Waits for Twilio's ``start`` message (``stream_sid``, ``hardware_id`` are set then)."""
        await asyncio.wait_for(self._started.wait(), timeout)

    # ---- turns ---------------------------------------------------------------------------------

    async def start_turn(self, *, epoch: Optional[int] = None, session_id: Optional[str] = None) -> Turn:
        """Opens a hub session for the call's device (a new turn) and makes it the one audio goes out for.
        ``epoch``: the epoch the answer was planned at (a session planned before an interrupt is born
        interrupted, and its audio never goes out)."""
        await self.started()
        if not self.hardware_id:
            raise ValueError("no device: the start message has no customParameters.hardwareId and none was given")
        session = await self.hub.open_session(self.hardware_id, session_id, epoch=epoch, keepalive=True)
        turn = Turn(self, session, len(self.turns) + 1)
        previous = self.turn
        if previous is not None and not previous.interrupted and not previous.finished:
            previous.finished = True   # a new turn replaces it: its audio is stopped by the hub's new turn
            self._end_turn(previous)
        self.turn = turn
        self.turns.append(turn)
        state = await session.state()
        if state in ("INTERRUPTED", "GONE"):
            self._interrupted(turn)
        elif state == "PAUSED":
            self._pause(turn)
        return turn

    # ---- the hub's signals (the event stream's thread -> the loop) ------------------------------

    def _from_stream(self, event: Event) -> None:
        if event.name not in ("interrupt", "pause", "resume", "session"):
            return
        try:
            self._loop.call_soon_threadsafe(self._on_hub_event, event)
        except RuntimeError:
            self.hub.view.remove_listener(self._from_stream)   # the loop is closed

    def _on_hub_event(self, event: Event) -> None:
        turn = self.turn
        if turn is None or turn.finished and not turn.interrupted:
            return
        data = event.data
        ids = data.get("sessionIds") or ()
        if event.name == "session":
            if data.get("sessionId") != turn.session_id:
                return
            state = data.get("state")
            if state in ("INTERRUPTED", "EXPIRED"):
                self._interrupted(turn)
            elif state == "PAUSED":
                self._pause(turn)
            elif state == "ACTIVE" and turn.paused:
                self._resume(turn)
        elif turn.session_id in ids:
            if event.name == "interrupt":
                self._interrupted(turn)
            elif event.name == "pause":
                self._pause(turn)
            elif event.name == "resume":
                self._resume(turn)

    def _interrupted(self, turn: Turn) -> None:
        """The hub interrupted the turn: clear the phone now, drop what is held and what comes later, and
        send the stop receipt once Twilio has given the buffer back."""
        if turn.interrupted:
            return
        turn.interrupted = True
        turn.interrupt_seen_at = time.monotonic()
        turn._held.clear()
        self._clear(turn)
        self._spawn(self._receipt_when_silent(turn))

    def _pause(self, turn: Turn) -> None:
        """A tentative interrupt: clear the phone, hold everything from the first unplayed mark."""
        if turn.paused or turn.interrupted or turn.finished:
            return
        turn.paused = True
        self._clear(turn, hold=True)

    def _resume(self, turn: Turn) -> None:
        """A resume: send what was held, from the first unplayed mark, then go on."""
        if not turn.paused or turn.interrupted:
            return
        turn.paused = False
        self._spawn(self._send_piece(turn, None))

    def _clear(self, turn: Turn, hold: bool = False) -> None:
        """Writes ``clear`` as soon as the writer is free (the turn sends no media meanwhile)."""
        turn._settled.clear()
        turn._clears_pending += 1
        self._spawn(self._send_clear(turn, hold))
        self._notify()

    async def _send_clear(self, turn: Turn, hold: bool) -> None:
        async with self._out:
            # Marks that came back until now were sent by Twilio before it could see this clear: played.
            # Everything still unplayed is thrown away by it (held from the first unplayed mark on a pause).
            if hold and not turn.interrupted:
                turn._held[:0] = [_Piece(p.audio, p.chars) for p in turn._unplayed]
            for piece in turn._unplayed:
                if piece.mark is not None:
                    turn._cleared.add(piece.mark)
                    turn.cleared_marks.append(piece.mark)
            turn._unplayed.clear()
            turn._clears_pending -= 1
            if not turn._cleared and not turn._clears_pending:
                turn._settled.set()
            if self.closed or self.stream_sid is None:
                return
            await self._write({"event": "clear", "streamSid": self.stream_sid})
            self.clears_sent += 1
            turn.clear_sent_at = time.monotonic()

    async def _receipt_when_silent(self, turn: Turn) -> None:
        try:
            await asyncio.wait_for(turn._settled.wait(), self.clear_timeout)
        except asyncio.TimeoutError:
            if not self.closed:
                LOG.warning("stream %s: Twilio returned no marks within %.1fs of the clear; no stop receipt for %s",
                            self.stream_sid, self.clear_timeout, turn.session_id)
                turn._done.set()
                return
        turn.silent_at = time.monotonic()
        await self._receipt(turn)
        self._end_turn(turn, end_session=False)

    # ---- outbound ------------------------------------------------------------------------------

    async def _send_piece(self, turn: Turn, piece: Optional[_Piece]) -> bool:
        """Queues a piece behind what the turn holds and, unless paused, writes the queue in order, a mark
        after each piece (``None``: only write the queue, after a resume). ``False`` when the turn may send
        nothing any more (interrupted, finished, replaced, or the call is gone)."""
        async with self._out:
            if turn.interrupted or turn.finished or self.closed or turn is not self.turn:
                return False
            if piece is not None:
                turn._held.append(piece)
            while turn._held and not turn.paused and not turn.interrupted and not self.closed:
                piece = turn._held.pop(0)
                self._marks += 1
                piece.mark = f"t{turn.number}-{self._marks}"
                turn._unplayed.append(piece)
                self._by_mark[piece.mark] = turn
                turn.sent.audio_ms += piece.ms
                turn.sent.text_chars += piece.chars
                if piece.audio:
                    await self._write({"event": "media", "streamSid": self.stream_sid,
                                       "media": {"payload": base64.b64encode(piece.audio).decode("ascii")}})
                await self._write({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": piece.mark}})
        return not (turn.interrupted or self.closed)

    async def _write(self, message: Dict[str, Any]) -> None:
        result = self._send_text(json.dumps(message, separators=(",", ":")))
        if inspect.isawaitable(result):
            await result

    def _mark_returned(self, name: str) -> None:
        turn = self._by_mark.pop(name, None)
        if turn is None:
            return
        if name in turn._cleared:
            turn._cleared.discard(name)          # thrown away by a clear: not played
        else:
            # Marks come back in order: this one and any earlier still pending have played.
            while turn._unplayed:
                piece = turn._unplayed.popleft()
                turn.played.audio_ms += piece.ms
                turn.played.text_chars += piece.chars
                if piece.mark == name:
                    break
            if self.report_delivered and not turn.interrupted:
                self._report(turn)
        if not turn._cleared and not turn._clears_pending:
            turn._settled.set()   # every mark thrown away by a clear is back: Twilio's buffer is gone
        self._notify()

    # ---- reports to the hub --------------------------------------------------------------------

    def _report(self, turn: Turn) -> None:
        if turn._report_task is None or turn._report_task.done():
            turn._report_task = self._spawn(self._report_played(turn))

    async def _report_played(self, turn: Turn) -> None:
        """``delivered`` with what was played, one call in flight, always the latest figures."""
        async with turn._report_lock:
            while (turn.played.text_chars, turn.played.audio_ms) != (turn._reported.text_chars,
                                                                     turn._reported.audio_ms):
                played = Played(turn.played.text_chars, turn.played.audio_ms)
                try:
                    await turn.session.delivered(played.text_chars, played.audio_ms)
                except (Conflict, NotFound):
                    return   # stopped or gone: nothing more to report
                except InterruptHubError as e:
                    LOG.debug("delivered of %s failed: %s", turn.session_id, e)
                    return
                turn._reported = played

    async def _receipt(self, turn: Turn) -> None:
        """The stop receipt with what really played (``delivered`` first when the hub has less)."""
        played = Played(turn.played.text_chars, turn.played.audio_ms)
        async with turn._report_lock:
            try:
                if (played.text_chars, played.audio_ms) != (turn._reported.text_chars, turn._reported.audio_ms):
                    await turn.session.delivered(played.text_chars, played.audio_ms)
                    turn._reported = played
                turn.receipt = await turn.session.stopped(played.text_chars, played.audio_ms)
            except InterruptHubError as e:
                LOG.warning("stop receipt of %s failed: %s", turn.session_id, e)

    def _end_turn(self, turn: Turn, end_session: bool = True) -> None:
        if end_session:
            self._spawn(self._end_session(turn))
        else:
            turn._done.set()
        self._notify()

    async def _end_session(self, turn: Turn) -> None:
        try:
            await turn.session.end()
        except InterruptHubError as e:
            LOG.debug("end of %s failed: %s", turn.session_id, e)
        finally:
            turn._done.set()

    # ---- lifecycle -----------------------------------------------------------------------------

    async def close(self) -> None:
        """The call ended (Twilio's ``stop``, or the WebSocket closed): the phone is silent. An interrupted
        turn still waiting for its marks gets its receipt now; an active one is stopped with what played."""
        if self.closed:
            return
        self.closed = True
        self.hub.view.remove_listener(self._from_stream)
        turn = self.turn
        if turn is not None:
            if turn.interrupted:
                turn._cleared.clear()
                turn._settled.set()
            elif not turn.finished:
                turn.finished = True
                await self._receipt(turn)
                self._end_turn(turn)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


__all__ = ["TwilioMediaStream", "Turn", "Played", "BYTES_PER_MS"]
