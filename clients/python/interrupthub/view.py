"""The pushed view: one Server-Sent Events subscription per client keeps a local copy of the device flags
and of the client's own sessions, so checks are memory reads instead of HTTP calls.

Correctness under loss. The view answers from memory only while its stream is live and an entry has
been confirmed since the stream (re)connected. A reconnect, or a ``gap`` event (events were lost), starts
a new *generation*: entries from before are no longer trusted, and a check on such a device asks the
HTTP API (``GET /interrupt/{id}``, kept for the hub's ``checkIntervalMs``) until an event or an answer
confirms it again. A device the view has never seen answers "not interrupted" from memory only once the
stream has been live for a whole flag lifetime: a flag set before that could still be live. While the
stream is down every check goes to the HTTP API, so an answer is never older than the poll interval.
"""
from __future__ import annotations

import http.client
import json
import logging
import queue
import random
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional

from ._http import Endpoint, Transport, path_segment
from .errors import HubUnreachable, InterruptHubError, NotFound, error_for

LOG = logging.getLogger("interrupthub")

EVENTS_PATH = "/interrupts/events"


@dataclass(frozen=True)
class Event:
    """One event of the hub's stream: ``interrupt`` (an interrupt started: ``hardwareId``, ``epoch``,
    ``reason``, ``source``, ``at``, ``sessionIds``), ``interrupt-result`` (its outcome), ``session`` (a
    session changed state), or ``gap`` (events were lost; re-read what matters)."""

    name: str
    data: Dict[str, Any] = field(default_factory=dict)
    id: Optional[str] = None

    @property
    def hardware_id(self) -> Optional[str]:
        """The device the event is about (``None`` for ``gap``)."""
        return self.data.get("hardwareId")


def parse_instant(value: Optional[str]) -> Optional[float]:
    """An ISO-8601 instant of the hub (``2026-12-02T15:24:24.123456Z``) as POSIX seconds."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    # Python 3.9's fromisoformat takes at most 6 fraction digits; the hub may send 9.
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


class _Flag(NamedTuple):
    """A device as the view knows it; immutable so a check reads it without a lock."""
    epoch: int
    interrupted: bool
    expires: Optional[float]   # time.monotonic() deadline of the flag
    generation: int            # the stream generation that confirmed it; -1 = an answer while disconnected
    checked: float             # time.monotonic() of an HTTP answer (for the poll-interval cache)


class _Own(NamedTuple):
    """A session this client opened."""
    hardware_id: str
    state: str
    epoch: int
    generation: int
    checked: float


def read_events(response: http.client.HTTPResponse) -> Iterator[Any]:
    """Parses a ``text/event-stream`` body: yields an :class:`Event` per event and the text of each comment."""
    name, data, event_id = "message", [], None
    while True:
        raw = response.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    payload = json.loads(text) if text else {}
                except ValueError:
                    payload = {"text": text}
                yield Event(name, payload if isinstance(payload, dict) else {"value": payload}, event_id)
            name, data, event_id = "message", [], None
            continue
        if line.startswith(":"):
            yield line[1:].strip()
            continue
        key, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)
        elif key == "id":
            event_id = value


def retry_after_seconds(value: Optional[str], default: float = 5.0, most: float = 300.0) -> float:
    """The pause a 503's ``Retry-After`` asks for, in seconds (its delta-seconds form; ``default`` without it)."""
    try:
        seconds = float(value) if value is not None else default
    except ValueError:
        seconds = default
    return min(max(seconds, 0.0), most)


class PushedView:
    """Keeps flags and own sessions current from the hub's event stream, on one daemon thread.

    ``flag_ttl`` is the flag lifetime assumed until the hub's own (``expiresAt - setAt``) is learned;
    ``max_devices`` bounds the devices remembered (the oldest are forgotten first).
    """

    def __init__(self, endpoint: Endpoint, transport: Transport, *, flag_ttl: float = 5.0,
                 reconnect_initial: float = 0.05, reconnect_max: float = 2.0, read_timeout: float = 45.0,
                 max_devices: int = 10000, max_sessions: int = 10000) -> None:
        self._endpoint = endpoint
        self._transport = transport
        self._ttl = flag_ttl
        self._ttl_learned = False
        self._check_interval = 0.1
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._read_timeout = read_timeout
        self._max_devices = max_devices
        self._max_sessions = max_sessions
        self._lock = threading.RLock()
        self._devices: "OrderedDict[str, _Flag]" = OrderedDict()
        self._sessions: Dict[str, _Own] = {}
        self._listeners: List[Callable[[Event], None]] = []
        self._generation = 0
        self._live = False
        self._trust_unknown_after = float("inf")
        self._last_id: Optional[str] = None
        self._stop = threading.Event()
        self._sock: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self._connected = threading.Condition(self._lock)
        self._work: "queue.Queue[Optional[Callable[[], None]]]" = queue.Queue(maxsize=64)
        self._worker: Optional[threading.Thread] = None
        self._resync_pending = False
        self._last_error: Optional[str] = None
        # Seconds the hub asked to wait (Retry-After of a 503: over its stream or connection cap, shutting down).
        self._retry_after: Optional[float] = None
        self.refusals = 0
        self.reconnects = 0
        self.gaps = 0
        self.http_checks = 0

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Opens the stream on a daemon thread (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="interrupthub-events", daemon=True)
            self._worker = threading.Thread(target=self._work_loop, name="interrupthub-resync", daemon=True)
        self._worker.start()
        self._thread.start()

    def close(self) -> None:
        """Stops the stream and the background work; checks then always ask the HTTP API."""
        self._stop.set()
        with self._connected:
            self._connected.notify_all()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
            except OSError:
                pass
        try:
            self._work.put_nowait(None)
        except queue.Full:
            pass
        for thread in (self._thread, self._worker):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5)

    @property
    def live(self) -> bool:
        """Whether the stream is connected now."""
        return self._live

    def wait_live(self, timeout: float) -> bool:
        """Waits until the stream is connected; ``False`` after ``timeout`` seconds."""
        with self._connected:
            return self._connected.wait_for(lambda: self._live or self._stop.is_set(), timeout) and self._live

    # ---- checks (any thread) -------------------------------------------------------------------

    def is_interrupted(self, hardware_id: str) -> bool:
        """The device's flag, from memory when the view can vouch for it, else from ``GET /interrupt/{id}``."""
        entry = self._devices.get(hardware_id)
        if self._live:
            if entry is not None and entry.generation == self._generation:
                return entry.interrupted and (entry.expires is None or time.monotonic() < entry.expires)
            if entry is None and time.monotonic() >= self._trust_unknown_after:
                return False
        now = time.monotonic()
        if entry is not None and entry.checked and now - entry.checked < self._check_interval:
            return entry.interrupted and (entry.expires is None or now < entry.expires)
        return self.refresh_flag(hardware_id, fallback=entry)

    def cached_flag(self, hardware_id: str) -> Optional[bool]:
        """The device's flag when memory can vouch for it, else ``None`` (the caller must ask over HTTP)."""
        entry = self._devices.get(hardware_id)
        now = time.monotonic()
        if self._live:
            if entry is not None and entry.generation == self._generation:
                return entry.interrupted and (entry.expires is None or now < entry.expires)
            if entry is None and now >= self._trust_unknown_after:
                return False
        if entry is not None and entry.checked and now - entry.checked < self._check_interval:
            return entry.interrupted and (entry.expires is None or now < entry.expires)
        return None

    def cached_session_state(self, session_id: str) -> Optional[str]:
        """An own session's state when memory can vouch for it, else ``None``."""
        own = self._sessions.get(session_id)
        if own is None:
            return None
        if (self._live and own.generation == self._generation) or (
                own.checked and time.monotonic() - own.checked < self._check_interval):
            return own.state
        return None

    def refresh_flag(self, hardware_id: str, fallback: Optional[_Flag] = None, *, check: bool = True) -> bool:
        """Reads the device's flag over HTTP into the view; on failure answers what the view last knew.
        ``check``: counted in :attr:`http_checks` (a check the view could not answer from memory)."""
        if check:
            self.http_checks += 1
        try:
            _, body = self._transport.request("GET", "/interrupt/" + path_segment(hardware_id))
        except InterruptHubError as e:
            if isinstance(e, HubUnreachable):
                self._note_error(f"flag check of {hardware_id} failed: {e}")
            else:
                raise
            if fallback is None:
                return False
            return fallback.interrupted and (fallback.expires is None or time.monotonic() < fallback.expires)
        return self.apply_flag(body)

    def apply_flag(self, body: Dict[str, Any], generation: Optional[int] = None) -> bool:
        """Takes an answer of ``GET /interrupt/{id}`` into the view; returns the flag."""
        hardware_id = body["hardwareId"]
        epoch = int(body.get("epoch", 0))
        interrupted = bool(body.get("interrupted"))
        if body.get("checkIntervalMs"):
            self._check_interval = max(0.001, int(body["checkIntervalMs"]) / 1000.0)
        expires = None
        if interrupted:
            set_at, expires_at = parse_instant(body.get("setAt")), parse_instant(body.get("expiresAt"))
            if set_at is not None and expires_at is not None:
                self._learn_ttl(expires_at - set_at)
                expires = self._deadline(expires_at)
        now = time.monotonic()
        with self._lock:
            live = self._live
            current = self._devices.get(hardware_id)
            if current is not None and live and current.generation == self._generation and epoch <= current.epoch:
                # The stream already confirmed this device at least as recently: events win over answers
                # that may have been produced before them. Only the hub's exact expiry is taken.
                if epoch == current.epoch and interrupted and current.interrupted and expires is not None:
                    current = current._replace(expires=expires)
                    self._put(hardware_id, current)
                return self.is_interrupted_entry(current)
            if current is not None and epoch < current.epoch and current.generation == self._generation:
                # Older than what this generation has seen. Across generations epochs are not compared:
                # a restarted hub counts from 0 again, and the old entry is what is not trusted.
                return self.is_interrupted_entry(current)
            gen = self._generation if (live if generation is None else generation == self._generation) else -1
            self._put(hardware_id, _Flag(epoch, interrupted, expires, gen, now))
        return interrupted and (expires is None or now < expires)

    @staticmethod
    def is_interrupted_entry(entry: _Flag) -> bool:
        return entry.interrupted and (entry.expires is None or time.monotonic() < entry.expires)

    def forget_flag(self, hardware_id: str, epoch: Optional[int] = None) -> None:
        """Clears the device's flag locally (after this client reset it at the hub)."""
        with self._lock:
            current = self._devices.get(hardware_id)
            if current is not None:
                self._put(hardware_id, current._replace(interrupted=False, expires=None))

    def session_state(self, session_id: str) -> Optional[str]:
        """An own session's state (``ACTIVE``, ``INTERRUPTED``, ``ENDED``, ``EXPIRED``; ``GONE`` when the hub
        no longer knows it), from memory when the view can vouch for it, else from ``GET /sessions/{id}``."""
        own = self._sessions.get(session_id)
        if own is None:
            return None
        if self._live and own.generation == self._generation:
            return own.state
        if own.checked and time.monotonic() - own.checked < self._check_interval:
            return own.state
        return self.refresh_session(session_id)

    def refresh_session(self, session_id: str, *, check: bool = True) -> Optional[str]:
        """Reads an own session over HTTP into the view (``check``: counted in :attr:`http_checks`)."""
        own = self._sessions.get(session_id)
        if own is None:
            return None
        if check:
            self.http_checks += 1
        generation = self._generation
        try:
            _, body = self._transport.request("GET", "/sessions/" + path_segment(session_id))
            state, epoch = body["state"], int(body.get("epoch", own.epoch))
        except NotFound:
            state, epoch = "GONE", own.epoch
        except HubUnreachable as e:
            self._note_error(f"session check of {session_id} failed: {e}")
            return own.state
        with self._lock:
            if session_id in self._sessions:
                gen = generation if self._live and generation == self._generation else -1
                self._sessions[session_id] = _Own(own.hardware_id, state, epoch, gen, time.monotonic())
        return state

    # ---- own sessions ------------------------------------------------------------------------------

    def track_session(self, body: Dict[str, Any], generation: int) -> None:
        """Remembers a session this client opened (the answer of ``POST /sessions``)."""
        with self._lock:
            if len(self._sessions) >= self._max_sessions:
                raise InterruptHubError(None, "too many sessions", f"this client tracks at most {self._max_sessions}")
            gen = generation if self._live and generation == self._generation else -1
            self._sessions[body["sessionId"]] = _Own(body["hardwareId"], body["state"], int(body.get("epoch", 0)),
                                                     gen, time.monotonic())

    def untrack_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def set_session_state(self, session_id: str, state: str) -> None:
        """Records a state this client caused itself (an ended session)."""
        with self._lock:
            own = self._sessions.get(session_id)
            if own is not None:
                self._sessions[session_id] = own._replace(state=state)

    def own_sessions(self) -> Dict[str, str]:
        """Own session id -> device."""
        with self._lock:
            return {sid: own.hardware_id for sid, own in self._sessions.items()}

    @property
    def generation(self) -> int:
        return self._generation

    # ---- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Calls ``listener(event)`` on the stream's thread for every event; it must return quickly."""
        with self._lock:
            self._listeners = self._listeners + [listener]

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        with self._lock:
            self._listeners = [l for l in self._listeners if l is not listener]

    # ---- the stream thread ---------------------------------------------------------------------

    def _run(self) -> None:
        backoff = self._reconnect_initial
        while not self._stop.is_set():
            try:
                if self._stream():
                    backoff = self._reconnect_initial
            except (OSError, http.client.HTTPException, ValueError) as e:
                if not self._stop.is_set():
                    self._note_error(f"event stream: {e.__class__.__name__}: {e}")
            finally:
                self._disconnected()
            pause = backoff
            retry_after, self._retry_after = self._retry_after, None
            if retry_after is not None:
                # The hub is full: wait what it asked, and up to half of it again at random, so that the many
                # clients it refused at once do not all come back at once.
                pause = max(backoff, retry_after * random.uniform(1.0, 1.5))
            if self._stop.wait(pause):
                break
            backoff = min(backoff * 2, self._reconnect_max)
            self.reconnects += 1

    def _stream(self) -> bool:
        """One connection: returns True when it was live (so the pause before the next starts small)."""
        headers = self._endpoint.headers({"Accept": "text/event-stream", "Cache-Control": "no-cache"})
        if self._last_id is not None:
            headers["Last-Event-ID"] = self._last_id
        conn = self._endpoint.connection(self._read_timeout)
        try:
            conn.connect()
            # Kept apart from the connection, which may hand its socket to the response: close() shuts
            # this socket down to wake a reader blocked in recv.
            self._sock = conn.sock
            if self._stop.is_set():
                return False
            conn.request("GET", self._endpoint.target(EVENTS_PATH), headers=headers)
            if self._stop.is_set():
                return False
            response = conn.getresponse()
            if response.status != 200:
                body = response.read()
                try:
                    problem = json.loads(body.decode("utf-8"))
                except ValueError:
                    problem = {}
                error = error_for(response.status, problem if isinstance(problem, dict) else {})
                self._note_error(f"event stream refused: {error}")
                if response.status == 503:
                    self.refusals += 1
                    self._retry_after = retry_after_seconds(response.getheader("Retry-After"))
                return False
            self._went_live()
            for item in read_events(response):
                if isinstance(item, Event):
                    self._handle(item)
            return True
        finally:
            self._sock = None
            conn.close()

    def _went_live(self) -> None:
        with self._lock:
            self._generation += 1
            self._live = True
            self._trust_unknown_after = time.monotonic() + self._ttl
            self._connected.notify_all()
        if self._last_error is not None:
            LOG.info("interrupt hub event stream connected again")
            self._last_error = None
        self._schedule_resync()

    def _disconnected(self) -> None:
        with self._lock:
            self._live = False

    def _handle(self, event: Event) -> None:
        if event.id is not None:
            self._last_id = event.id
        now = time.monotonic()
        with self._lock:
            if event.name == "interrupt":
                self._on_interrupt(event.data, now)
            elif event.name == "session":
                self._on_session(event.data)
            elif event.name == "gap":
                # Events were lost: nothing remembered is vouched for any more.
                self.gaps += 1
                self._generation += 1
                self._trust_unknown_after = now + self._ttl
            listeners = self._listeners
        if event.name == "gap":
            self._schedule_resync()
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a listener's failure must not stop the stream
                LOG.exception("interrupt hub event listener failed")

    def _on_interrupt(self, data: Dict[str, Any], now: float) -> None:
        hardware_id = data.get("hardwareId")
        if not hardware_id:
            return
        epoch = int(data.get("epoch", 0))
        current = self._devices.get(hardware_id)
        if current is None or epoch >= current.epoch or current.generation != self._generation:
            at = parse_instant(data.get("at"))
            expires = self._deadline(at + self._ttl) if at is not None else now + self._ttl
            self._put(hardware_id, _Flag(max(epoch, current.epoch if current else 0), True, expires,
                                         self._generation, 0.0))
            if not self._ttl_learned:
                # Once: the hub's flag lifetime and this flag's exact expiry (not a check: not counted).
                self._submit(lambda: self._quiet(lambda: self.refresh_flag(hardware_id, check=False)))
        for sid in data.get("sessionIds") or ():
            own = self._sessions.get(sid)
            if own is not None and own.state in ("ACTIVE", "PAUSED"):
                self._sessions[sid] = own._replace(state="INTERRUPTED", generation=self._generation)

    def _on_session(self, data: Dict[str, Any]) -> None:
        sid, hardware_id, state = data.get("sessionId"), data.get("hardwareId"), data.get("state")
        epoch = int(data.get("epoch", 0))
        own = self._sessions.get(sid) if sid else None
        if own is not None and state:
            self._sessions[sid] = _Own(own.hardware_id, state, epoch, self._generation, 0.0)
        if state == "ACTIVE" and hardware_id:
            # Opening a session starts a new turn and clears the device's flag.
            current = self._devices.get(hardware_id)
            if current is not None and current.interrupted and epoch >= current.epoch:
                self._put(hardware_id, _Flag(epoch, False, None, self._generation, 0.0))

    def _put(self, hardware_id: str, entry: _Flag) -> None:
        devices = self._devices
        devices.pop(hardware_id, None)
        devices[hardware_id] = entry
        while len(devices) > self._max_devices:
            _, old = devices.popitem(last=False)
            if old.interrupted:
                # A live flag forgotten: devices the view does not know are asked over HTTP again for a
                # whole flag lifetime, so forgetting never turns into a wrong "not interrupted".
                self._trust_unknown_after = max(self._trust_unknown_after, time.monotonic() + self._ttl)

    def _deadline(self, expires_at: float) -> float:
        """The hub's ``expiresAt`` (wall clock) on this process's monotonic clock, clamped to the flag's
        lifetime so that a skewed clock can neither stretch a flag nor end it before it started."""
        remaining = min(max(expires_at - time.time(), 0.0), self._ttl)
        return time.monotonic() + remaining

    def _learn_ttl(self, ttl: float) -> None:
        if ttl > 0:
            self._ttl = ttl
            self._ttl_learned = True

    # ---- background work (resync after a reconnect or gap) ---------------------------------------

    def _schedule_resync(self) -> None:
        with self._lock:
            if self._resync_pending:
                return
            self._resync_pending = True
        self._submit(self._resync)

    def _resync(self) -> None:
        """Re-reads the own sessions and their devices; an interrupt missed while disconnected is announced
        to listeners as an ``interrupt`` event marked ``"missed": true``."""
        with self._lock:
            self._resync_pending = False
            generation = self._generation
            sessions = dict(self._sessions)
        by_device: Dict[str, List[str]] = {}
        for sid, own in sessions.items():
            by_device.setdefault(own.hardware_id, []).append(sid)
        for hardware_id, sids in by_device.items():
            if self._stop.is_set():
                return
            try:
                _, flag = self._transport.request("GET", "/interrupt/" + path_segment(hardware_id))
                self.apply_flag(flag, generation)
            except InterruptHubError as e:
                self._note_error(f"resync of {hardware_id} failed: {e}")
                continue
            newly = []
            for sid in sids:
                before = sessions[sid].state
                after = self._quiet(lambda: self.refresh_session(sid, check=False))
                if before == "ACTIVE" and after in ("INTERRUPTED", "GONE"):
                    newly.append(sid)
            if newly:
                self._emit(Event("interrupt", {"hardwareId": hardware_id, "epoch": int(flag.get("epoch", 0)),
                                               "sessionIds": newly, "missed": True}))

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                LOG.exception("interrupt hub event listener failed")

    def _submit(self, task: Callable[[], None]) -> None:
        try:
            self._work.put_nowait(task)
        except queue.Full:
            pass  # the work is a refresh; the next check or reconnect repeats it

    def _work_loop(self) -> None:
        while True:
            task = self._work.get()
            if task is None or self._stop.is_set():
                return
            try:
                task()
            except Exception:
                LOG.exception("interrupt hub background refresh failed")

    @staticmethod
    def _quiet(call: Callable[..., Any], *args: Any) -> Any:
        """Runs a background refresh; its failure is logged at debug level (the next check repeats it)."""
        try:
            return call(*args)
        except InterruptHubError as e:
            LOG.debug("refresh failed: %s", e)
            return None

    def _note_error(self, message: str) -> None:
        # Logged once per outage, not once per failed attempt or check.
        if self._last_error is None:
            LOG.warning("%s (answers come from the HTTP API until the stream is back)", message)
        self._last_error = message
