"""asyncio flavour of the native client: :class:`AsyncInterruptHub` has the names of
:class:`interrupthub.InterruptHub`, as coroutines.

The standard library has no asyncio HTTP client, so a call that goes over the network runs the
synchronous client in a worker thread (:func:`asyncio.to_thread`); checks answered by the pushed view
(:meth:`AsyncInterruptHub.flag`, :meth:`AsyncSession.is_interrupted`) return without leaving the event
loop, and events reach :meth:`AsyncInterruptHub.watch` through the loop, with no thread per watcher.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from .client import InterruptHub, Session, SpeechDecision
from .view import Event, PushedView


class AsyncSession:
    """A session handle for asyncio code (see :class:`interrupthub.Session`)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.session_id = session.session_id
        self.hardware_id = session.hardware_id
        self.epoch = session.epoch

    @property
    def info(self) -> Dict[str, Any]:
        return self._session.info

    async def is_interrupted(self) -> bool:
        """Whether the hub interrupted this session; a memory read while the event stream is live."""
        state = self._session._hub._view.cached_session_state(self.session_id)
        if state is None:
            return await asyncio.to_thread(self._session.is_interrupted)
        return state in ("INTERRUPTED", "GONE")

    async def state(self) -> str:
        """``ACTIVE``, ``PAUSED``, ``INTERRUPTED``, ``ENDED``, ``EXPIRED`` or ``GONE``."""
        state = self._session._hub._view.cached_session_state(self.session_id)
        return state if state is not None else await asyncio.to_thread(lambda: self._session.state)

    async def heartbeat(self) -> Dict[str, Any]:
        return await asyncio.to_thread(self._session.heartbeat)

    async def delivered(self, text_chars: int = 0, audio_ms: int = 0) -> Dict[str, Any]:
        return await asyncio.to_thread(self._session.delivered, text_chars, audio_ms)

    async def stopped(self, text_chars: Optional[int] = None, audio_ms: Optional[int] = None) -> Dict[str, Any]:
        return await asyncio.to_thread(self._session.stopped, text_chars, audio_ms)

    async def commit(self, action: str) -> Dict[str, Any]:
        return await asyncio.to_thread(self._session.commit, action)

    async def is_paused(self) -> bool:
        """Whether a tentative interrupt holds this session; a memory read while the event stream is live."""
        state = self._session._hub._view.cached_session_state(self.session_id)
        if state is None:
            return await asyncio.to_thread(self._session.is_paused)
        return state == "PAUSED"

    async def end(self) -> bool:
        return await asyncio.to_thread(self._session.end)

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.to_thread(self._session.__exit__, *exc)


class AsyncWatch:
    """Events as an async iterator; a reader ``max_pending`` events behind gets one ``gap`` in their place."""

    def __init__(self, view: PushedView, hardware_id: Optional[str], max_pending: int) -> None:
        self._view = view
        self._hardware_id = hardware_id
        self._loop = asyncio.get_running_loop()
        self._queue: "asyncio.Queue[Optional[Event]]" = asyncio.Queue(maxsize=max_pending)
        self._closed = False
        view.add_listener(self._from_stream)

    def _from_stream(self, event: Event) -> None:
        if self._hardware_id is not None and event.hardware_id not in (None, self._hardware_id):
            return
        try:
            self._loop.call_soon_threadsafe(self._offer, event)
        except RuntimeError:
            self._view.remove_listener(self._from_stream)  # the loop is closed

    def _offer(self, event: Optional[Event]) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            dropped = 0
            while not self._queue.empty():
                self._queue.get_nowait()
                dropped += 1
            self._queue.put_nowait(Event("gap", {"dropped": dropped + 1, "local": True}))

    async def next(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event; ``None`` after ``timeout`` seconds without one or once closed."""
        if self._closed:
            return None  # events still buffered when it was closed are dropped with it
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def __aiter__(self) -> "AsyncWatch":
        return self

    async def __anext__(self) -> Event:
        event = await self.next()
        if event is None:
            raise StopAsyncIteration
        return event

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._view.remove_listener(self._from_stream)
            self._offer(None)

    async def __aenter__(self) -> "AsyncWatch":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class AsyncInterruptHub:
    """:class:`interrupthub.InterruptHub` for asyncio: the same arguments, the same names, as coroutines.
    Use ``async with AsyncInterruptHub(url) as hub:`` or ``await hub.close()``."""

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, **options: Any) -> None:
        self._hub = InterruptHub(url, api_key, **options)

    @property
    def view(self) -> PushedView:
        return self._hub.view

    @property
    def sync(self) -> InterruptHub:
        """The synchronous client underneath (its calls block)."""
        return self._hub

    def connection_stats(self) -> Dict[str, int]:
        """See :meth:`interrupthub.InterruptHub.connection_stats` (a memory read)."""
        return self._hub.connection_stats()

    async def interrupt(self, hardware_id: str, reason: Optional[str] = None, *, source: Optional[str] = None,
                        wait: bool = True) -> Dict[str, Any]:
        return await asyncio.to_thread(self._hub.interrupt, hardware_id, reason, source=source, wait=wait)

    async def pause(self, hardware_id: str, reason: Optional[str] = None, *,
                    source: Optional[str] = None) -> Dict[str, Any]:
        return await asyncio.to_thread(self._hub.pause, hardware_id, reason, source=source)

    async def resume(self, hardware_id: str) -> Dict[str, Any]:
        return await asyncio.to_thread(self._hub.resume, hardware_id)

    async def report_speech(self, hardware_id: str, transcript: str = "", speech_ms: int = 0,
                            final: bool = False) -> SpeechDecision:
        return await asyncio.to_thread(self._hub.report_speech, hardware_id, transcript, speech_ms, final)

    async def flag(self, hardware_id: str) -> bool:
        cached = self._hub.view.cached_flag(hardware_id)
        return cached if cached is not None else await asyncio.to_thread(self._hub.flag, hardware_id)

    async def flag_status(self, hardware_id: str) -> Dict[str, Any]:
        return await asyncio.to_thread(self._hub.flag_status, hardware_id)

    async def reset(self, hardware_id: str) -> None:
        await asyncio.to_thread(self._hub.reset, hardware_id)

    async def history(self, hardware_id: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        return await asyncio.to_thread(self._hub.history, hardware_id, limit)

    async def statistics(self) -> Dict[str, Any]:
        return await asyncio.to_thread(self._hub.statistics)

    async def open_session(self, hardware_id: str, session_id: Optional[str] = None, *, epoch: Optional[int] = None,
                           keepalive: bool = False, policy: Optional[str] = None) -> AsyncSession:
        session = await asyncio.to_thread(self._hub.open_session, hardware_id, session_id, epoch=epoch,
                                          keepalive=keepalive, policy=policy)
        return AsyncSession(session)

    def watch(self, hardware_id: Optional[str] = None, max_pending: int = 1024) -> AsyncWatch:
        """Events from now on (``async for event in hub.watch(device)``); call from the event loop."""
        return AsyncWatch(self._hub.view, hardware_id, max_pending)

    async def close(self) -> None:
        await asyncio.to_thread(self._hub.close)

    async def __aenter__(self) -> "AsyncInterruptHub":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
