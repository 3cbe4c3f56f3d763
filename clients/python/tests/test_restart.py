"""A server restart mid-stream: the client reconnects, answers from HTTP while the hub is away, never
from its stale view, and goes back to pushed answers."""
from __future__ import annotations

import pytest

from conftest import started, wait_until
from interrupthub import InterruptHub


@pytest.fixture
def restartable():
    server = started("--INTERRUPT_TIMEOUT=30")
    yield server
    server.cleanup()


def test_restart_mid_stream_resumes_without_a_stale_answer(restartable):
    device = "restart-device"
    with InterruptHub(restartable.url, reconnect_max=0.2) as client, \
            InterruptHub(restartable.url, push=False) as other:
        assert client.view.wait_live(60)
        session = client.open_session(device)
        other.interrupt(device)
        wait_until(lambda: client.flag(device) and session.is_interrupted(), message="pushed before restart")
        generation = client.view.generation

        restartable.stop()
        wait_until(lambda: not client.view.live, message="the stream noticed the stop")
        # Away: answers come from HTTP attempts (which fail) and fall back to what was last known.
        checks = client.view.http_checks
        client.flag(device)
        assert client.view.http_checks == checks + 1

        restartable.start()
        wait_until(lambda: client.view.live, timeout=30, message="reconnected")
        assert client.view.generation > generation and client.view.reconnects >= 1
        # The new hub has no flag and no session: the 30 s flag the view held is not answered any more.
        assert client.flag(device) is False
        assert session.state == "GONE" and session.is_interrupted()
        # And pushes work again: a new interrupt flips the view with no HTTP check.
        wait_until(lambda: client.view.cached_flag(device) is False, message="the device confirmed")
        checks = client.view.http_checks
        other.interrupt(device)
        wait_until(lambda: client.flag(device), message="pushed after restart")
        assert client.view.http_checks == checks
