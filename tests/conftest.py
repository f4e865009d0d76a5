"""Fixtures: a private real redis-server for the session, the app wired to it, signed requests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import SimpleWorker
from werkzeug.serving import make_server

from ivr import create_app, dispatch, jobs
from ivr.embedded_redis import RedisServer
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.settings import Settings
from simulator.server import Simulator
from simulator.switch import Call, LineConfig
from tests.signing import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of the suite's own (system binary, else the bundled one), AOF on."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


class Clock:
    """Time a test moves by hand (Redis itself is real)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    """A clock that stands still until the test moves it."""
    return Clock()


@pytest.fixture
def redis(redis_server: RedisServer) -> Redis:
    """A client of the private server, emptied before each test (it holds nothing shared)."""
    client = redis_server.client()
    client.flushall()
    return client


@pytest.fixture
def env(redis: Redis, redis_server: RedisServer, tmp_path: Path) -> dict[str, str]:
    """The environment of a configured line that uses the private Redis."""
    return {
        "REDIS_URL": redis_server.url,
        "IVR_DATA_DIR": str(tmp_path / "var"),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SUPPORT_NUMBER": "+14155550000",
        "SECRET_KEY": "test-secret-key-0123456789",
        "IVR_API_TOKEN": "test-api-token-0123456789",
    }


@pytest.fixture
def settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings read from `env`, exactly as the service reads its environment."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.load(_env_file=None)


@pytest.fixture
def app(settings: Settings) -> Flask:
    """The real app, built by its factory."""
    return create_app(settings)


@pytest.fixture
def services(app: Flask) -> Services:
    """The app's services: repositories over the private Redis."""
    return app.extensions[EXTENSION]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client of the app (in-process)."""
    return app.test_client()


@dataclass
class Line:
    """The app served over real HTTP, with the simulator playing Twilio in front of it."""

    sim: Simulator
    services: Services
    url: str
    app: Flask

    def run_jobs(self) -> None:
        """Let the worker run every job queued or due now, as `ivr worker` does, then stop."""
        SimpleWorker([self.services.jobs], connection=self.services.jobs.connection).work(
            burst=True, with_scheduler=True
        )

    def call(self, from_: str) -> Call:
        """Phone the support line from `from_`."""
        return self.sim.call(from_)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flow_with(settings: Settings, tmp_path: Path, sections: str) -> Settings:
    """`settings` with the shipped call flow, its top-level `sections` (YAML) stated anew."""
    stated = {line.split(":")[0] for line in sections.splitlines() if line and line[0].isalpha()}
    shipped = Path("callflows/default.yaml").read_text().splitlines(keepends=True)
    flow = tmp_path / "flow.yaml"
    flow.write_text("".join(ln for ln in shipped if ln.split(":")[0] not in stated) + sections)
    return settings.model_copy(update={"ivr_callflow": flow})


@contextmanager
def running_line(settings: Settings) -> Iterator[Line]:
    """The app on a real port, its dispatcher running as the worker runs it, and the simulator
    in front; fails on anything Twilio flags."""
    app_url = f"http://127.0.0.1:{free_port()}"
    config = LineConfig(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        number=settings.support_number,
        voice_url=f"{app_url}/voice/incoming",
        sms_url=f"{app_url}/sms/incoming",
        status_callback_url=f"{app_url}/voice/status",
        idle_timeout_seconds=15,
    )
    with Simulator(config) as sim:
        app = create_app(
            settings.model_copy(update={"public_base_url": app_url, "twilio_api_base": sim.url})
        )
        server = make_server("127.0.0.1", int(app_url.rsplit(":", 1)[1]), app, threaded=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        dispatcher = dispatch.start(app)
        jobs.bind(app)
        try:
            yield Line(sim=sim, services=app.extensions[EXTENSION], url=app_url, app=app)
        finally:
            dispatcher.stop()
            sim.switch.hang_up_all()
            for call in list(sim.switch.calls.values()):  # ended ones may still be calling back
                call.wait()
            sim.switch.settle()  # recording and transcription callbacks still on their way
            server.shutdown()
            server.server_close()
        assert sim.errors == [], "Twilio would have flagged: " + "; ".join(sim.errors)


@pytest.fixture
def line(settings: Settings) -> Iterator[Line]:
    """The running line with the shipped call flow and the suite's Redis."""
    with running_line(settings) as running:
        yield running
