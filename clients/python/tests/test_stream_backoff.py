"""A hub that is full answers the event stream 503 with ``Retry-After``; the client waits that long (and up to
half of it again, at random) before it asks again, instead of its usual short reconnect pause."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List

from conftest import wait_until
from interrupthub._http import Endpoint, Transport
from interrupthub.view import PushedView, retry_after_seconds


class FullHub(BaseHTTPRequestHandler):
    """Refuses every stream as the hub does beyond ``interrupt.events.max-streams``, and notes when."""
    asked: List[float] = []
    retry_after = "1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        FullHub.asked.append(time.monotonic())
        body = b'{"type":"about:blank","title":"Service Unavailable","status":503,' \
               b'"detail":"2 event streams are open, the limit set by interrupt.events.max-streams"}'
        self.send_response(503)
        self.send_header("Retry-After", FullHub.retry_after)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_stream_refused_503_waits_its_retry_after_before_asking_again():
    FullHub.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FullHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = Endpoint(f"http://127.0.0.1:{server.server_address[1]}", None, 5.0)
    # Its own reconnect pause would be 10 ms: only the hub's Retry-After can make it wait a second.
    view = PushedView(endpoint, Transport(endpoint), reconnect_initial=0.01, reconnect_max=0.01)
    view.start()
    try:
        wait_until(lambda: len(FullHub.asked) >= 3, timeout=10.0, message="three attempts")
        gaps = [b - a for a, b in zip(FullHub.asked, FullHub.asked[1:])]
        assert all(1.0 <= gap <= 1.5 + 0.5 for gap in gaps[:2]), gaps
        assert view.refusals >= 2
    finally:
        view.close()
        server.shutdown()


def test_retry_after_is_read_as_seconds_with_a_default_and_a_bound():
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds(None) == 5.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 5.0
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("100000") == 300.0
