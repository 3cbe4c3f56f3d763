"""The original backend's ``InterruptManager`` surface, call by call: each test states what the original
does and shows the drop-in does the same against the real service. The original extends
``UniversalModuleInterface``; the backend's service manager initialises every module, reads
``is_initialized`` and ``get_status()``, and calls ``cleanup()``."""
from __future__ import annotations

import asyncio

from conftest import free_port
from interrupthub import InterruptManager, ModuleStatus, UniversalModuleInterface


def run(coro):
    return asyncio.run(coro)


class Recorder:
    def __init__(self) -> None:
        self.calls = []

    def cancel_generation(self):
        self.calls.append("cancel_generation")


def test_a_new_manager_is_the_uninitialized_interrupt_handling_module(hub_server):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        assert isinstance(manager, UniversalModuleInterface)
        assert manager.name == "interrupt_handling"
        assert manager.status is ModuleStatus.UNINITIALIZED and manager.is_initialized is False
        assert manager.global_interrupt_flag is False and manager.interrupt_hardware_id is None
        assert manager.interrupt_timestamp is None
        assert manager.active_sessions == {} and manager.registered_modules == {} and manager.session_counter == 0
        assert str(manager) == "Module(interrupt_handling, status=uninitialized)"
        await manager.cleanup()
    run(backend())


def test_module_status_has_the_originals_six_values():
    assert [s.value for s in ModuleStatus] == ["uninitialized", "initializing", "ready", "processing", "error",
                                               "stopped"]


def test_initialize_returns_true_and_leaves_it_ready_and_initialized(hub_server):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        assert await manager.initialize() is True
        assert manager.status is ModuleStatus.READY and manager.is_initialized is True
        await manager.cleanup()
    run(backend())


def test_initialize_that_fails_returns_false_with_status_error():
    async def backend():
        manager = InterruptManager(url=f"http://127.0.0.1:{free_port()}", timeout=0.5)
        assert await manager.initialize() is False
        assert manager.status is ModuleStatus.ERROR and manager.is_initialized is False
        await manager.cleanup()
    run(backend())


def test_get_status_reports_name_status_value_initialized_and_config_keys(hub_server):
    class InterruptHandlingConfig:  # the original's config object keeps its settings in .config
        def __init__(self) -> None:
            self.config = {"global_interrupt_enabled": True, "interrupt_timeout": 5.0}

    async def backend():
        manager = InterruptManager({"interrupt_timeout": 5.0, "force_cleanup": True}, url=hub_server.url)
        assert manager.get_status() == {"name": "interrupt_handling", "status": "uninitialized",
                                        "is_initialized": False, "config_keys": ["interrupt_timeout", "force_cleanup"]}
        await manager.initialize()
        assert manager.get_status()["status"] == "ready" and manager.get_status()["is_initialized"] is True
        await manager.cleanup()
        with_object = InterruptManager(InterruptHandlingConfig(), url=hub_server.url)
        assert with_object.get_status()["config_keys"] == ["global_interrupt_enabled", "interrupt_timeout"]
        assert InterruptManager(url=hub_server.url).get_status()["config_keys"] == []
        await with_object.cleanup()
    run(backend())


def test_set_status_sets_the_status_get_status_reports(hub_server):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        manager.set_status(ModuleStatus.PROCESSING)
        assert manager.status is ModuleStatus.PROCESSING and manager.get_status()["status"] == "processing"
        await manager.cleanup()
    run(backend())


def test_interrupt_session_returns_the_cleaned_session_ids_as_a_list(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        first, second, elsewhere = (f"{name}-{device[-6:]}" for name in ("first", "second", "elsewhere"))
        assert manager.register_session(first, device, {"user": "u1"})
        assert manager.register_session(second, device, {"user": "u1"})
        assert manager.register_session(elsewhere, device + "-other", {})
        result = await manager.interrupt_session(device)
        assert result["success"] is True
        assert [sid for sid in result["cleaned_sessions"]] == [first, second]
        assert list(manager.active_sessions) == [elsewhere]
        assert result["sessions_interrupted"] == 2
        await manager.cleanup()
    run(backend())


def test_get_statistics_counts_registered_modules_and_reports_the_global_flag_and_its_device(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        await manager.register_module("text_processing", Recorder())
        await manager.register_module("audio_generation", Recorder())
        stats = manager.get_statistics()
        assert stats["registered_modules"] == 2
        assert stats["global_interrupt_flag"] is False and stats["interrupt_hardware_id"] is None
        await manager.interrupt_session(device)
        stats = manager.get_statistics()
        assert stats["global_interrupt_flag"] is True and stats["interrupt_hardware_id"] == device
        assert manager.global_interrupt_flag is True and manager.interrupt_timestamp is not None
        await asyncio.to_thread(manager.hub.reset, device)  # the flag is gone: so is the original's global flag
        stats = manager.get_statistics()
        assert stats["global_interrupt_flag"] is False and stats["interrupt_hardware_id"] is None
        assert {"total_interrupts", "successful_interrupts", "failed_interrupts", "success_rate", "active_sessions",
                "registered_callbacks"} <= set(stats)
        await manager.cleanup()
    run(backend())


def test_process_interrupts_a_session_when_no_operation_is_named(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        manager.register_session("proc-" + device[-6:], device, {})
        result = await manager.process({"hardware_id": device})
        assert result["success"] is True and result["hardware_id"] == device
        assert result["cleaned_sessions"] == ["proc-" + device[-6:]]
        again = await manager.process({"operation": "interrupt_session", "hardware_id": device})
        assert again["success"] is True and again["epoch"] == result["epoch"] + 1
        await manager.cleanup()
    run(backend())


def test_process_dispatches_register_module_register_callback_and_check_interrupt(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        module, heard = Recorder(), []
        assert await manager.process({"operation": "register_module", "module_name": "text_processing",
                                      "module_instance": module}) is True
        assert await manager.process({"operation": "register_callback", "callback": heard.append}) is True
        assert await manager.process({"operation": "check_interrupt", "hardware_id": device}) is False
        await manager.process({"hardware_id": device})
        assert await manager.process({"operation": "check_interrupt", "hardware_id": device}) is True
        assert module.calls == ["cancel_generation"] and heard == [device]
        await manager.cleanup()
    run(backend())


def test_process_answers_an_unknown_operation_with_success_false_and_its_name(hub_server):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        assert await manager.process({"operation": "reboot"}) == {"success": False,
                                                                  "error": "Unknown operation: reboot"}
        failed = await manager.process(None)  # a call that raises answers its message, as the original's
        assert failed["success"] is False and failed["error"]
        await manager.cleanup()
    run(backend())


def test_register_module_returns_true_and_keeps_the_instance_by_name(hub_server):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        module = Recorder()
        assert await manager.register_module("text_processing", module) is True
        assert manager.registered_modules == {"text_processing": module}
        await manager.cleanup()
    run(backend())


def test_register_callback_keeps_a_callback_registered_twice_once(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        heard = []
        assert await manager.register_callback(heard.append) is True
        assert await manager.register_callback(heard.append) is True
        assert manager.get_statistics()["registered_callbacks"] == 1
        await manager.interrupt_session(device)
        assert heard == [device]
        await manager.cleanup()
    run(backend())


def test_register_session_keeps_the_originals_entry_and_counts_sessions(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        assert manager.register_session("reg-" + device[-6:], device, {"user": "u1"}) is True
        entry = manager.active_sessions["reg-" + device[-6:]]
        assert entry["hardware_id"] == device and entry["data"] == {"user": "u1"} and entry["start_time"] > 0
        assert manager.session_counter == 1
        await manager.cleanup()
    run(backend())


def test_unregister_session_is_true_once_and_false_for_a_session_it_does_not_have(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        manager.register_session("unreg-" + device[-6:], device, {})
        assert manager.unregister_session("unreg-" + device[-6:]) is True
        assert manager.unregister_session("unreg-" + device[-6:]) is False
        assert manager.unregister_session("never-registered") is False
        await manager.cleanup()
    run(backend())


def test_cleanup_stops_it_and_forgets_flag_sessions_modules_and_callbacks(hub_server, device):
    async def backend():
        manager = InterruptManager(url=hub_server.url)
        await manager.initialize()
        await manager.register_module("text_processing", Recorder())
        await manager.register_callback(lambda hw: None)
        manager.register_session("clean-" + device[-6:], device, {})
        await manager.interrupt_session(device + "-x")
        assert await manager.cleanup() is True
        assert manager.status is ModuleStatus.STOPPED and manager.is_initialized is False
        assert manager.active_sessions == {} and manager.registered_modules == {} and manager.interrupt_callbacks == []
        assert manager.global_interrupt_flag is False and manager.interrupt_hardware_id is None
        assert manager.get_status()["status"] == "stopped"
    run(backend())


def test_the_backends_service_manager_drives_it_like_any_of_its_modules(hub_server):
    async def service_manager(modules):
        for module in modules.values():
            await module.initialize()
        statuses = {name: module.get_status() for name, module in modules.items() if module.is_initialized}
        for module in modules.values():
            await module.cleanup()
        return statuses

    manager = InterruptManager(url=hub_server.url)
    statuses = run(service_manager({"interrupt_handling": manager}))
    assert statuses["interrupt_handling"]["status"] == "ready" and statuses["interrupt_handling"]["is_initialized"]
    assert manager.get_status()["status"] == "stopped"
