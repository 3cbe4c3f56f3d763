"""The shipped webhook worker example, called by the real hub as module ``tts``."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import wait_until


def test_the_example_worker_receives_each_interrupt_once_and_the_module_is_ok(hub, webhook_worker, device):
    result = hub.interrupt(device, "user_barge_in")
    tts = [m for m in result["modules"] if m["module"] == "tts"]
    assert tts and tts[0]["outcome"] == "OK"
    mine = wait_until(lambda: [b for b in webhook_worker.received if b["hardwareId"] == device])
    assert len(mine) == 1 and mine[0]["epoch"] == 1 and mine[0]["reason"] == "user_barge_in"


def test_the_example_worker_acts_once_per_idempotency_key_and_refuses_bad_bodies(webhook_worker):
    url = f"http://127.0.0.1:{webhook_worker.server_address[1]}/interrupt"
    body = json.dumps({"hardwareId": "direct-device", "epoch": 7, "action": "notify"}).encode()
    for _ in range(2):
        request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                     "Idempotency-Key": "direct-device:7:notify"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 204
    assert [b["epoch"] for b in webhook_worker.received if b["hardwareId"] == "direct-device"] == [7]
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(urllib.request.Request(url, b"not json", {"Content-Type": "application/json"}),
                               timeout=5)
    assert bad.value.code == 400
