"""The phone edge (interrupthub.edges.twilio) through the runnable bridge (examples/twilio_bridge.py), with a
simulated Twilio over a real WebSocket (tests/twilio_sim.py): it plays 20 ms μ-law frames in real time, returns
each mark when the audio before it has played, and on clear drops its buffer and returns the pending marks."""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time

import websockets  # Debian's python3-websockets: .ci/run installs it; a missing one fails, never skips

from conftest import CLIENT_DIR, free_port
from interrupthub import NotFound
from twilio_sim import SimulatedTwilio

sys.path.insert(0, str(CLIENT_DIR / "examples"))
from twilio_bridge import WORD_MS, serve, synthetic_answer  # noqa: E402

MARK_MS = 100
WORD_BYTES = WORD_MS * 8


@contextlib.asynccontextmanager
async def running_bridge(hub_url, **options):
    server, bridge = await serve(hub_url, 0, **options)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/media", bridge
    finally:
        server.close()
        await server.wait_closed()
        await bridge.close()


async def the_turn(phone, bridge):
    await phone.wait_for(lambda: bridge.edges and bridge.edges[0].turn is not None, message="a turn opened")
    return bridge.edges[0].turn


async def next_event(watch, name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.to_thread(watch.next, max(0.01, deadline - time.monotonic()))
        assert event is not None, f"no {name} event within {timeout}s"
        if event.name == name:
            return event


def chars_of_words(count, answer):
    return sum(len(text) for text, _ in answer[:count])


def crossed(phone, turn):
    """Marks the phone returned as played that crossed the clear on the wire: sent before the phone saw the
    clear, read after the edge wrote it, so counted as thrown away (under-reported, never over-reported)."""
    played_marks = {name for name, _, cleared in phone.marks_returned if not cleared}
    return len(played_marks & set(turn.cleared_marks))


def assert_heard_is_what_played(heard, played_bytes, answer, crossed_marks):
    """Never more than the phone played; behind it by less than one mark (the piece being played), plus each
    mark that crossed the clear on the wire."""
    played_ms = played_bytes // 8
    assert 0 <= played_ms - heard["audioMs"] <= (1 + crossed_marks) * MARK_MS, (heard, played_ms, crossed_marks)
    words = played_bytes // WORD_BYTES
    behind = 1 + (crossed_marks * MARK_MS + WORD_MS - 1) // WORD_MS
    assert chars_of_words(max(0, words - behind), answer) <= heard["textChars"] <= chars_of_words(words, answer), \
        (heard, words)


def test_a_barge_in_clears_the_phone_within_250ms_and_its_receipt_confirms_silence_with_what_was_heard(
        hub_server, hub, other, device):
    answer = synthetic_answer(10.0)

    async def main():
        async with running_bridge(hub_server.url) as (url, bridge):
            async with SimulatedTwilio(url, device) as phone:
                turn = await the_turn(phone, bridge)
                await phone.wait_for(lambda: phone.played_ms >= 700, message="the answer playing")
                with hub.watch(device) as events:
                    barge_in = time.monotonic()
                    await asyncio.to_thread(other.interrupt, device, "the caller spoke")
                    await phone.wait_for(lambda: phone.clears, message="a clear")
                    clear_at, played_bytes = phone.clears[0]
                    assert clear_at - barge_in < 0.25
                    silence = (await next_event(events, "silence")).data
                assert silence["silence"] == "CONFIRMED" and silence["timeToSilenceMs"] > 0
                await turn.wait_done(30)
                assert turn.interrupted and turn.receipt is not None and turn.receipt["stoppedAt"]
                assert phone.media_after(clear_at) == 0                     # nothing of the turn after its clear
                assert any(cleared for _, _, cleared in phone.marks_returned)  # the buffer held marks: not heard
                assert_heard_is_what_played(turn.receipt["delivered"], played_bytes, answer, crossed(phone, turn))
                assert phone.protocol_errors == []
    asyncio.run(main())


def test_chunks_produced_after_the_interrupt_never_reach_the_phone(hub_server, other, device):
    async def main():
        async with running_bridge(hub_server.url, max_lead_ms=300) as (url, bridge):
            async with SimulatedTwilio(url, device) as phone:
                turn = await the_turn(phone, bridge)
                await phone.wait_for(lambda: phone.played_ms >= 500, message="the answer playing")
                await asyncio.to_thread(other.interrupt, device)
                await phone.wait_for(lambda: phone.clears, message="a clear")
                await turn.wait_done(30)
                assert turn.dropped_chunks == 1          # the producer's next word, refused: it stopped there
                assert phone.media_after(phone.clears[0][0]) == 0
                received_ms = sum(size for _, size in phone.media_received) // 8
                assert received_ms < 10_000 and turn.sent.audio_ms == received_ms
    asyncio.run(main())


def test_what_played_is_reported_as_marks_come_back_and_a_whole_answer_ends_with_its_full_receipt(
        hub_server, other, device):
    answer = synthetic_answer(1.0)
    total_chars = chars_of_words(len(answer), answer)

    async def main():
        async with running_bridge(hub_server.url, answer_seconds=1.0) as (url, bridge):
            async with SimulatedTwilio(url, device) as phone:
                turn = await the_turn(phone, bridge)
                reported = set()
                while not turn.finished:
                    try:
                        info = await asyncio.to_thread(other._call, "GET", f"/sessions/{turn.session_id}")
                    except NotFound:
                        break   # the turn ended meanwhile
                    delivered = info.get("delivered") or {"audioMs": 0, "textChars": 0}
                    assert delivered["audioMs"] <= phone.played_ms    # never ahead of the phone
                    reported.add(delivered["audioMs"])
                    await phone.wait_for(lambda: phone.played_ms >= max(reported) + MARK_MS or turn.finished,
                                         message="another mark played")
                played = await turn.finish(30)
                assert len(reported - {0}) >= 2                          # reported while playing, not only at the end
                assert (played.text_chars, played.audio_ms) == (total_chars, 1000)
                assert turn.receipt["delivered"] == {"textChars": total_chars, "audioMs": 1000}
                assert phone.played_ms == 1000 and not phone.clears
    asyncio.run(main())


def test_a_pause_clears_the_phone_and_a_resume_plays_on_from_the_first_unplayed_mark_losing_nothing(
        hub_server, other, device):
    answer = synthetic_answer(2.0)
    audio = b"".join(a for _, a in answer)
    total_chars = chars_of_words(len(answer), answer)

    async def main():
        async with running_bridge(hub_server.url, answer_seconds=2.0) as (url, bridge):
            async with SimulatedTwilio(url, device) as phone:
                turn = await the_turn(phone, bridge)
                await phone.wait_for(lambda: phone.played_ms >= 500, message="the answer playing")
                await asyncio.to_thread(other.pause, device, "vad_speech_start")
                await phone.wait_for(lambda: phone.clears and turn.paused, message="a clear for the pause")
                before = phone.clears[0][1]
                assert phone.buffered_bytes() == 0
                await asyncio.to_thread(other.resume, device)
                played = await turn.finish(30)
                heard = bytes(phone.played)
                assert heard[:before] == audio[:before]
                resent_from = len(audio) - (len(heard) - before)
                # At most one mark's worth heard twice (plus any mark that crossed the clear on the wire).
                assert 0 <= before - resent_from <= MARK_MS * 8 * (1 + crossed(phone, turn))
                assert heard[before:] == audio[resent_from:]          # and nothing lost
                assert (played.text_chars, played.audio_ms) == (total_chars, 2000)
                assert turn.receipt["delivered"] == {"textChars": total_chars, "audioMs": 2000}
    asyncio.run(main())


def test_a_confirmed_pause_drops_the_held_audio_and_sends_the_receipt(hub_server, hub, other, device):
    answer = synthetic_answer(2.0)

    async def main():
        async with running_bridge(hub_server.url, answer_seconds=2.0) as (url, bridge):
            async with SimulatedTwilio(url, device) as phone:
                turn = await the_turn(phone, bridge)
                await phone.wait_for(lambda: phone.played_ms >= 500, message="the answer playing")
                await asyncio.to_thread(other.pause, device)
                await phone.wait_for(lambda: phone.clears and turn.paused, message="a clear for the pause")
                paused_at, played_bytes = phone.clears[0]
                with hub.watch(device) as events:
                    await asyncio.to_thread(other.interrupt, device, "words in the transcript")
                    silence = (await next_event(events, "silence")).data
                assert silence["silence"] == "CONFIRMED"
                await turn.wait_done(30)
                assert turn.interrupted and phone.media_after(paused_at) == 0
                assert len(phone.played) == played_bytes
                assert_heard_is_what_played(turn.receipt["delivered"], played_bytes, answer, crossed(phone, turn))
    asyncio.run(main())


def test_the_bridge_runs_as_a_program_and_a_barge_in_silences_the_call(hub_server, hub, other, device):
    port = free_port()
    process = subprocess.Popen([sys.executable, str(CLIENT_DIR / "examples" / "twilio_bridge.py"),
                                "--hub", hub_server.url, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        output = []
        while not any(f"ws://127.0.0.1:{port}/media" in line for line in output):   # its ready line
            line = process.stdout.readline()
            assert line, "the bridge exited:\n" + "".join(output)
            output.append(line)

        async def main():
            async with SimulatedTwilio(f"ws://127.0.0.1:{port}/media", device) as phone:
                await phone.wait_for(lambda: phone.played_ms >= 300, message="the answer playing")
                with hub.watch(device) as events:
                    await asyncio.to_thread(other.interrupt, device)
                    await phone.wait_for(lambda: phone.clears, message="a clear")
                    assert (await next_event(events, "silence")).data["silence"] == "CONFIRMED"
                assert phone.media_after(phone.clears[0][0]) == 0
        asyncio.run(main())
    finally:
        process.terminate()
        process.wait(30)
