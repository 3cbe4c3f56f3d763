"""API keys on every request (the stream included), the session cap and a switched-off hub."""
from __future__ import annotations

import pytest

from conftest import wait_until
from interrupthub import Forbidden, InterruptHub, TooManyRequests, Unauthorized, Unavailable


def test_without_a_key_every_call_is_unauthorized_and_the_stream_stays_down(keyed_server):
    with InterruptHub(keyed_server.url, reconnect_max=0.2) as client:
        with pytest.raises(Unauthorized) as caught:
            client.statistics()
        assert caught.value.status == 401 and "X-API-Key" in caught.value.detail
        assert client.view.wait_live(1.0) is False


def test_a_wrong_key_is_forbidden(keyed_server):
    with InterruptHub(keyed_server.url, api_key="not-a-key", push=False) as client:
        with pytest.raises(Forbidden) as caught:
            client.open_session("keyed-device")
        assert caught.value.status == 403 and caught.value.title == "Forbidden"


def test_a_valid_key_reaches_the_api_and_the_stream(keyed_server):
    with InterruptHub(keyed_server.url, api_key="key-two") as client:
        assert client.view.wait_live(60)
        assert client.statistics()["enabled"] is False
        with client.watch() as events:
            with client.open_session("keyed-device"):
                event = events.next(timeout=30)
        assert event is not None and event.name == "session" and event.hardware_id == "keyed-device"


def test_a_switched_off_hub_answers_503_and_the_cap_429(keyed_server):
    with InterruptHub(keyed_server.url, api_key="key-one", push=False) as client:
        with pytest.raises(Unavailable) as off:
            client.interrupt("keyed-device")
        assert off.value.status == 503 and off.value.detail
        first, second = client.open_session("cap-a"), client.open_session("cap-b")
        try:
            with pytest.raises(TooManyRequests) as cap:
                client.open_session("cap-c")
            assert cap.value.status == 429 and "MAX_ACTIVE_SESSIONS" in cap.value.detail or cap.value.detail
        finally:
            first.end()
            second.end()
        wait_until(lambda: client.statistics()["sessions"]["active"] == 0)
