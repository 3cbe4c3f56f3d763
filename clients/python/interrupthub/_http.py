"""The HTTP transport: one keep-alive connection per thread, the API key on every request, JSON in and
out, problem responses turned into exceptions. Standard library only (``http.client``).

Connections closed under the client. ``http.client`` does not notice that the other side (the hub, a
proxy, a load balancer's idle timeout, a restarted hub) closed a kept-alive connection; the next request
on it fails. So before a kept-alive connection is reused it is polled with a zero timeout: an idle
connection that is readable was closed by the peer (or carries bytes nobody asked for), and is replaced
by a new one before anything is sent. A request is sent again on a new connection only when it provably
did not reach the hub whole (the write of a reused connection failed), or when it is idempotent at the
hub and the reused connection ended before a single byte of the answer came. A request that may have
been applied (``POST /interrupt``, ``POST /sessions``, a resume) is never sent twice.
"""
from __future__ import annotations

import http.client
import json
import select
import socket
import threading
import time
import weakref
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit

from .errors import HubUnreachable, InterruptHubError, error_for

API_KEY_HEADER = "X-API-Key"
USER_AGENT = "interrupthub-python/0.1"
# A kept-alive connection idle longer than this is replaced before use even when it looks open: servers
# close idle connections after a timeout of their own, and a close that crosses a request in flight is
# the one case the zero-timeout poll cannot see coming.
_IDLE_REUSE_SECONDS = 5.0
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Errors of a connection the peer closed or reset (not a timeout: a slow hub is not a closed connection).
_CLOSED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def peer_closed(sock: Optional[socket.socket]) -> bool:
    """Whether an idle kept-alive connection can no longer carry a request: readable at once means the peer
    closed it (end of input or a reset) or sent bytes nobody asked for. A zero-timeout poll, no read."""
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLPRI)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


def path_segment(value: str) -> str:
    """Quotes an id for use as one path segment (the hub refuses a malformed id with 400)."""
    return quote(value, safe="")


class Endpoint:
    """Where the hub is and how to reach it: scheme, host, port, base path, API key, timeout."""

    def __init__(self, url: str, api_key: Optional[str], timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the hub URL must be http(s)://host[:port][/path], not {url!r}")
        self.url = url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        self.api_key = api_key or None
        self.timeout = timeout

    def connection(self, timeout: Optional[float]) -> http.client.HTTPConnection:
        """A new connection (not yet connected) with the given socket timeout."""
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def headers(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """Headers every request carries: the API key (when set) and a user agent."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/problem+json"}
        if self.api_key:
            headers[API_KEY_HEADER] = self.api_key
        if extra:
            headers.update(extra)
        return headers

    def target(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        """The request target: base path + path + the query without ``None`` values."""
        target = self.base_path + path
        if query:
            items = {k: v for k, v in query.items() if v is not None}
            if items:
                target += "?" + urlencode(items)
        return target


class Transport:
    """Sends JSON requests to the hub; safe to share between threads (each thread has its connection)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._local = threading.local()
        self._closed = False
        self._lock = threading.Lock()
        # Weak: a connection belongs to its thread, and goes (closed by collection) when the thread ends.
        self._connections: "weakref.WeakSet[http.client.HTTPConnection]" = weakref.WeakSet()
        self.opened = 0
        self.stale_replaced = 0
        self.idle_replaced = 0
        self.resent = 0

    def request(self, method: str, path: str, *, body: Any = None, query: Optional[Mapping[str, Any]] = None,
                timeout: Optional[float] = None, idempotent: Optional[bool] = None) -> Tuple[int, Any]:
        """Sends one request; returns ``(status, parsed JSON or None)`` for a 2xx answer.

        ``idempotent``: whether the hub gives the same outcome when it gets the request twice (default: by
        method, ``GET``/``HEAD``/``PUT``/``DELETE``/``OPTIONS``); only such a request is sent again after a
        reused connection ended without an answer. Raises the :class:`InterruptHubError` subclass of a
        problem answer, or :class:`HubUnreachable` when no answer came within ``timeout`` (default: the
        client's).
        """
        if self._closed:
            raise HubUnreachable("the client is closed")
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = self.endpoint.headers({"Content-Type": "application/json"} if data is not None else None)
        target = self.endpoint.target(path, query)
        limit = self.endpoint.timeout if timeout is None else timeout
        repeatable = method in _IDEMPOTENT if idempotent is None else idempotent
        for attempt in (1, 2):
            conn, reused = self._connection(limit)
            sent = answered = False
            try:
                conn.request(method, target, body=data, headers=headers)
                sent = True
                response = conn.getresponse()
                answered = True
                payload = response.read()
                self._local.used = time.monotonic()
            except _CLOSED as e:
                self._drop()
                # Written in part at most (the reused connection was gone before the request was whole), or
                # idempotent and ended before any answer on a reused connection: send it once more on a new
                # one. Anything else may have reached the hub and is not repeated.
                if attempt == 1 and reused and (not sent or (repeatable and not answered)):
                    with self._lock:
                        self.resent += 1
                    continue
                hint = "" if not sent else "; the hub may have received it"
                raise HubUnreachable(f"{method} {target}: {e.__class__.__name__}: {e}{hint}") from None
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                kind = "timed out" if isinstance(e, socket.timeout) else f"{e.__class__.__name__}: {e}"
                raise HubUnreachable(f"{method} {target}: {kind}") from None
            if response.will_close:
                self._drop()
            return self._answer(response.status, response.getheader("Content-Type", ""), payload)
        raise AssertionError("unreachable")

    @staticmethod
    def _answer(status: int, content_type: str, payload: bytes) -> Tuple[int, Any]:
        parsed: Any = None
        if payload and "json" in content_type:
            try:
                parsed = json.loads(payload.decode("utf-8"))
            except ValueError:
                parsed = None
        if 200 <= status < 300:
            return status, parsed
        problem = parsed if isinstance(parsed, dict) else {"title": f"HTTP {status}",
                                                             "detail": payload[:200].decode("utf-8", "replace")}
        raise error_for(status, problem)

    def _connection(self, timeout: float) -> Tuple[http.client.HTTPConnection, bool]:
        """This thread's connection and whether it is a kept-alive one being reused. A kept-alive connection
        idle too long, or that the peer closed (see :func:`peer_closed`), is replaced first."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.sock is not None:
            used = getattr(self._local, "used", 0.0)
            if time.monotonic() - used > _IDLE_REUSE_SECONDS:
                with self._lock:
                    self.idle_replaced += 1
                self._drop()
                conn = None
            elif peer_closed(conn.sock):
                with self._lock:
                    self.stale_replaced += 1
                self._drop()
                conn = None
        if conn is None or conn.sock is None:
            if conn is None:
                conn = self.endpoint.connection(timeout)
                self._local.conn = conn
                with self._lock:
                    self._connections.add(conn)
                    self.opened += 1
            else:
                conn.timeout = timeout
            return conn, False
        conn.timeout = timeout
        conn.sock.settimeout(timeout)
        return conn, True

    def stats(self) -> Dict[str, int]:
        """Connections ``opened``; kept-alive ones replaced before use because the peer had closed them
        (``staleReplaced``) or they had been idle too long (``idleReplaced``); requests sent again on a new
        connection (``resent``)."""
        with self._lock:
            return {"opened": self.opened, "staleReplaced": self.stale_replaced, "idleReplaced": self.idle_replaced,
                    "resent": self.resent}

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()
            with self._lock:
                self._connections.discard(conn)

    def close(self) -> None:
        """Closes every connection this transport opened; later requests raise :class:`HubUnreachable`."""
        self._closed = True
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            try:
                conn.close()
            except OSError:
                pass


__all__ = ["Endpoint", "Transport", "path_segment", "peer_closed", "InterruptHubError", "API_KEY_HEADER"]
