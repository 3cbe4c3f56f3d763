"""Connections closed under the client: behind anything that closes idle connections (a load balancer's idle
timeout, a proxy, a restarted hub) every call after a quiet pause must still succeed, and a request that may
have reached the hub must never be sent twice."""
from __future__ import annotations

import asyncio
import select
import socket
import struct
import threading
import time
from typing import List, Optional

import pytest

from interrupthub import HubUnreachable, InterruptHub
from interrupthub import _http
from interrupthub._http import Endpoint, Transport, peer_closed
from interrupthub.aio import AsyncInterruptHub


class IdleClosingProxy:
    """A TCP proxy on 127.0.0.1 in front of the hub that closes a connection (both sides) once no byte has
    crossed it for ``idle`` seconds, as a load balancer's idle timeout does."""

    def __init__(self, upstream_port: int, idle: float = 1.0) -> None:
        self.upstream_port = upstream_port
        self.idle = idle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.open = 0
        self.idle_closed = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "IdleClosingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopped = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._cond:
                self.open += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        last = time.monotonic()
        idle = False
        try:
            while not self._stopped:
                remaining = self.idle - (time.monotonic() - last)
                if remaining <= 0:
                    idle = True
                    break
                readable, _, _ = select.select([client, upstream], [], [], remaining)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
                if readable:
                    last = time.monotonic()
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()
            with self._cond:
                self.open -= 1
                self.idle_closed += idle
                self._cond.notify_all()

    def wait_all_idle_closed(self, timeout: float = 30.0) -> None:
        """Waits until the proxy has closed every connection it holds for idleness: the quiet pause is over,
        and the client's kept-alive connection is now one the other side closed."""
        with self._cond:
            assert self._cond.wait_for(lambda: self.open == 0, timeout), "the proxy kept a connection open"


def test_every_call_after_a_quiet_second_behind_an_idle_closing_proxy_succeeds(hub_server, device):
    with IdleClosingProxy(hub_server.port, idle=1.0) as proxy, InterruptHub(proxy.url, push=False) as client:
        quiet_pauses = 0

        def after_a_quiet_pause(call):
            nonlocal quiet_pauses
            proxy.wait_all_idle_closed()
            quiet_pauses += 1
            return call()

        session = client.open_session(device)
        first = after_a_quiet_pause(lambda: client.interrupt(device, "after a quiet second"))
        assert first["success"] and first["epoch"] == 1 and first["sessionsInterrupted"] == 1
        assert after_a_quiet_pause(lambda: client.flag_status(device))["epoch"] == 1
        second = after_a_quiet_pause(lambda: client.interrupt(device, wait=False))
        assert second["epoch"] == 2  # sent once: a repeated interrupt would have made it 3
        turn = after_a_quiet_pause(lambda: client.open_session(device))
        assert after_a_quiet_pause(turn.heartbeat)["sessionId"] == turn.session_id
        assert after_a_quiet_pause(lambda: turn.delivered(3, 60))["delivered"] == {"textChars": 3, "audioMs": 60}
        assert after_a_quiet_pause(lambda: client.pause(device))["tentative"] is True
        assert after_a_quiet_pause(lambda: client.resume(device))["outcome"] == "resumed"
        assert [h["epoch"] for h in after_a_quiet_pause(lambda: client.history(device))] == [2, 1]
        after_a_quiet_pause(lambda: client.reset(device))
        assert after_a_quiet_pause(client.statistics)["interrupts"]["total"] >= 2
        assert after_a_quiet_pause(turn.end) is True
        session.end()  # already removed after its interrupt, or ended now

        stats = client.connection_stats()
        # Every quiet pause left a connection the proxy had closed; each was found before a request went on it.
        assert stats["staleReplaced"] + stats["idleReplaced"] == quiet_pauses and stats["resent"] == 0
        assert proxy.idle_closed >= quiet_pauses


def test_the_async_client_survives_the_same_proxy(hub_server, device):
    async def main():
        with IdleClosingProxy(hub_server.port, idle=1.0) as proxy:
            async with AsyncInterruptHub(proxy.url, push=False) as client:
                async def quiet():
                    await asyncio.to_thread(proxy.wait_all_idle_closed)

                session = await client.open_session(device)
                await quiet()
                result = await client.interrupt(device, "after a quiet second")
                assert result["success"] and result["epoch"] == 1 and result["sessionsInterrupted"] == 1
                await quiet()
                assert (await client.flag_status(device))["interrupted"] is True
                await quiet()
                turn = await client.open_session(device)
                await quiet()
                assert (await turn.delivered(5, 100))["delivered"] == {"textChars": 5, "audioMs": 100}
                await quiet()
                assert (await client.interrupt(device))["epoch"] == 2
                await quiet()
                assert [h["epoch"] for h in await client.history(device)] == [2, 1]
                stats = client.connection_stats()
                assert stats["resent"] == 0 and stats["staleReplaced"] + stats["idleReplaced"] >= 1
                await session.end()
    asyncio.run(main())


class ScriptedServer:
    """A raw HTTP/1.1 server on 127.0.0.1 whose connections follow a script, one entry per request in the
    order they arrive: ``"answer"`` (200 with JSON, kept alive), ``"close"`` (read the whole request, then
    close without answering: the request did arrive), ``"answer-then-reset"`` (answer, then reset the
    connection). Records every complete request it read."""

    def __init__(self, script: List[str]) -> None:
        self.script = list(script)
        self.received: List[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                length = 0
                while True:
                    header = reader.readline()
                    if header in (b"\r\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                reader.read(length)
                with self._lock:
                    self.received.append(" ".join(line.decode("latin-1").split()[:2]))
                    step = self.script.pop(0) if self.script else "answer"
                if step == "close":
                    return
                body = b'{"ok": true}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                if step == "answer-then-reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
        finally:
            reader.close()
            conn.close()

    def close(self) -> None:
        self.listener.close()


def own_socket(transport: Transport) -> Optional[socket.socket]:
    conn = getattr(transport._local, "conn", None)
    return None if conn is None else conn.sock


def test_a_request_whose_write_failed_on_a_reused_connection_is_sent_again_even_an_interrupt(monkeypatch):
    server = ScriptedServer(["answer-then-reset", "answer"])
    transport = Transport(Endpoint(server.url, None, 5.0))
    try:
        assert transport.request("GET", "/interrupt/d")[1] == {"ok": True}
        sock = own_socket(transport)
        deadline = time.monotonic() + 10
        while not peer_closed(sock):  # the reset has arrived
            assert time.monotonic() < deadline, "the reset did not arrive"
            time.sleep(0.001)
        # The close crosses the request: it comes after the check, so the write is what finds it.
        monkeypatch.setattr(_http, "peer_closed", lambda sock: False)
        assert transport.request("POST", "/interrupt/d", body={"reason": "barge-in"})[1] == {"ok": True}
        assert server.received == ["GET /interrupt/d", "POST /interrupt/d"]  # the hub got it once, whole
        assert transport.stats()["resent"] == 1
    finally:
        transport.close()
        server.close()


def test_an_interrupt_that_may_have_reached_the_hub_is_not_sent_twice():
    server = ScriptedServer(["answer", "close"])
    transport = Transport(Endpoint(server.url, None, 5.0))
    try:
        transport.request("GET", "/interrupt/d")
        with pytest.raises(HubUnreachable, match="may have received it"):
            transport.request("POST", "/interrupt/d", body={})
        assert server.received == ["GET /interrupt/d", "POST /interrupt/d"]
        assert transport.stats()["resent"] == 0
    finally:
        transport.close()
        server.close()


def test_an_idempotent_request_whose_reused_connection_ended_without_an_answer_is_sent_again():
    server = ScriptedServer(["answer", "close", "answer"])
    transport = Transport(Endpoint(server.url, None, 5.0))
    try:
        transport.request("GET", "/interrupt/d")
        assert transport.request("GET", "/interrupt/d")[1] == {"ok": True}
        assert transport.request("POST", "/sessions/s/delivered", body={"textChars": 1, "audioMs": 20},
                                 idempotent=True)[1] == {"ok": True}
        assert server.received == ["GET /interrupt/d"] * 3 + ["POST /sessions/s/delivered"]
        assert transport.stats()["resent"] == 1
    finally:
        transport.close()
        server.close()
