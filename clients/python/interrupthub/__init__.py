"""Python client for Interrupt Hub.

- :class:`InterruptManager`: the drop-in for the seed backend's ``InterruptManager`` (same calls).
- :class:`InterruptHub`: the native client; :class:`interrupthub.aio.AsyncInterruptHub` for asyncio.

Standard library only. Both keep a local view of flags and sessions pushed over one Server-Sent Events
stream, so ``should_interrupt`` / ``is_interrupted`` checks make no HTTP call.
"""
from .client import InterruptHub, Session, SpeechDecision, Watch
from .errors import (BadRequest, Conflict, Forbidden, HubUnreachable, InterruptHubError, NotFound,
                     TooManyRequests, Unauthorized, Unavailable)
from .manager import DEFAULT_MODULES, InterruptManager
from .module import ModuleStatus, UniversalModuleInterface
from .view import Event

__all__ = [
    "InterruptManager", "ModuleStatus", "UniversalModuleInterface", "InterruptHub", "Session", "SpeechDecision", "Watch", "Event", "DEFAULT_MODULES",
    "InterruptHubError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
    "TooManyRequests", "Unavailable", "HubUnreachable",
]
__version__ = "0.1.0"
