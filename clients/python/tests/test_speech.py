"""report_speech against the real service: the default policy's decisions, the events they push, a session's
policy, the turn after an interrupt, and refusals."""
from __future__ import annotations

import asyncio
import time

import pytest

from conftest import wait_until
from interrupthub import BadRequest, SpeechDecision
from interrupthub.aio import AsyncInterruptHub


def next_named(events, name, timeout=30.0):
    """The next event called ``name`` from a watch; fails after ``timeout`` seconds without one."""
    while True:
        event = events.next(timeout=timeout)
        assert event is not None, f"no {name!r} event within {timeout}s"
        if event.name == name:
            return event


def test_a_backchannel_while_the_assistant_speaks_is_ignored_and_stop_interrupts_at_once(hub, device):
    with hub.open_session(device) as session:
        uh_huh = hub.report_speech(device, "uh-huh", speech_ms=300, final=True)
        assert isinstance(uh_huh, SpeechDecision)
        assert (uh_huh.decision, uh_huh.rule, uh_huh.policy) == ("IGNORED", "backchannel", "default")
        assert uh_huh.ignored and uh_huh.pause is None and uh_huh.final is True
        assert session.is_interrupted() is False and session.is_paused() is False

        stop = hub.report_speech(device, "stop", speech_ms=200)
        assert (stop.decision, stop.rule) == ("INTERRUPTED", "keyword")
        assert stop.interrupted and stop.epoch == 1 and stop.words == 1 and stop.speech_ms == 200
        assert stop.hardware_id == device and stop.raw["hardwareId"] == device
        wait_until(session.is_interrupted, message="the session interrupted")


def test_a_first_word_pauses_and_more_words_interrupt_exactly_once(hub, device):
    with hub.open_session(device) as session:
        first = hub.report_speech(device, "I", speech_ms=250)
        assert (first.decision, first.rule) == ("PAUSED", "few-words")
        assert first.paused and first.already_paused is False and first.pause is not None
        wait_until(session.is_paused, message="the session paused")

        more = hub.report_speech(device, "I think that", speech_ms=700)
        assert (more.decision, more.rule) == ("INTERRUPTED", "min-words")
        wait_until(session.is_interrupted, message="the session interrupted")
        history = wait_until(lambda: hub.history(device), message="the interrupt recorded")
        assert [h["epoch"] for h in history] == [1], "exactly one interrupt"


def test_a_cough_pauses_and_its_empty_final_resumes_the_same_turn(hub, device):
    with hub.open_session(device) as session:
        cough = hub.report_speech(device, "", speech_ms=200)
        assert (cough.decision, cough.rule) == ("PAUSED", "sound")
        again = hub.report_speech(device, "", speech_ms=260)
        assert again.paused and again.already_paused is True, "nothing new while paused"

        done = hub.report_speech(device, "", speech_ms=300, final=True)
        assert (done.decision, done.rule) == ("RESUMED", "empty") and done.resumed
        wait_until(lambda: session.state == "ACTIVE", message="the session playing on")
        assert hub.history(device) == [], "no interrupt"


def test_a_watch_sees_each_decision_and_the_recovery_of_the_turn_after_the_interrupt(hub, other, device):
    other.open_session(device)
    with hub.watch(device) as events:
        other.report_speech(device, "wait", speech_ms=180)
        speech = next_named(events, "speech")
        assert speech.data["decision"] == "INTERRUPTED" and speech.data["rule"] == "keyword"
        assert speech.data["policy"] == "default" and speech.data["epoch"] == 1

        next_turn = other.open_session(device)
        next_turn.delivered(text_chars=10, audio_ms=300)
        recovery = next_named(events, "recovery")
        assert recovery.data["outcome"] == "RECOVERED" and recovery.data["epoch"] == 1
        assert recovery.data["sessionId"] == next_turn.session_id and recovery.data["recoveredMs"] > 0
    entry = wait_until(lambda: hub.history(device), message="the interrupt recorded")[0]
    assert entry["recovery"]["outcome"] == "RECOVERED" and entry["recovery"]["recoveredMs"] > 0


def test_open_session_passes_the_policy_and_an_unknown_one_is_bad_request(hub, device):
    with hub.open_session(device, policy="eager"):
        decided = hub.report_speech(device, "so", speech_ms=150)
        assert decided.policy == "eager"
        assert (decided.decision, decided.rule) == ("INTERRUPTED", "min-words"), "eager: one word is enough"
    with pytest.raises(BadRequest) as caught:
        hub.open_session(device, policy="no-such-policy")
    assert caught.value.status == 400


@pytest.mark.parametrize("hardware_id, transcript, speech_ms", [
    ("bad id!", "stop", 100),
    ("{device}", "stop", -1),
    ("{device}", "stop", 600_001),
    ("{device}", "x" * 2_001, 100),
])
def test_bad_speech_reports_are_bad_request_and_decide_nothing(hub, device, hardware_id, transcript, speech_ms):
    with hub.open_session(device) as session:
        with pytest.raises(BadRequest) as caught:
            hub.report_speech(hardware_id.format(device=device), transcript, speech_ms=speech_ms)
        assert caught.value.status == 400 and caught.value.detail
        assert session.is_interrupted() is False and session.is_paused() is False


def test_async_client_reports_speech_and_opens_sessions_with_a_policy(hub_server, device):
    async def main():
        async with AsyncInterruptHub(hub_server.url, push=False) as hub:
            session = await hub.open_session(device, policy="default")
            decided = await hub.report_speech(device, "stop", speech_ms=120)
            assert decided.interrupted and decided.rule == "keyword" and decided.policy == "default"
            deadline = time.monotonic() + 30
            while not await session.is_interrupted():  # without a stream: checked over HTTP, paced
                assert time.monotonic() < deadline, "the session interrupted"
                await asyncio.sleep(0.01)
            with pytest.raises(BadRequest):
                await hub.open_session(device, policy="no-such-policy")
    asyncio.run(main())
