"""The native client against the real service: every call, the pushed view, watches, problems."""
from __future__ import annotations

import statistics
import threading
import time

import pytest

from conftest import wait_until
from interrupthub import (BadRequest, Conflict, HubUnreachable, InterruptHub, InterruptHubError, NotFound)
from interrupthub.view import parse_instant


def test_interrupt_returns_the_hubs_result_and_wait_false_only_the_epoch(hub, device):
    result = hub.interrupt(device, "user_barge_in", source="pytest")
    assert result["hardwareId"] == device and result["success"] is True
    assert result["reason"] == "user_barge_in" and result["source"] == "pytest"
    assert result["epoch"] == 1 and "modules" in result
    accepted = hub.interrupt(device, wait=False)
    assert accepted == {"hardwareId": device, "epoch": 2}


def test_flag_is_pushed_by_another_clients_interrupt_within_100ms_without_http_checks(hub, other, device):
    assert hub.flag(device) is False  # one HTTP check at most: a device the view has not seen yet
    wait_until(lambda: hub.view.cached_flag(device) is False, message="the device known to the view")
    latencies = []
    with hub.watch(device) as events:
        for _ in range(10):
            checks_before = hub.view.http_checks
            other.interrupt(device, wait=False)
            wait_until(lambda: hub.flag(device), timeout=30, interval=0.0005, message="the pushed flag")
            flipped = time.time()
            started = next(e for e in iter(lambda: events.next(timeout=30), None) if e.name == "interrupt")
            # From the hub starting the interrupt (its `at`, same host clock) to this process's view flipping.
            latencies.append((flipped - parse_instant(started.data["at"])) * 1000)
            assert hub.view.http_checks == checks_before, "the flag came from an HTTP check, not the stream"
            other.open_session(device).end()   # a new turn clears the flag
            wait_until(lambda: not hub.flag(device), timeout=30, message="the flag cleared by a new turn")
    print(f"pushed flag latency, ms: median {statistics.median(latencies):.1f}, max {max(latencies):.1f}")
    assert statistics.median(latencies) < 100, f"pushed flag latencies (ms): {latencies}"


def test_reset_clears_the_flag_at_the_hub_and_in_the_view(hub, device):
    hub.interrupt(device)
    wait_until(lambda: hub.flag(device))
    hub.reset(device)
    assert hub.flag(device) is False
    assert hub.flag_status(device)["interrupted"] is False


def test_flag_expires_locally_at_the_hubs_expires_at(hub, device):
    hub.interrupt(device)
    status = hub.flag_status(device)
    assert status["interrupted"] is True
    expires_at = parse_instant(status["expiresAt"])
    checks = hub.view.http_checks
    wait_until(lambda: not hub.flag(device), timeout=30, interval=0.002, message="local expiry")
    cleared = time.time()
    assert hub.view.http_checks == checks, "expiry came from an HTTP check, not the local clock"
    assert -0.05 <= cleared - expires_at < 0.5, f"cleared {cleared - expires_at:+.3f}s from expiresAt"


def test_flag_status_gives_epoch_and_expiry(hub, device):
    assert hub.flag_status(device) == {"hardwareId": device, "interrupted": False, "epoch": 0,
                                       "checkIntervalMs": 100}
    hub.interrupt(device)
    status = hub.flag_status(device)
    assert status["interrupted"] and status["epoch"] == 1 and status["setAt"] and status["expiresAt"]


def test_session_turns_interrupted_when_another_client_interrupts_its_device_without_polling(hub, other, device):
    with hub.open_session(device) as session:
        assert session.hardware_id == device and session.state == "ACTIVE"
        assert session.is_interrupted() is False
        checks = hub.view.http_checks
        other.interrupt(device, "user_barge_in")
        wait_until(session.is_interrupted, timeout=30, message="the session interrupted")
        assert session.state == "INTERRUPTED"
        assert hub.view.http_checks == checks


def test_a_tentative_interrupt_pauses_the_session_and_a_resume_gives_it_back(hub, other, device):
    with hub.open_session(device) as session:
        paused = other.pause(device, "vad_speech_start")
        assert paused["tentative"] is True and paused["sessionIds"] == [session.session_id]
        wait_until(session.is_paused, timeout=30, message="the session paused")
        assert session.is_interrupted() is False
        assert other.pause(device)["alreadyPaused"] is True
        resumed = other.resume(device)
        assert resumed["outcome"] == "resumed"
        wait_until(lambda: session.state == "ACTIVE", timeout=30, message="the session resumed")
        with pytest.raises(Conflict):
            other.resume(device)


def test_a_real_interrupt_after_a_pause_interrupts_and_says_it_followed_one(hub, other, device):
    with hub.open_session(device) as session:
        other.pause(device)
        wait_until(session.is_paused, timeout=30, message="the session paused")
        result = other.interrupt(device, "user_barge_in")
        assert result["followedPause"]["outcome"] == "confirmed"
        wait_until(session.is_interrupted, timeout=30, message="the session interrupted")


def test_session_heartbeat_delivered_and_end(hub, device):
    session = hub.open_session(device, "py-session-" + device[-6:])
    assert session.session_id == "py-session-" + device[-6:]
    before = parse_instant(session.info["expiresAt"])
    wait_until(lambda: parse_instant(session.heartbeat()["expiresAt"]) > before, message="a later expiresAt")
    info = session.delivered(text_chars=42, audio_ms=1500)
    assert info["delivered"] == {"textChars": 42, "audioMs": 1500}
    assert session.end() is True
    assert session.end() is False  # already ended: nothing to do
    with pytest.raises(NotFound):
        session.heartbeat()


def test_a_session_planned_before_an_interrupt_is_born_interrupted(hub, device):
    planned = hub.flag_status(device)["epoch"]
    hub.interrupt(device)
    with hub.open_session(device, epoch=planned) as stale:
        assert stale.is_interrupted()


def test_keepalive_heartbeats_until_the_session_ends(hub_server, device):
    with InterruptHub(hub_server.url) as client:
        session = client.open_session(device, keepalive=True)
        assert client._keepalive._sessions == {session.session_id: session}
        session.end()
        assert client._keepalive._sessions == {}


def test_statistics_and_history(hub, device):
    hub.interrupt(device, "one")
    hub.interrupt(device, "two")
    stats = hub.statistics()
    assert stats["interrupts"]["total"] >= 2 and "sessions" in stats and "flags" in stats
    history = hub.history(device, limit=10)
    assert [h["reason"] for h in history] == ["two", "one"]
    assert len(hub.history(device, limit=1)) == 1


def test_watch_yields_the_devices_events_only(hub, other, device):
    with hub.watch(device) as events:
        other.interrupt(device + "-elsewhere")
        other.interrupt(device, "watched")
        first = events.next(timeout=30)
        second = events.next(timeout=30)
    assert (first.name, first.hardware_id, first.data["reason"]) == ("interrupt", device, "watched")
    assert first.id is not None
    assert (second.name, second.data["epoch"], second.data["success"]) == ("interrupt-result", 1, True)
    assert list(events) == [] or all(e.hardware_id in (None, device) for e in events)


def test_a_watch_that_falls_behind_gets_one_gap_in_place_of_what_it_lost(hub, other, device):
    with hub.watch(device, max_pending=2) as slow, hub.watch(device) as complete:
        for _ in range(3):
            other.interrupt(device)  # an interrupt and an interrupt-result event each
        # Listeners run in order on the stream's thread: once the later watch has all six, so has the first.
        seen = []
        wait_until(lambda: seen.append(complete.next(timeout=0.1)) or len([e for e in seen if e]) == 6)
        names = []
        while True:
            event = slow.next(timeout=0.05)
            if event is None:
                break
            names.append(event.name)
    # Full at the 3rd and the 5th event: each time what waited is dropped and one gap stands in for it.
    assert names == ["gap", "interrupt-result"]


def test_checks_from_many_threads_while_events_arrive(hub, other, device):
    devices = [f"{device}-{i}" for i in range(8)]
    errors, seen_set = [], set()
    stop = threading.Event()

    def check():
        try:
            while not stop.is_set():
                for d in devices:
                    if hub.flag(d):
                        seen_set.add(d)
        except Exception as e:  # any failure of a concurrent check fails the test
            errors.append(e)

    for d in devices:
        wait_until(lambda: hub.flag(d) is False and hub.view.cached_flag(d) is False)
    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        checks = hub.view.http_checks
        for d in devices:
            other.interrupt(d, wait=False)
        wait_until(lambda: seen_set == set(devices), message="every device seen flagged by the checkers")
        # The shared service's flags last 3 s: every one expires locally, seen by every thread alike.
        wait_until(lambda: not any(hub.flag(d) for d in devices), message="every flag expired")
        assert hub.view.http_checks == checks
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []


@pytest.mark.parametrize("call, error, status", [
    (lambda h: h.interrupt("bad id!"), BadRequest, 400),
    (lambda h: h.open_session("ok-device", "bad session id!"), BadRequest, 400),
    (lambda h: h.flag_status("x" * 200), BadRequest, 400),
    (lambda h: h.history(limit=5000), BadRequest, 400),
])
def test_problem_responses_become_exceptions_with_status_title_and_detail(hub, call, error, status):
    with pytest.raises(error) as caught:
        call(hub)
    assert caught.value.status == status and caught.value.title and caught.value.detail
    assert caught.value.problem["status"] == status


def test_unknown_session_is_not_found_and_a_duplicate_id_a_conflict(hub, device):
    from interrupthub.client import Session
    ghost = Session(hub, {"sessionId": "no-such-session", "hardwareId": device, "state": "ACTIVE"})
    with pytest.raises(NotFound) as caught:
        ghost.heartbeat()
    assert caught.value.status == 404 and "no-such-session" in caught.value.detail
    with hub.open_session(device, "dup-" + device[-6:]):
        with pytest.raises(Conflict) as conflict:
            hub.open_session(device, "dup-" + device[-6:])
        assert conflict.value.status == 409


def test_an_unreachable_hub_raises_hub_unreachable_within_the_timeout():
    from conftest import free_port
    with InterruptHub(f"http://127.0.0.1:{free_port()}", timeout=1.0, push=False) as client:
        started = time.monotonic()
        with pytest.raises(HubUnreachable) as caught:
            client.interrupt("any-device")
        assert caught.value.status is None and isinstance(caught.value, InterruptHubError)
        assert client.flag("any-device") is False
        assert time.monotonic() - started < 3


def test_close_ends_a_live_stream_at_once(hub_server):
    client = InterruptHub(hub_server.url)
    assert client.view.wait_live(60)
    started = time.monotonic()
    client.close()
    assert time.monotonic() - started < 2
    assert not client.view._thread.is_alive() and not client.view.live


def test_the_url_and_key_default_to_the_environment(monkeypatch, hub_server):
    monkeypatch.setenv("INTERRUPT_HUB_URL", hub_server.url)
    monkeypatch.setenv("INTERRUPT_HUB_API_KEY", "from-env")
    with InterruptHub(push=False) as client:
        assert client.url == hub_server.url
        assert client._endpoint.headers()["X-API-Key"] == "from-env"
    with pytest.raises(ValueError):
        InterruptHub("ftp://nowhere", push=False)
