"""TWILIO_API_BASE sends the Twilio library's REST requests to another service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from ivr.twilio_rest import build_client

SID = "AC" + "0" * 32


class Recorder(BaseHTTPRequestHandler):
    """Answers like Twilio's Calls endpoint and remembers what it was sent."""

    seen: ClassVar[list[tuple[str, str, dict[str, list[str]]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Recorder.seen.append((self.path, self.headers["Authorization"], parse_qs(body)))
        payload = b'{"sid": "CA123", "status": "queued", "to": "+14155550100"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_calls_create_reaches_the_configured_base(stand_in: str) -> None:
    Recorder.seen.clear()
    client = build_client(SID, "token-123456", stand_in)
    call = client.calls.create(to="+14155550100", from_="+14155550000", url="https://x/y")
    assert call.sid == "CA123"
    path, auth, form = Recorder.seen[0]
    assert path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert auth.startswith("Basic ")
    assert form["To"] == ["+14155550100"] and form["Url"] == ["https://x/y"]
