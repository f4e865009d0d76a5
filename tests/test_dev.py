"""`ivr dev` brings the whole line up on one machine: a dev phone call reaches the app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from crm.keys import Keys
from crm.models import MANAGERS_LINE, TEAMS
from ivr.cli import main
from ivr.dev import DevPorts, load_demo_data, simulator_config
from ivr.embedded_redis import RedisServer
from ivr.services import Services
from ivr.settings import DEV_ENV_FILE
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


def wait_for_line(
    process: subprocess.Popen[str], lines: list[str], wanted: str, timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(wanted in line for line in lines):
            return
        time.sleep(0.1)
    raise AssertionError(f"never printed {wanted!r}; printed {''.join(lines)}")


def environment_without_a_line() -> dict[str, str]:
    """The user's environment with no Twilio or Redis settings: as after a fresh clone."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "REDIS_"))}


@pytest.fixture
def listening() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_dev_phone_call_reaches_the_app_and_everything_stops_after(tmp_path: Path) -> None:
    app_port, sim_port = free_port(), free_port()
    env = {**environment_without_a_line(), "IVR_DATA_DIR": str(tmp_path / "var")}
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: printed.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        wait_for_line(process, printed, "health", timeout=60)
        assert any(f"http://127.0.0.1:{sim_port}/phone" in line for line in printed)
        (console,) = [line for line in printed if "/console/" in line]
        assert "sam / demo (rep)" in console and "mia / demo (supervisor)" in console
        staff = requests.Session()
        form = staff.get(f"http://127.0.0.1:{app_port}/console/login", timeout=5).text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        signed = staff.post(
            f"http://127.0.0.1:{app_port}/console/login",
            data={"id": "sam", "password": "demo", "csrf_token": token},
            timeout=5,
        )
        assert "Hello, Sam Rivera" in signed.text

        phone = f"http://127.0.0.1:{sim_port}/phone/api/calls"
        call = requests.post(phone, json={"from": "+14155550101"}, timeout=5).json()
        heard = wait_for_events(f"{phone}/{call['sid']}", "press 0")
        assert heard[0] == "Hello Grace, thanks for calling."
        # The call's webhooks show in the terminal, one short line each.
        wait_for_line(process, printed, "POST /voice/incoming -> 200")
        assert not any("/healthz" in line for line in printed if " -> " in line)

        # Commands beside the running line reach it with no configuration of their own.
        presence = subprocess.run(
            [sys.executable, "-m", "ivr.cli", "reps", "presence", "sam", "busy"],
            cwd=tmp_path,
            env=environment_without_a_line(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert presence.returncode == 0, presence.stderr
        assert presence.stdout == "sam is busy (was available)\n"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert not RedisServer(tmp_path / "var").is_running()
    assert not (tmp_path / "var" / DEV_ENV_FILE).exists()


def test_a_taken_app_port_is_named_at_once_with_the_option_to_change_it(
    listening: int, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        ["dev", "--port", str(listening), "--simulator-port", str(free_port())],
        env={"IVR_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.exit_code == 1
    assert f"port {listening} on 127.0.0.1 is taken" in result.output
    assert "choose another with --port, e.g. ivr dev --port " in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1
    assert time.monotonic() - started < 2
    assert not (tmp_path / "var").exists()  # nothing started


def listening_below_a_free_port() -> socket.socket:
    """A socket listening on a port whose next port is free, so `--simulator-port` can have it."""
    for _ in range(20):
        other = socket.socket()
        other.bind(("127.0.0.1", 0))
        other.listen()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", other.getsockname()[1] + 1))
                return other
            except OSError:
                other.close()
    raise AssertionError("no listening port with a free neighbour found")


def test_the_port_suggested_instead_is_not_the_simulator_port(tmp_path: Path) -> None:
    with listening_below_a_free_port() as other:
        taken = other.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["dev", "--port", str(taken), "--simulator-port", str(taken + 1)],
            env={"IVR_DATA_DIR": str(tmp_path / "var")},
        )
    suggested = int(result.output.rsplit("--port ", 1)[1])
    assert suggested > taken + 1


def test_a_taken_simulator_port_is_named_with_its_option(listening: int, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["dev", "--port", str(free_port()), "--simulator-port", str(listening)],
        env={"IVR_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.exit_code == 1
    assert f"port {listening} on 127.0.0.1 is taken" in result.output
    assert "--simulator-port" in result.output


def test_the_same_port_twice_is_refused(tmp_path: Path) -> None:
    port = str(free_port())
    result = CliRunner().invoke(
        main, ["dev", "--port", port, "--simulator-port", port], env={"IVR_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 1 and "choose two ports" in result.output


def test_the_dev_phone_says_what_each_demo_caller_will_meet(services: Services) -> None:
    callers = load_demo_data(services)
    config = simulator_config(services, DevPorts(), callers)
    notes = {caller["name"]: caller["note"] for caller in config["callers"]}  # type: ignore[attr-defined, index]
    assert notes == {
        "Ada Lovelace": "gold tier, has an open case C-1001 owned by Sam Rivera",
        "Grace Hopper": "silver tier, no open case",
        "Alan Turing": "standard tier, no open case",
    }


def test_the_demo_reps_answer_every_line_and_are_free_to(services: Services) -> None:
    load_demo_data(services)
    free = {
        line: sorted(services.redis.zrange(Keys().available(line), 0, -1))
        for line in (*TEAMS, MANAGERS_LINE)
    }
    assert free == {
        "support": ["mia", "raj", "sam"],
        "tech": ["kim"],
        "billing": ["raj"],
        "managers": ["mia"],
    }
