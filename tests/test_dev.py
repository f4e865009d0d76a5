"""`ivr dev` brings the whole line up on one machine: a dev phone call reaches the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from ivr.embedded_redis import RedisServer
from tests.conftest import free_port


def wait_for_events(url: str, wanted: str, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    heard: list[str] = []
    while time.monotonic() < deadline:
        heard = [event["text"] for event in requests.get(url, timeout=5).json()["events"]]
        if any(wanted in text for text in heard):
            return heard
        time.sleep(0.3)
    raise AssertionError(f"never heard {wanted!r}; heard {heard}")


def test_dev_phone_call_reaches_the_app_and_everything_stops_after(tmp_path: Path) -> None:
    app_port, sim_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "REDIS_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ivr.cli",
            "dev",
            "--port",
            str(app_port),
            "--simulator-port",
            str(sim_port),
        ],
        cwd=tmp_path,
        env={**env, "IVR_DATA_DIR": str(tmp_path / "var")},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "health" in line:
                break
        assert any(f"http://127.0.0.1:{sim_port}/phone" in line for line in lines)

        phone = f"http://127.0.0.1:{sim_port}/phone/api/calls"
        call = requests.post(phone, json={"from": "+14155550101"}, timeout=5).json()
        heard = wait_for_events(f"{phone}/{call['sid']}", "press 0")
        assert heard[0] == "Hello Grace, thanks for calling."
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert not RedisServer(tmp_path / "var").is_running()
