"""The drop-in: the seed backend's calls, with only the import changed, against the real service."""
from __future__ import annotations

import asyncio
import time

import pytest

from conftest import wait_until
from interrupthub import InterruptManager


class TextProcessor:
    """A seed-style module: its interrupt methods take no argument."""

    def __init__(self) -> None:
        self.calls = []

    async def cancel_generation(self):
        self.calls.append("cancel_generation")

    def clear_buffers(self):
        self.calls.append("clear_buffers")


class AudioGenerator:
    def __init__(self) -> None:
        self.stopped = []

    def stop_generation(self, hardware_id):  # a method taking an argument gets the device
        self.stopped.append(hardware_id)


class HangingDatabase:
    async def clear_cache(self):
        await asyncio.sleep(30)  # never finishes within the module's 0.5 s


def run(coro):
    return asyncio.run(coro)


def test_the_seeds_calls_with_only_the_import_changed(hub_server, device):
    async def backend():
        interrupt_manager = InterruptManager(url=hub_server.url)
        assert await interrupt_manager.initialize() is True
        text_processor, audio = TextProcessor(), AudioGenerator()
        assert await interrupt_manager.register_module("text_processing", text_processor) is True
        assert await interrupt_manager.register_module("audio_generation", audio) is True
        called = []
        assert await interrupt_manager.register_callback(lambda hw: called.append(hw)) is True

        async def async_callback(hw):
            called.append("async:" + hw)
        assert await interrupt_manager.register_callback(async_callback) is True
        assert interrupt_manager.register_session("seed-" + device[-6:], device, {"user": "u1"}) is True
        assert interrupt_manager.should_interrupt(device) is False

        result = await interrupt_manager.interrupt_session(device)
        assert {"success", "hardware_id", "interrupted_modules", "cleaned_sessions", "total_time_ms",
                "timestamp"} <= set(result)
        assert result["success"] is True and result["hardware_id"] == device
        assert sorted(result["interrupted_modules"]) == ["audio_generation", "text_processing"]
        assert result["cleaned_sessions"] == ["seed-" + device[-6:]] and result["sessions_interrupted"] == 1
        assert text_processor.calls == ["cancel_generation", "clear_buffers"]
        assert audio.stopped == [device]
        assert called == [device, "async:" + device]
        assert interrupt_manager.should_interrupt(device) is True

        stats = interrupt_manager.get_statistics()
        assert {"total_interrupts", "success_rate", "active_sessions", "registered_modules"} <= set(stats)
        assert stats["total_interrupts"] == 1 and stats["success_rate"] == 1.0 and stats["active_sessions"] == 0
        assert stats["registered_modules"] == 2
        assert stats["registered_module_names"] == ["text_processing", "audio_generation"]
        # The interrupt cleaned the session up, as the seed's did.
        assert interrupt_manager.unregister_session("seed-" + device[-6:]) is False
        assert interrupt_manager.register_session("seed2-" + device[-6:], device) is True
        assert interrupt_manager.unregister_session("seed2-" + device[-6:]) is True
        assert await interrupt_manager.cleanup() is True
        # Modules ran once: the stream's report of the same interrupt was not run again.
        assert text_processor.calls == ["cancel_generation", "clear_buffers"]
    run(backend())


def test_an_interrupt_made_by_another_process_runs_this_processs_modules_once(hub_server, other, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        assert await manager.initialize()
        text, callbacks = TextProcessor(), []
        await manager.register_module("text_processing", text)
        await manager.register_callback(callbacks.append)
        assert manager.register_session("pushed-" + device[-6:], device)
        await asyncio.to_thread(other.interrupt, device, "from elsewhere")
        await wait_for(lambda: text.calls == ["cancel_generation", "clear_buffers"] and callbacks == [device])
        assert manager.should_interrupt(device)
        assert manager.get_statistics()["pushed_interrupts"] == 1
        assert manager.get_statistics()["active_sessions"] == 0
        # The interrupt-result event and later events of the device do not run the modules again.
        await asyncio.to_thread(other.interrupt, device + "-other")
        await asyncio.sleep(0)  # let queued callbacks run
        assert text.calls == ["cancel_generation", "clear_buffers"]
        await manager.cleanup()
    run(backend())


def test_an_interrupt_of_a_device_without_sessions_here_leaves_the_modules_alone(hub_server, other, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        text = TextProcessor()
        await manager.register_module("text_processing", text)
        assert manager.register_session("mine-" + device[-6:], device)
        await asyncio.to_thread(other.interrupt, device + "-not-mine")
        await wait_for(lambda: manager.should_interrupt(device + "-not-mine"))
        assert text.calls == [] and manager.should_interrupt(device) is False
        await manager.cleanup()
    run(backend())


def test_flags_are_per_device_unlike_the_seeds_global_flag(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        await manager.interrupt_session(device + "-a")
        await manager.interrupt_session(device + "-b")
        assert manager.should_interrupt(device + "-a") and manager.should_interrupt(device + "-b")
        assert manager.should_interrupt(device + "-c") is False
        await manager.cleanup()
    run(backend())


def test_a_module_over_its_timeout_fails_the_interrupt_but_not_the_others(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        text = TextProcessor()
        await manager.register_module("database", HangingDatabase())
        await manager.register_module("text_processing", text)
        started = time.monotonic()
        result = await manager.interrupt_session(device)
        assert time.monotonic() - started < 30
        assert result["success"] is False and result["failed_modules"] == ["database"]
        assert result["interrupted_modules"] == ["text_processing"] and text.calls
        assert manager.get_statistics()["module_timeouts"] == 1
        await manager.cleanup()
    run(backend())


def test_per_module_settings_and_the_seeds_extra_variables(hub_server, device, monkeypatch):
    async def backend():
        config = {"modules": {"text_processing": {"interrupt_methods": ["clear_buffers"]},
                              "audio_generation": {"enabled": False}},
                  "cleanup_on_interrupt": False}
        manager = InterruptManager(config, url=hub_server.url)
        await manager.initialize()
        text, audio = TextProcessor(), AudioGenerator()
        await manager.register_module("text_processing", text)
        await manager.register_module("audio_generation", audio)
        assert manager.register_session("kept-" + device[-6:], device)
        result = await manager.interrupt_session(device)
        assert text.calls == ["clear_buffers"] and audio.stopped == []
        assert result["interrupted_modules"] == ["text_processing"] and result["cleaned_sessions"] == []
        assert manager.get_statistics()["active_sessions"] == 1  # CLEANUP_ON_INTERRUPT=false keeps it
        await manager.cleanup()

        monkeypatch.setenv("FORCE_CLEANUP", "false")
        strict = InterruptManager(url=hub_server.url)
        await strict.initialize()
        await strict.register_module("database", HangingDatabase())
        assert strict.register_session("strict-" + device[-6:], device + "-s")
        result = await strict.interrupt_session(device + "-s")
        assert result["success"] is False and result["cleaned_sessions"] == []  # a module failed: kept
        await strict.cleanup()
    run(backend())
    monkeypatch.setenv("INTERRUPT_PRIORITY", "low")
    with pytest.raises(ValueError, match="INTERRUPT_PRIORITY"):
        InterruptManager(url=hub_server.url)


def test_refusals_keep_the_seeds_contract(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        result = await manager.interrupt_session("bad id!")
        assert result["success"] is False and result["hardware_id"] == "bad id!"
        assert "400" in result["error"] and "timestamp" in result
        assert manager.register_session("same-" + device[-6:], device)
        assert manager.register_session("same-" + device[-6:], device) is False  # 409 at the hub
        assert manager.should_interrupt("bad id!") is False
        assert manager.get_statistics()["failed_interrupts"] == 1
        await manager.cleanup()
    run(backend())


def test_initialize_is_false_when_the_hub_is_unreachable():
    from conftest import free_port

    async def backend():
        manager = InterruptManager(url=f"http://127.0.0.1:{free_port()}", timeout=0.5)
        assert await manager.initialize() is False
        result = await manager.interrupt_session("any")
        assert result["success"] is False and "unreachable" in result["error"]
        assert manager.should_interrupt("any") is False
        assert await manager.cleanup() is True
    run(backend())


async def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)
