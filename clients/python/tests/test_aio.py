"""interrupthub.aio: the native calls as coroutines, watches as async iterators."""
from __future__ import annotations

import asyncio
import time

import pytest

from interrupthub import BadRequest
from interrupthub.aio import AsyncInterruptHub


def test_async_client_covers_every_call(hub_server, device):
    async def main():
        async with AsyncInterruptHub(hub_server.url, reconnect_max=0.5) as hub, \
                AsyncInterruptHub(hub_server.url, push=False) as other:
            assert await asyncio.to_thread(hub.view.wait_live, 60)
            assert await hub.flag(device) is False
            watch = hub.watch(device)
            async with await hub.open_session(device) as session:
                assert await session.is_interrupted() is False and await session.state() == "ACTIVE"
                assert (await session.heartbeat())["sessionId"] == session.session_id
                assert (await session.delivered(5, 100))["delivered"] == {"textChars": 5, "audioMs": 100}
                result = await other.interrupt(device, "async")
                assert result["success"] and result["epoch"] == 1
                deadline = time.monotonic() + 30
                while not await session.is_interrupted():
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.002)
                assert await hub.flag(device) is True
            names = []
            async for event in watch:
                names.append(event.name)
                if event.name == "interrupt-result":
                    break
            watch.close()
            assert "interrupt" in names and names[-1] == "interrupt-result"
            assert (await hub.flag_status(device))["epoch"] == 1
            accepted = await hub.interrupt(device, wait=False)
            assert accepted["epoch"] == 2
            await hub.reset(device)
            assert await hub.flag(device) is False
            assert [h["epoch"] for h in await hub.history(device)][:1] in ([2], [1])
            assert (await hub.statistics())["interrupts"]["total"] >= 2
            with pytest.raises(BadRequest):
                await hub.interrupt("bad id!")
            assert await watch.next(timeout=0.01) is None
    asyncio.run(main())
