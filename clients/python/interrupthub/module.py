"""The original backend's module standard: :class:`ModuleStatus` and :class:`UniversalModuleInterface`, which
its ``InterruptManager`` extends and its service manager drives (``initialize()``, ``is_initialized``,
``get_status()``, ``cleanup()``). Same names, values and keys as the original's, so code written against
the original's modules works with :class:`interrupthub.InterruptManager` unchanged."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import Enum
from typing import Any, Dict, List

LOG = logging.getLogger("interrupthub")


class ModuleStatus(Enum):
    """A module's life: ``uninitialized`` → ``initializing`` → ``ready`` (``processing`` while it works,
    ``error`` when initialisation failed) → ``stopped`` after ``cleanup()``."""

    UNINITIALIZED = "uninitialized"
    INITIALIZING = "initializing"
    READY = "ready"
    PROCESSING = "processing"
    ERROR = "error"
    STOPPED = "stopped"


def config_keys(config: Any) -> List[str]:
    """The keys of a module's configuration: a mapping's keys, or those of an object's ``config`` mapping
    (the original's ``InterruptHandlingConfig`` keeps its settings there); none otherwise."""
    if isinstance(config, Mapping):
        return list(config.keys())
    inner = getattr(config, "config", None)
    if isinstance(inner, Mapping):
        return list(inner.keys())
    return []


class UniversalModuleInterface(ABC):
    """A module of the original backend: a ``name``, a ``config``, a ``status`` (:class:`ModuleStatus`,
    ``uninitialized`` at first) and ``is_initialized`` (``False`` at first); ``initialize()``,
    ``process(input_data)`` and ``cleanup()`` are the module's own."""

    def __init__(self, name: str, config: Any) -> None:
        self.name = name
        self.config = config
        self.status = ModuleStatus.UNINITIALIZED
        self.is_initialized = False

    @abstractmethod
    async def initialize(self) -> bool:
        """Prepares the module; ``True`` when it is ready."""

    @abstractmethod
    async def process(self, input_data: Dict[str, Any]) -> Any:
        """The module's work on one request."""

    @abstractmethod
    async def cleanup(self) -> bool:
        """Releases what the module holds; ``True`` when done."""

    def get_status(self) -> Dict[str, Any]:
        """``{"name", "status" (the status's value, e.g. "ready"), "is_initialized", "config_keys"}``."""
        return {"name": self.name, "status": self.status.value, "is_initialized": self.is_initialized,
                "config_keys": config_keys(self.config)}

    def set_status(self, status: ModuleStatus) -> None:
        """Sets the module's status."""
        self.status = status
        LOG.debug("module %s status changed to %s", self.name, status.value)

    def __str__(self) -> str:
        return f"Module({self.name}, status={self.status.value})"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name={self.name!r}, status={self.status.value!r}, "
                f"initialized={self.is_initialized})")
