"""Starts the real service jar for the tests: ``java -jar <exec jar> --server.port=N`` in a directory of
its own, waits for ``/actuator/health/readiness``, stops it after. The jar is ``$INTERRUPT_HUB_JAR``
(the build passes it), else ``target/interrupt-hub-*-exec.jar`` of the repository."""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, List, Optional

import pytest

CLIENT_DIR = Path(__file__).resolve().parent.parent
REPO = CLIENT_DIR.parent.parent
sys.path.insert(0, str(CLIENT_DIR))
# The machine running the build may be loaded far beyond its cores: calls get a generous timeout.
os.environ.setdefault("INTERRUPT_HUB_TIMEOUT", "30")


def wait_until(condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.005,
               message: str = "condition") -> object:
    """Polls ``condition`` until it returns something true; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_jar() -> str:
    jar = os.environ.get("INTERRUPT_HUB_JAR")
    if jar:
        return jar
    found = sorted(glob.glob(str(REPO / "target" / "interrupt-hub-*-exec.jar")))
    if not found:
        pytest.exit("no service jar: build it (./mvnw -DskipTests package) or set INTERRUPT_HUB_JAR", 2)
    return found[-1]


class HubProcess:
    """One running service on 127.0.0.1:port; :meth:`restart` keeps the port."""

    def __init__(self, *args: str, port: Optional[int] = None) -> None:
        self.args = list(args)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = tempfile.mkdtemp(prefix="interrupthub-py-")
        self.process: Optional[subprocess.Popen] = None
        self.log = os.path.join(self.workdir, "hub.log")

    def start(self, timeout: float = 300.0) -> "HubProcess":
        command: List[str] = ["java", "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", hub_jar(),
                              f"--server.port={self.port}", "--server.address=127.0.0.1",
                              "--LOG_INTERRUPTS=false", *self.args]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(command, cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/actuator/health/readiness", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the service was not ready within {timeout}s:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def tail(self) -> str:
        try:
            with open(self.log, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def started(*args: str) -> HubProcess:
    """A started service; its directory is removed if it does not start."""
    server = HubProcess(*args)
    try:
        return server.start()
    except BaseException:
        server.cleanup()
        raise


@pytest.fixture(scope="session")
def webhook_worker():
    """The example webhook worker (examples/webhook_worker.py) on a free port; records what it is sent."""
    sys.path.insert(0, str(CLIENT_DIR / "examples"))
    from webhook_worker import InterruptWorker
    received: List[dict] = []
    worker = InterruptWorker(("127.0.0.1", 0), received.append)
    worker.received = received
    thread = threading.Thread(target=worker.serve_forever, daemon=True)
    thread.start()
    yield worker
    worker.shutdown()
    worker.server_close()


@pytest.fixture(scope="session")
def hub_server(webhook_worker):
    """The service with flags lasting 3 s (so expiry is quick to see), the example worker as webhook
    module ``tts``, a speech policy ``eager`` that interrupts on one word, and defaults otherwise."""
    port = webhook_worker.server_address[1]
    server = started("--INTERRUPT_TIMEOUT=3.0", f"--interrupt.modules.tts.url=http://127.0.0.1:{port}/interrupt",
                     "--interrupt.modules.tts.timeout=10.0", "--interrupt.policies.eager.min-words=1")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def keyed_server():
    """The service with API keys, a cap of two sessions, and interrupts switched off (503)."""
    server = started("--INTERRUPT_API_KEYS=key-one,key-two", "--MAX_ACTIVE_SESSIONS=2",
                     "--GLOBAL_INTERRUPT_ENABLED=false")
    yield server
    server.cleanup()


@pytest.fixture
def hub(hub_server):
    """A native client of the shared service, its stream live."""
    from interrupthub import InterruptHub
    client = InterruptHub(hub_server.url, reconnect_max=0.5)
    assert client.view.wait_live(60), "the event stream did not connect"
    yield client
    client.close()


@pytest.fixture
def other(hub_server):
    """Another process's client (no stream): interrupts made "elsewhere"."""
    from interrupthub import InterruptHub
    client = InterruptHub(hub_server.url, push=False)
    yield client
    client.close()


@pytest.fixture
def device(request) -> str:
    """A device id of this test's own, so tests never see each other's state."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:80]
    return f"py-{name}-{time.monotonic_ns() % 1_000_000}"
