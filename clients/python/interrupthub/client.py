"""The native client: :class:`InterruptHub`, its session handles and event watches."""
from __future__ import annotations

import heapq
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._http import Endpoint, Transport, path_segment
from .errors import NotFound, InterruptHubError
from .view import Event, PushedView

LOG = logging.getLogger("interrupthub")

URL_VARIABLE = "INTERRUPT_HUB_URL"
API_KEY_VARIABLE = "INTERRUPT_HUB_API_KEY"
TIMEOUT_VARIABLE = "INTERRUPT_HUB_TIMEOUT"
DEFAULT_URL = "http://localhost:8080"


def resolve_url(url: Optional[str]) -> str:
    """The hub URL: the argument, else ``INTERRUPT_HUB_URL``, else ``http://localhost:8080``."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def resolve_timeout(timeout: Optional[float]) -> float:
    """The call timeout in seconds: the argument, else ``INTERRUPT_HUB_TIMEOUT``, else 5."""
    if timeout is not None:
        return float(timeout)
    text = os.environ.get(TIMEOUT_VARIABLE)
    if text:
        value = float(text)
        if value <= 0:
            raise ValueError(f"{TIMEOUT_VARIABLE}: {text!r} must be a positive number of seconds")
        return value
    return 5.0


def resolve_api_key(api_key: Optional[str]) -> Optional[str]:
    """The API key: the argument, else ``INTERRUPT_HUB_API_KEY``, else none."""
    return api_key or os.environ.get(API_KEY_VARIABLE) or None


@dataclass(frozen=True)
class SpeechDecision:
    """What the hub decided about one report of speech (:meth:`InterruptHub.report_speech`), and did.

    ``decision`` is ``IGNORED``, ``PAUSED``, ``INTERRUPTED`` or ``RESUMED``; ``rule`` the rule that decided
    (``keyword``, ``backchannel``, ``empty``, ``min-words``, ``final-words``, ``few-words``, ``sound``,
    ``too-short``, ``idle``, ``same-utterance``, ``pause-decided``); ``policy`` the speech policy's name;
    ``epoch`` the device's epoch after it (the interrupt's when it interrupted); ``pause`` the pause a
    ``PAUSED`` decision opened or found, or the one a ``RESUMED`` decision ended (``None`` otherwise);
    ``already_paused`` a ``PAUSED`` decision that found the device paused already (nothing new happened).
    ``raw`` is the hub's answer as sent."""

    hardware_id: str
    decision: str
    rule: str
    policy: str
    epoch: int
    pause: Optional[Dict[str, Any]] = None
    already_paused: bool = False
    words: int = 0
    speech_ms: int = 0
    final: bool = False
    at: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Dict[str, Any]) -> "SpeechDecision":
        return cls(hardware_id=body.get("hardwareId", ""), decision=body.get("decision", ""),
                   rule=body.get("rule", ""), policy=body.get("policy", ""), epoch=int(body.get("epoch") or 0),
                   pause=body.get("pause"), already_paused=bool(body.get("alreadyPaused", False)),
                   words=int(body.get("words") or 0), speech_ms=int(body.get("speechMs") or 0),
                   final=bool(body.get("final", False)), at=body.get("at"), raw=body)

    @property
    def ignored(self) -> bool:
        """Nothing happened: the sound was no interruption (or the device was not speaking)."""
        return self.decision == "IGNORED"

    @property
    def paused(self) -> bool:
        """The device is held (a tentative interrupt): keep the output, stop sending it, until the words decide."""
        return self.decision == "PAUSED"

    @property
    def interrupted(self) -> bool:
        """The device is interrupted: stop the output; the next turn starts at ``epoch``."""
        return self.decision == "INTERRUPTED"

    @property
    def resumed(self) -> bool:
        """The pause this speech opened ended without an interrupt: play on from where the output was held."""
        return self.decision == "RESUMED"


class Session:
    """A session opened on the hub: one turn of a device's output. Hold it in the streaming loop and
    check :meth:`is_interrupted` on every iteration; the answer is pushed, not polled."""

    def __init__(self, hub: "InterruptHub", body: Dict[str, Any]) -> None:
        self._hub = hub
        self.info: Dict[str, Any] = body
        self.session_id: str = body["sessionId"]
        self.hardware_id: str = body["hardwareId"]
        self.epoch: int = int(body.get("epoch", 0))
        self._ended = False

    @property
    def state(self) -> str:
        """``ACTIVE``, ``PAUSED``, ``INTERRUPTED``, ``ENDED``, ``EXPIRED``, or ``GONE`` (the hub no longer knows it)."""
        return self._hub._view.session_state(self.session_id) or self.info.get("state", "GONE")

    def is_interrupted(self) -> bool:
        """Whether the hub interrupted this session (or no longer knows it: output must stop either way).

        A memory read while the event stream is live; while it is down, ``GET /sessions/{id}`` at most once
        per the hub's check interval.
        """
        return self.state in ("INTERRUPTED", "GONE")

    def is_paused(self) -> bool:
        """Whether a tentative interrupt holds this session: keep the output, stop sending it, and wait until
        it resumes (``is_paused()`` turns false) or is interrupted. Not :meth:`is_interrupted`."""
        return self.state == "PAUSED"

    def heartbeat(self) -> Dict[str, Any]:
        """``POST /sessions/{id}/heartbeat``: keeps the session alive; returns it with its new ``expiresAt``."""
        self.info = self._hub._call("POST", f"/sessions/{path_segment(self.session_id)}/heartbeat", idempotent=True)
        return self.info

    def delivered(self, text_chars: int = 0, audio_ms: int = 0) -> Dict[str, Any]:
        """``POST /sessions/{id}/delivered``: how much output reached the user so far (offsets only grow)."""
        self.info = self._hub._call("POST", f"/sessions/{path_segment(self.session_id)}/delivered",
                                    body={"textChars": text_chars, "audioMs": audio_ms}, idempotent=True)
        return self.info

    def stopped(self, text_chars: Optional[int] = None, audio_ms: Optional[int] = None) -> Dict[str, Any]:
        """``POST /sessions/{id}/stopped``: the stop receipt of a playback edge, the output is really silent
        now. The offsets, when given, are what was really heard: final, at most what :meth:`delivered`
        reported. Idempotent (a repeat with other offsets is a :class:`Conflict`)."""
        body = {k: v for k, v in (("textChars", text_chars), ("audioMs", audio_ms)) if v is not None}
        self.info = self._hub._call("POST", f"/sessions/{path_segment(self.session_id)}/stopped",
                                    body=body, idempotent=True)
        return self.info

    def commit(self, action: str) -> Dict[str, Any]:
        """``POST /sessions/{id}/commit``: a side effect passes the point of no return while the turn is on.
        Returns the commit; raises :class:`Conflict` once an interrupt reached the session (do not run it)."""
        return self._hub._call("POST", f"/sessions/{path_segment(self.session_id)}/commit",
                               body={"action": action}, idempotent=True)

    def end(self) -> bool:
        """``DELETE /sessions/{id}``: ends the session. ``False`` when the hub had already removed it
        (an interrupted session is removed after ``SESSION_CLEANUP_DELAY``)."""
        if self._ended:
            return False
        self._ended = True
        self._hub._keepalive.remove(self.session_id)
        try:
            self._hub._call("DELETE", f"/sessions/{path_segment(self.session_id)}")
            return True
        except NotFound:
            return False
        finally:
            self._hub._view.untrack_session(self.session_id)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.end()
        except InterruptHubError as e:
            LOG.warning("session %s could not be ended: %s", self.session_id, e)

    def __repr__(self) -> str:
        return f"Session({self.session_id!r}, hardware_id={self.hardware_id!r}, epoch={self.epoch})"


class Watch:
    """Events of the client's stream, of one device or all, as an iterator (also a context manager).

    Holds at most ``max_pending`` events; a reader further behind loses them and gets one ``gap`` event
    in their place (then re-read the state it needs).
    """

    def __init__(self, view: PushedView, hardware_id: Optional[str], max_pending: int = 1024) -> None:
        self._view = view
        self._hardware_id = hardware_id
        self._queue: "queue.Queue[Optional[Event]]" = queue.Queue(maxsize=max_pending)
        self._closed = False
        view.add_listener(self._offer)

    def _offer(self, event: Event) -> None:
        if self._hardware_id is not None and event.hardware_id not in (None, self._hardware_id):
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            dropped = 0
            while True:
                try:
                    self._queue.get_nowait()
                    dropped += 1
                except queue.Empty:
                    break
            self._queue.put_nowait(Event("gap", {"dropped": dropped + 1, "local": True}))

    def next(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event; ``None`` after ``timeout`` seconds without one or once closed."""
        if self._closed:
            return None  # events still buffered when it was closed are dropped with it
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def __iter__(self) -> "Watch":
        return self

    def __next__(self) -> Event:
        event = self.next()
        if event is None:
            raise StopIteration
        return event

    def close(self) -> None:
        """Stops the watch; an iteration in progress ends."""
        if not self._closed:
            self._closed = True
            self._view.remove_listener(self._offer)
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _KeepAlive:
    """Heartbeats the sessions opened with ``keepalive=True`` from one daemon thread, at a third of the
    session timeout the hub reports, until they end or are interrupted."""

    def __init__(self, hub: "InterruptHub") -> None:
        self._hub = hub
        self._due: List[Any] = []       # heap of (when, session id)
        self._sessions: Dict[str, Session] = {}
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._closed = False

    def add(self, session: Session) -> None:
        with self._cond:
            self._sessions[session.session_id] = session
            heapq.heappush(self._due, (time.monotonic() + self._interval(session.info), session.session_id))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="interrupthub-heartbeat", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, session_id: str) -> None:
        with self._cond:
            self._sessions.pop(session_id, None)

    @staticmethod
    def _interval(info: Dict[str, Any]) -> float:
        from .view import parse_instant
        last, expires = parse_instant(info.get("lastHeartbeatAt")), parse_instant(info.get("expiresAt"))
        if last is None or expires is None or expires <= last:
            return 30.0
        return max(0.05, (expires - last) / 3)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._due or self._due[0][0] > time.monotonic()):
                    self._cond.wait(None if not self._due else self._due[0][0] - time.monotonic())
                if self._closed:
                    return
                _, sid = heapq.heappop(self._due)
                session = self._sessions.get(sid)
            if session is None:
                continue
            if session.is_interrupted():
                self.remove(sid)
                continue
            try:
                session.heartbeat()
            except NotFound:
                self.remove(sid)
                continue
            except InterruptHubError as e:
                LOG.debug("heartbeat of %s failed: %s", sid, e)
            with self._cond:
                if sid in self._sessions:
                    heapq.heappush(self._due, (time.monotonic() + self._interval(session.info), sid))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._sessions.clear()
            self._cond.notify_all()


class InterruptHub:
    """A client of one Interrupt Hub: interrupts, flags, sessions, statistics and events.

    One event stream per client keeps a pushed view of device flags and of the sessions this client
    opened, so :meth:`flag` and :meth:`Session.is_interrupted` are memory reads. ``url`` and ``api_key``
    default to ``INTERRUPT_HUB_URL`` / ``INTERRUPT_HUB_API_KEY``; the key goes with every request, the
    stream included. ``timeout`` bounds every call (seconds; default ``INTERRUPT_HUB_TIMEOUT``, else 5). ``push=False`` opens no stream: every
    check is then an HTTP call.

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: Optional[float] = None,
                 push: bool = True, flag_ttl: float = 5.0, reconnect_max: float = 2.0,
                 read_timeout: float = 45.0, max_devices: int = 10000) -> None:
        self._endpoint = Endpoint(resolve_url(url), resolve_api_key(api_key), resolve_timeout(timeout))
        self._transport = Transport(self._endpoint)
        self._view = PushedView(self._endpoint, self._transport, flag_ttl=flag_ttl, reconnect_max=reconnect_max,
                                read_timeout=read_timeout, max_devices=max_devices)
        self._keepalive = _KeepAlive(self)
        if push:
            self._view.start()

    @property
    def url(self) -> str:
        return self._endpoint.url

    @property
    def view(self) -> PushedView:
        """The pushed view (connection state, counters of reconnects, gaps and HTTP fallback checks)."""
        return self._view

    def _call(self, method: str, path: str, *, body: Any = None, query: Optional[Dict[str, Any]] = None,
              idempotent: Optional[bool] = None) -> Any:
        return self._transport.request(method, path, body=body, query=query, idempotent=idempotent)[1]

    def connection_stats(self) -> Dict[str, int]:
        """The HTTP connections of this client: ``opened``, ``staleReplaced`` (kept-alive connections found
        closed by the hub or something in between, such as a proxy's idle timeout, and replaced before a
        request was sent on them), ``idleReplaced`` (replaced after 5 s unused) and ``resent`` (requests sent again on a new connection because the reused
        one failed before the request was whole, or before an answer to an idempotent request)."""
        return self._transport.stats()

    # ---- interrupts and flags ------------------------------------------------------------------

    def interrupt(self, hardware_id: str, reason: Optional[str] = None, *, source: Optional[str] = None,
                  wait: bool = True) -> Dict[str, Any]:
        """``POST /interrupt/{id}``: interrupts the device everywhere. Returns the hub's result
        (``hardwareId``, ``epoch``, ``success``, ``sessionsInterrupted``, ``modules``, ``durationMs`` ...);
        with ``wait=False`` only ``{hardwareId, epoch}``, without waiting for the modules."""
        body = {k: v for k, v in (("reason", reason), ("source", source)) if v is not None}
        return self._call("POST", "/interrupt/" + path_segment(hardware_id), body=body,
                          query=None if wait else {"wait": "false"})

    def pause(self, hardware_id: str, reason: Optional[str] = None, *, source: Optional[str] = None) -> Dict[str, Any]:
        """A tentative interrupt (``POST /interrupt/{id}`` with ``"tentative": true``): the device's sessions are
        held (``PAUSED``), not interrupted, until :meth:`resume`, a real :meth:`interrupt`, or the end of the hub's
        resume window. Returns the pause (``epoch``, ``sessionIds``, ``pausedAt``, ``resumeBy``, and
        ``alreadyPaused`` when an earlier pause still holds)."""
        body: Dict[str, Any] = {k: v for k, v in (("reason", reason), ("source", source)) if v is not None}
        body["tentative"] = True
        # A second tentative interrupt during a pause answers the same pause: safe to send again.
        return self._call("POST", "/interrupt/" + path_segment(hardware_id), body=body, idempotent=True)

    def resume(self, hardware_id: str) -> Dict[str, Any]:
        """``POST /interrupt/{id}/resume``: a false interruption; the held sessions go on (``outcome``,
        ``pausedMs``). Raises :class:`Conflict` when nothing is paused or the window has ended."""
        return self._call("POST", "/interrupt/" + path_segment(hardware_id) + "/resume")

    def report_speech(self, hardware_id: str, transcript: str = "", speech_ms: int = 0,
                      final: bool = False) -> SpeechDecision:
        """``POST /devices/{id}/speech``: what a detector (VAD, speech-to-text) heard on the device so far; send
        it as often as the utterance grows, ``final=True`` when it is over. The device's speech policy decides
        and the hub acts at once: ``"uh-huh"`` is ignored, ``"stop"`` interrupts, a first word or a cough pauses,
        an empty or backchannel final resumes that pause. Returns the :class:`SpeechDecision`. Not resent on a
        broken connection: a report may interrupt. Raises :class:`BadRequest` for a bad id, a transcript over
        2,000 characters or ``speech_ms`` outside 0..600000."""
        body = {"transcript": transcript, "speechMs": speech_ms, "final": final}
        return SpeechDecision.from_json(
            self._call("POST", "/devices/" + path_segment(hardware_id) + "/speech", body=body, idempotent=False))

    def flag(self, hardware_id: str) -> bool:
        """Whether the device's interrupt flag is set (the seed's ``should_interrupt``), from the pushed view."""
        return self._view.is_interrupted(hardware_id)

    def flag_status(self, hardware_id: str) -> Dict[str, Any]:
        """``GET /interrupt/{id}``: the flag as the hub has it now, with ``epoch``, ``setAt``, ``expiresAt``."""
        body = self._call("GET", "/interrupt/" + path_segment(hardware_id))
        self._view.apply_flag(body)
        return body

    def reset(self, hardware_id: str) -> None:
        """``DELETE /interrupt/{id}``: clears the device's flag (idempotent)."""
        self._call("DELETE", "/interrupt/" + path_segment(hardware_id))
        self._view.forget_flag(hardware_id)

    def history(self, hardware_id: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """``GET /interrupts``: recent interrupts, newest first."""
        return self._call("GET", "/interrupts", query={"hardwareId": hardware_id, "limit": limit})

    def statistics(self) -> Dict[str, Any]:
        """``GET /interrupts/stats``: totals, per-module counts, flags, sessions, latency."""
        return self._call("GET", "/interrupts/stats")

    # ---- sessions ------------------------------------------------------------------------------

    def open_session(self, hardware_id: str, session_id: Optional[str] = None, *, epoch: Optional[int] = None,
                     keepalive: bool = False, policy: Optional[str] = None) -> Session:
        """``POST /sessions``: opens a session (a new turn: it clears the device's flag). ``epoch``: the epoch
        the work was planned at (a session planned before an interrupt is born ``INTERRUPTED``).
        ``keepalive=True`` heartbeats it in the background until it ends or is interrupted. ``policy``: the
        speech policy (``interrupt.policies.<name>``) that decides :meth:`report_speech` for the device; an
        unknown name is a :class:`BadRequest`; ``None`` keeps the hub's ``default``."""
        request: Dict[str, Any] = {"hardwareId": hardware_id}
        if session_id is not None:
            request["sessionId"] = session_id
        if epoch is not None:
            request["epoch"] = epoch
        if policy is not None:
            request["policy"] = policy
        generation = self._view.generation
        body = self._call("POST", "/sessions", body=request)
        self._view.track_session(body, generation)
        session = Session(self, body)
        if keepalive:
            self._keepalive.add(session)
        return session

    # ---- events --------------------------------------------------------------------------------

    def watch(self, hardware_id: Optional[str] = None, max_pending: int = 1024) -> Watch:
        """The events of this client's stream (of one device, or all), from now on, as an iterator."""
        return Watch(self._view, hardware_id, max_pending)

    # ---- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the stream and heartbeats and closes connections. Sessions stay open on the hub."""
        self._keepalive.close()
        self._view.close()
        self._transport.close()

    def __enter__(self) -> "InterruptHub":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
