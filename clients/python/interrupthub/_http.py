"""The HTTP transport: one keep-alive connection per thread, the API key on every request, JSON in and
out, problem responses turned into exceptions. Standard library only (``http.client``)."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import weakref
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit

from .errors import HubUnreachable, InterruptHubError, error_for

API_KEY_HEADER = "X-API-Key"
USER_AGENT = "interrupthub-python/0.1"
# A kept-alive connection idle longer than this is replaced before use: the server may have closed it,
# and a request that is not safe to repeat must not be sent on a connection that may be half-closed.
_IDLE_REUSE_SECONDS = 5.0
_IDEMPOTENT = frozenset({"GET", "DELETE", "HEAD"})


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

    def request(self, method: str, path: str, *, body: Any = None, query: Optional[Mapping[str, Any]] = None,
                timeout: Optional[float] = None) -> Tuple[int, Any]:
        """Sends one request; returns ``(status, parsed JSON or None)`` for a 2xx answer.

        Raises the :class:`InterruptHubError` subclass of a problem answer, or :class:`HubUnreachable` when
        no answer came within ``timeout`` (default: the client's).
        """
        if self._closed:
            raise HubUnreachable("the client is closed")
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = self.endpoint.headers({"Content-Type": "application/json"} if data is not None else None)
        target = self.endpoint.target(path, query)
        limit = self.endpoint.timeout if timeout is None else timeout
        attempts = 2 if method in _IDEMPOTENT else 1
        for attempt in range(attempts):
            conn = self._connection(limit)
            try:
                conn.request(method, target, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                self._local.used = time.monotonic()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self._drop()
                if attempt + 1 < attempts:
                    continue  # a kept-alive connection the server had closed; safe to repeat this method
                raise HubUnreachable(f"{method} {target}: {e.__class__.__name__}: {e}") from None
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                kind = "timed out" if isinstance(e, socket.timeout) else f"{e.__class__.__name__}: {e}"
                raise HubUnreachable(f"{method} {target}: {kind}") from None
            if response.getheader("Connection", "").lower() == "close":
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

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        used = getattr(self._local, "used", 0.0)
        if conn is not None and time.monotonic() - used > _IDLE_REUSE_SECONDS:
            self._drop()
            conn = None
        if conn is None:
            conn = self.endpoint.connection(timeout)
            self._local.conn = conn
            with self._lock:
                self._connections.add(conn)
        else:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        return conn

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


__all__ = ["Endpoint", "Transport", "path_segment", "InterruptHubError", "API_KEY_HEADER"]
