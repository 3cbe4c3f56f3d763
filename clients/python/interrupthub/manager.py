"""The drop-in for the seed backend's ``InterruptManager``: the same calls, arguments, sync/async nature
and result keys, backed by the hub. Change the import line and nothing else::

    from interrupthub import InterruptManager

It is a :class:`UniversalModuleInterface` as the original is (``name`` ``"interrupt_handling"``, ``status``,
``is_initialized``, ``get_status()``, ``set_status()``, ``process(input_data)``), so the backend's service
manager drives it as before. What is different (``clients/python/MIGRATION.md``): flags are per device, and
interrupts made anywhere (another process, a device, the console) reach this process's modules and callbacks.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .client import InterruptHub, Session
from .errors import InterruptHubError
from .module import ModuleStatus, UniversalModuleInterface
from .view import Event

LOG = logging.getLogger("interrupthub")

#: The seed's modules and their defaults: enabled, the methods called on an interrupt, the timeout (s).
DEFAULT_MODULES: Dict[str, Dict[str, Any]] = {
    "text_processing": {"enabled": True, "interrupt_methods": ["cancel_generation", "clear_buffers"], "timeout": 2.0},
    "audio_generation": {"enabled": True, "interrupt_methods": ["stop_generation"], "timeout": 1.0},
    "session_management": {"enabled": True, "interrupt_methods": ["interrupt_session"], "timeout": 1.0},
    "database": {"enabled": True, "interrupt_methods": ["clear_cache"], "timeout": 0.5},
    "memory_management": {"enabled": True, "interrupt_methods": ["clear_cache"], "timeout": 0.5},
}
#: Interrupts handled here remembered for de-duplication (the stream and the caller can both report one).
_HANDLED_LIMIT = 1024


def _setting(config: Any, name: str, default: Any = None) -> Any:
    """A setting from a mapping, an object's attribute, or the environment (upper-case name), in that order."""
    if isinstance(config, Mapping) and name in config:
        return config[name]
    if config is not None and not isinstance(config, Mapping) and hasattr(config, name):
        return getattr(config, name)
    return os.environ.get(name.upper(), default)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{name.upper()}: {value!r} must be true or false")


class InterruptManager(UniversalModuleInterface):
    """The seed's ``InterruptManager``, with the hub as the source of truth.

    ``config`` is the seed's configuration: a mapping or an object with ``modules`` (name -> ``enabled``,
    ``interrupt_methods``, ``timeout``) or a ``get_module_config(name)`` method, and optionally
    ``interrupt_timeout``, ``cleanup_on_interrupt``, ``force_cleanup``, ``interrupt_priority`` (each also
    read from the environment: ``INTERRUPT_TIMEOUT``, ``CLEANUP_ON_INTERRUPT``, ``FORCE_CLEANUP``,
    ``INTERRUPT_PRIORITY``). ``url`` and ``api_key`` default to ``INTERRUPT_HUB_URL`` / ``INTERRUPT_HUB_API_KEY``.

    - ``CLEANUP_ON_INTERRUPT`` (true): an interrupt removes the device's sessions from this process
      (they stop being heartbeated; the hub marks them interrupted and removes them itself).
    - ``FORCE_CLEANUP`` (true): that removal happens even when a module failed or timed out; ``false``
      keeps the sessions registered then, so the caller can retry the interrupt.
    - ``INTERRUPT_PRIORITY``: only ``high`` is accepted (every interrupt is handled at once, modules in
      parallel); any other value is refused with a :class:`ValueError`.
    """

    def __init__(self, config: Any = None, *, url: Optional[str] = None, api_key: Optional[str] = None,
                 timeout: Optional[float] = None, hub: Optional[InterruptHub] = None) -> None:
        super().__init__("interrupt_handling", config)
        priority = str(_setting(config, "interrupt_priority", "high")).strip().lower()
        if priority != "high":
            raise ValueError(f"INTERRUPT_PRIORITY: {priority!r} is not supported; the hub handles every "
                             "interrupt at once, so only 'high' is accepted")
        self.cleanup_on_interrupt = _flag(_setting(config, "cleanup_on_interrupt", "true"), "cleanup_on_interrupt")
        self.force_cleanup = _flag(_setting(config, "force_cleanup", "true"), "force_cleanup")
        self.interrupt_timeout = float(_setting(config, "interrupt_timeout", 5.0))
        self.hub = hub if hub is not None else InterruptHub(url, api_key, timeout=timeout,
                                                            flag_ttl=self.interrupt_timeout)
        self.registered_modules: Dict[str, Any] = {}
        self.interrupt_callbacks: List[Callable[[str], Any]] = []
        self.active_sessions: Dict[str, Dict[str, Any]] = {}
        self.session_counter = 0
        # The original's one global flag: the device of the last interrupt made or handled here, and when.
        self._last_interrupt: Optional[Tuple[str, float, float]] = None  # (device, time.time(), monotonic)
        self._handles: Dict[str, Session] = {}
        self._handled: "OrderedDict[Tuple[str, int], asyncio.Future]" = OrderedDict()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._warned: "OrderedDict[str, None]" = OrderedDict()
        self.stats: Dict[str, Any] = {"total_interrupts": 0, "successful_interrupts": 0, "failed_interrupts": 0,
                                      "pushed_interrupts": 0, "total_time_ms": 0.0,
                                      "module_failures": 0, "module_timeouts": 0}
        self.hub.view.add_listener(self._on_event)

    # ---- the seed's calls ----------------------------------------------------------------------

    async def initialize(self) -> bool:
        """Connects to the hub; ``True`` once the event stream is live (status ``ready``, ``is_initialized``),
        ``False`` (logged; status ``error``) when the hub cannot be reached within the call timeout, as the
        original answers a failed initialisation. Interrupts pushed from elsewhere are handled on the event
        loop this is called from."""
        self.set_status(ModuleStatus.INITIALIZING)
        self._loop = asyncio.get_running_loop()
        live = await asyncio.to_thread(self.hub.view.wait_live, self.hub._endpoint.timeout)
        if not live:
            LOG.error("interrupt hub at %s is not reachable; checks fall back to HTTP until it is", self.hub.url)
            self.set_status(ModuleStatus.ERROR)
            return False
        self.set_status(ModuleStatus.READY)
        self.is_initialized = True
        return True

    async def process(self, input_data: Dict[str, Any]) -> Any:
        """The original's entry point for the service manager: ``input_data["operation"]`` picks the call,
        ``interrupt_session`` (the default; ``hardware_id``), ``register_module`` (``module_name``,
        ``module_instance``), ``register_callback`` (``callback``) or ``check_interrupt`` (``hardware_id``;
        answers :meth:`should_interrupt`'s bool). Any other operation answers
        ``{"success": False, "error": "Unknown operation: <name>"}``; a call that raises answers
        ``{"success": False, "error": <message>}``."""
        try:
            operation = input_data.get("operation", "interrupt_session")
            if operation == "interrupt_session":
                return await self.interrupt_session(input_data.get("hardware_id", ""))
            if operation == "register_module":
                return await self.register_module(input_data.get("module_name", ""),
                                                  input_data.get("module_instance"))
            if operation == "register_callback":
                return await self.register_callback(input_data.get("callback"))
            if operation == "check_interrupt":
                return self.should_interrupt(input_data.get("hardware_id", ""))
            LOG.warning("unknown interrupt operation: %s", operation)
            return {"success": False, "error": f"Unknown operation: {operation}"}
        except Exception as e:
            LOG.error("error processing interrupt request: %s", e)
            return {"success": False, "error": str(e)}

    async def interrupt_session(self, hardware_id: str) -> Dict[str, Any]:
        """Interrupts the device at the hub (``POST /interrupt/{id}``), then runs this process's modules
        and callbacks. The seed's keys (``cleaned_sessions``: the ids of the device's sessions this process
        had registered and removed, as a list), plus ``epoch``, ``sessions_interrupted`` (sessions the hub
        marked, in every process) and the hub's result."""
        started = time.perf_counter()
        self.stats["total_interrupts"] += 1
        try:
            result = await asyncio.to_thread(self.hub.interrupt, hardware_id, "interrupt_session",
                                             source="python-interrupt-manager")
        except InterruptHubError as e:
            self.stats["failed_interrupts"] += 1
            LOG.error("interrupt of %s failed: %s", hardware_id, e)
            return {"success": False, "hardware_id": hardware_id, "error": str(e), "timestamp": time.time()}
        self._note_interrupt(hardware_id)
        local = await self._handle(hardware_id, int(result["epoch"]))
        success = bool(result.get("success")) and local["success"]
        elapsed = (time.perf_counter() - started) * 1000.0
        self.stats["successful_interrupts" if success else "failed_interrupts"] += 1
        self.stats["total_time_ms"] += elapsed
        return {"success": success, "hardware_id": hardware_id, "interrupted_modules": local["interrupted_modules"],
                "cleaned_sessions": local["cleaned_sessions"], "total_time_ms": round(elapsed, 3),
                "timestamp": time.time(), "epoch": result["epoch"],
                "sessions_interrupted": result.get("sessionsInterrupted", 0), "failed_modules": local["failed_modules"],
                "hub": result}

    async def register_module(self, module_name: str, module_instance: Any) -> bool:
        """Registers a local module: its configured methods run here when one of this process's devices
        is interrupted, wherever the interrupt was made."""
        if not module_name or module_instance is None:
            LOG.error("register_module needs a name and an instance")
            return False
        self.registered_modules[module_name] = module_instance
        return True

    async def register_callback(self, callback: Callable[[str], Any]) -> bool:
        """Registers ``callback(hardware_id)`` (sync or async), called after every interrupt handled here.
        A callback registered twice is called once, as in the original (which keeps them in a set)."""
        if not callable(callback):
            LOG.error("register_callback needs a callable")
            return False
        if callback not in self.interrupt_callbacks:
            self.interrupt_callbacks.append(callback)
        return True

    def should_interrupt(self, hardware_id: str) -> bool:
        """Whether the device's flag is set; a memory read from the pushed view (no HTTP per check)."""
        try:
            return self.hub.flag(hardware_id)
        except InterruptHubError as e:
            self._warn_once(f"check:{e.status}", f"should_interrupt({hardware_id!r}) failed: {e}")
            return False

    def register_session(self, session_id: str, hardware_id: str, session_data: Any = None) -> bool:
        """Opens the session at the hub with the caller's id and heartbeats it in the background.
        ``False`` (logged) when the hub refuses it (duplicate id, bad id, at ``MAX_ACTIVE_SESSIONS``)."""
        try:
            handle = self.hub.open_session(hardware_id, session_id, keepalive=True)
        except InterruptHubError as e:
            LOG.error("session %s of %s not registered: %s", session_id, hardware_id, e)
            return False
        self._handles[session_id] = handle
        now = time.time()
        self.active_sessions[session_id] = {"hardware_id": hardware_id, "start_time": now, "data": session_data,
                                            "session_data": session_data, "registered_at": now,
                                            "epoch": handle.epoch}
        self.session_counter += 1
        return True

    def unregister_session(self, session_id: str) -> bool:
        """Ends the session at the hub; ``False`` when this process has no such session."""
        handle = self._handles.pop(session_id, None)
        self.active_sessions.pop(session_id, None)
        if handle is None:
            return False
        try:
            handle.end()
        except InterruptHubError as e:
            LOG.warning("session %s could not be ended at the hub: %s", session_id, e)
        return True

    # ---- the original's global flag --------------------------------------------------------------

    @property
    def interrupt_hardware_id(self) -> Optional[str]:
        """The device of the last interrupt made or handled here while its flag is still set, else ``None``
        (the original's attribute; its flag was one for all devices)."""
        last = self._last_interrupt
        if last is None:
            return None
        hardware_id, _, seen = last
        cached = self.hub.view.cached_flag(hardware_id)   # a memory read; never an HTTP call
        if cached is None:
            cached = time.monotonic() - seen < self.interrupt_timeout
        return hardware_id if cached else None

    @property
    def global_interrupt_flag(self) -> bool:
        """Whether the last interrupt made or handled here is still set (the original's attribute)."""
        return self.interrupt_hardware_id is not None

    @property
    def interrupt_timestamp(self) -> Optional[float]:
        """When (``time.time()``) the interrupt of :attr:`interrupt_hardware_id` was made or handled here."""
        last = self._last_interrupt
        return last[1] if last is not None and self.interrupt_hardware_id is not None else None

    def _note_interrupt(self, hardware_id: str) -> None:
        self._last_interrupt = (hardware_id, time.time(), time.monotonic())

    def get_statistics(self) -> Dict[str, Any]:
        """The original's statistics (``registered_modules`` a count, ``global_interrupt_flag``,
        ``interrupt_hardware_id``) of this process, plus the hub connection's."""
        total = self.stats["total_interrupts"]
        view = self.hub.view
        interrupted = self.interrupt_hardware_id
        return {
            "total_interrupts": total,
            "successful_interrupts": self.stats["successful_interrupts"],
            "failed_interrupts": self.stats["failed_interrupts"],
            "success_rate": (self.stats["successful_interrupts"] / total) if total else 0.0,
            "average_interrupt_time_ms": (self.stats["total_time_ms"] / total) if total else 0.0,
            "active_sessions": len(self.active_sessions),
            "registered_modules": len(self.registered_modules),
            "registered_callbacks": len(self.interrupt_callbacks),
            "global_interrupt_flag": interrupted is not None,
            "interrupt_hardware_id": interrupted,
            "registered_module_names": list(self.registered_modules),
            "pushed_interrupts": self.stats["pushed_interrupts"],
            "module_failures": self.stats["module_failures"],
            "module_timeouts": self.stats["module_timeouts"],
            "hub_url": self.hub.url,
            "hub_connected": view.live,
            "stream_reconnects": view.reconnects,
            "stream_gaps": view.gaps,
            "http_fallback_checks": view.http_checks,
        }

    async def cleanup(self) -> bool:
        """As the original: forgets the flag, the sessions (ended at the hub), the modules and the
        callbacks; status ``stopped``, ``is_initialized`` false. Closes the hub connection."""
        for session_id in list(self._handles):
            await asyncio.to_thread(self.unregister_session, session_id)
        self.active_sessions.clear()
        self.registered_modules.clear()
        self.interrupt_callbacks.clear()
        self._last_interrupt = None
        self.hub.view.remove_listener(self._on_event)
        await asyncio.to_thread(self.hub.close)
        self.set_status(ModuleStatus.STOPPED)
        self.is_initialized = False
        return True

    # ---- interrupts pushed by the hub ----------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        """On the stream's thread: an interrupt of a device this process has sessions for runs the modules."""
        if event.name != "interrupt" or self._loop is None:
            return
        hardware_id = event.hardware_id
        if not hardware_id or not any(s["hardware_id"] == hardware_id for s in list(self.active_sessions.values())):
            return
        epoch = int(event.data.get("epoch", 0))
        try:
            self._loop.call_soon_threadsafe(self._pushed, hardware_id, epoch)
        except RuntimeError:
            pass  # the loop is closed

    def _pushed(self, hardware_id: str, epoch: int) -> None:
        if (hardware_id, epoch) in self._handled:
            return
        self.stats["pushed_interrupts"] += 1
        self._note_interrupt(hardware_id)
        asyncio.ensure_future(self._handle(hardware_id, epoch))

    async def _handle(self, hardware_id: str, epoch: int) -> Dict[str, Any]:
        """Runs modules, callbacks and cleanup once per (device, epoch), whoever reports it first."""
        key = (hardware_id, epoch)
        existing = self._handled.get(key)
        if existing is not None:
            return await asyncio.shield(existing)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._handled[key] = future
        while len(self._handled) > _HANDLED_LIMIT:
            self._handled.popitem(last=False)
        try:
            outcome = await self._run_local(hardware_id)
        except BaseException as e:  # never leave a waiter hanging
            future.set_exception(e)
            raise
        future.set_result(outcome)
        return outcome

    async def _run_local(self, hardware_id: str) -> Dict[str, Any]:
        names = [n for n in self.registered_modules if self._module_config(n)["enabled"]]
        outcomes = await asyncio.gather(*(self._interrupt_module(n, hardware_id) for n in names))
        interrupted = [n for n, ok in zip(names, outcomes) if ok]
        failed = [n for n, ok in zip(names, outcomes) if not ok]
        for callback in list(self.interrupt_callbacks):
            try:
                if inspect.iscoroutinefunction(callback):
                    await asyncio.wait_for(callback(hardware_id), self.interrupt_timeout)
                else:
                    result = callback(hardware_id)
                    if inspect.isawaitable(result):
                        await asyncio.wait_for(result, self.interrupt_timeout)
            except Exception as e:
                LOG.error("interrupt callback %r failed for %s: %s", callback, hardware_id, e)
        cleaned: List[str] = []
        if self.cleanup_on_interrupt and (self.force_cleanup or not failed):
            for session_id, info in list(self.active_sessions.items()):
                if info["hardware_id"] == hardware_id:
                    self.active_sessions.pop(session_id, None)
                    handle = self._handles.pop(session_id, None)
                    if handle is not None:
                        self.hub._keepalive.remove(session_id)
                        self.hub.view.untrack_session(session_id)
                    cleaned.append(session_id)
        return {"success": not failed, "interrupted_modules": interrupted, "failed_modules": failed,
                "cleaned_sessions": cleaned}

    async def _interrupt_module(self, name: str, hardware_id: str) -> bool:
        """Calls the module's configured methods in order within the module's timeout, as the seed did.
        A method taking an argument gets the ``hardware_id``; a synchronous one runs in a worker thread so
        the timeout holds (a hung one is abandoned, not killed)."""
        module = self.registered_modules.get(name)
        settings = self._module_config(name)
        timeout = float(settings.get("timeout") or self.interrupt_timeout)

        async def run_methods() -> None:
            for method_name in settings.get("interrupt_methods") or []:
                method = getattr(module, method_name, None)
                if method is None:
                    continue  # the seed skipped methods a module does not have
                args = (hardware_id,) if _takes_argument(method) else ()
                if inspect.iscoroutinefunction(method):
                    await method(*args)
                else:
                    result = await asyncio.to_thread(method, *args)
                    if inspect.isawaitable(result):
                        await result

        try:
            await asyncio.wait_for(run_methods(), timeout)
            return True
        except asyncio.TimeoutError:
            self.stats["module_timeouts"] += 1
            LOG.warning("module %s did not finish within %.3fs for %s", name, timeout, hardware_id)
        except Exception as e:
            self.stats["module_failures"] += 1
            LOG.error("module %s failed for %s: %s", name, hardware_id, e)
        return False

    def _module_config(self, name: str) -> Dict[str, Any]:
        settings = dict(DEFAULT_MODULES.get(name, {"enabled": True, "interrupt_methods": [],
                                                   "timeout": self.interrupt_timeout}))
        given: Any = None
        getter = getattr(self.config, "get_module_config", None)
        if callable(getter):
            given = getter(name)
        else:
            modules = _setting(self.config, "modules", None) if self.config is not None else None
            if isinstance(modules, Mapping):
                given = modules.get(name)
        if isinstance(given, Mapping):
            settings.update(given)
        elif given is not None:
            settings.update({k: getattr(given, k) for k in ("enabled", "interrupt_methods", "timeout")
                             if hasattr(given, k)})
        return settings

    def _warn_once(self, key: str, message: str) -> None:
        if key in self._warned:
            LOG.debug(message)
            return
        self._warned[key] = None
        while len(self._warned) > 64:
            self._warned.popitem(last=False)
        LOG.warning(message)


def _takes_argument(method: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)

