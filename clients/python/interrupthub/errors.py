"""Exceptions raised by the native client (:class:`interrupthub.InterruptHub`).

Every RFC 9457 problem the hub answers becomes an :class:`InterruptHubError` carrying its status, title
and detail; the common statuses have subclasses so callers can catch exactly what they handle.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type


class InterruptHubError(Exception):
    """A refused request (a problem response) or a hub that could not be reached.

    ``status`` is the HTTP status (``None`` when no answer came: connection refused, timeout),
    ``title`` and ``detail`` are the problem's, ``problem`` the whole problem body.
    """

    def __init__(self, status: Optional[int], title: str, detail: str = "",
                 problem: Optional[Mapping[str, Any]] = None) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.problem: Dict[str, Any] = dict(problem or {})
        text = f"{status} {title}" if status is not None else title
        super().__init__(f"{text}: {detail}" if detail else text)


class BadRequest(InterruptHubError):
    """400: a malformed id, body, reason or limit."""


class Unauthorized(InterruptHubError):
    """401: the hub requires an API key and none was sent."""


class Forbidden(InterruptHubError):
    """403: the API key is not one the hub accepts."""


class NotFound(InterruptHubError):
    """404: no such session (ended, expired, or removed after its interrupt)."""


class Conflict(InterruptHubError):
    """409: a duplicate session id, or an epoch the device has not reached."""


class TooManyRequests(InterruptHubError):
    """429: a cap is reached (``MAX_ACTIVE_SESSIONS``, devices); nothing was evicted."""


class Unavailable(InterruptHubError):
    """503: interrupts are switched off (``GLOBAL_INTERRUPT_ENABLED=false``), the hub is shutting down, or (in a
    cluster) a commit that Redis cannot order against interrupts right now: nothing was committed, retry after the
    answer's ``Retry-After`` seconds. Never a sign that an interrupt happened (that is :class:`Conflict`)."""


class HubUnreachable(InterruptHubError):
    """No answer: the connection failed or the call's timeout passed (``status`` is ``None``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(None, "hub unreachable", detail)


_BY_STATUS: Dict[int, Type[InterruptHubError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    429: TooManyRequests, 503: Unavailable,
}


def error_for(status: int, problem: Mapping[str, Any]) -> InterruptHubError:
    """The exception for a problem answer: the status's subclass, or the base class for any other status."""
    cls = _BY_STATUS.get(status, InterruptHubError)
    title = str(problem.get("title") or f"HTTP {status}")
    detail = str(problem.get("detail") or "")
    return cls(status, title, detail, problem)
