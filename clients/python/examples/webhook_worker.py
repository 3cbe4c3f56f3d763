"""A webhook module worker, standard library only: the hub POSTs each interrupt here.

Start the hub with ``INTERRUPT_MODULES_TTS_URL=http://worker:9000/interrupt`` (module ``tts``) and run::

    python3 webhook_worker.py --port 9000

The hub sends ``{module, action, hardwareId, epoch, reason, source, at}`` with the header
``Idempotency-Key: <hardwareId>:<epoch>:<action>`` within the module's timeout; any 2xx answer is ``OK``.
Answer fast: stop the work and return, do not wait for it to wind down.
"""
from __future__ import annotations

import argparse
import json
import logging
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict

LOG = logging.getLogger("webhook_worker")
MAX_BODY = 16 * 1024
SEEN_LIMIT = 4096  # idempotency keys remembered, oldest forgotten first


class InterruptWorker(ThreadingHTTPServer):
    """Calls ``on_interrupt(body)`` once per idempotency key for every ``POST /interrupt``."""

    daemon_threads = True

    def __init__(self, address: Any, on_interrupt: Callable[[Dict[str, Any]], None]) -> None:
        super().__init__(address, _Handler)
        self.on_interrupt = on_interrupt
        self._seen: "OrderedDict[str, None]" = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Whether this idempotency key is new (the hub may retry; each interrupt is acted on once)."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > SEEN_LIMIT:
                self._seen.popitem(last=False)
            return True


class _Handler(BaseHTTPRequestHandler):
    server: InterruptWorker

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/interrupt":
            return self._answer(404)
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self._answer(400)
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            return self._answer(400)
        if not isinstance(body, dict) or "hardwareId" not in body:
            return self._answer(400)
        key = self.headers.get("Idempotency-Key") or f"{body['hardwareId']}:{body.get('epoch')}:{body.get('action')}"
        if self.server.first_time(key):
            try:
                self.server.on_interrupt(body)
            except Exception:
                LOG.exception("interrupt handler failed for %s", body.get("hardwareId"))
                return self._answer(500)
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # one line per request is noise here
        LOG.debug(format, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    def stop_speaking(body: Dict[str, Any]) -> None:
        # Replace with the worker's own: cancel the synthesis of body["hardwareId"].
        LOG.info("stop %s (epoch %s, action %s)", body["hardwareId"], body.get("epoch"), body.get("action"))

    InterruptWorker((args.host, args.port), stop_speaking).serve_forever()


if __name__ == "__main__":
    main()
