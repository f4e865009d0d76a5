"""/healthz tells a load balancer whether the line can work: Redis up and a worker alive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rq import Worker

from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings


@pytest.fixture
def worker(services: Services) -> Iterator[Worker]:
    """An rq worker of the line's job queue, registered (and heart-beating) in Redis."""
    worker = Worker([services.jobs], connection=services.jobs.connection)
    worker.register_birth()
    yield worker
    worker.register_death()


def test_healthy_with_redis_and_a_live_worker(client: FlaskClient, worker: Worker) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"redis": "ok", "workers": 1}


def test_unhealthy_when_no_worker_runs(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"redis": "ok", "workers": 0}


def test_a_worker_whose_heartbeat_stopped_does_not_count(
    client: FlaskClient, worker: Worker, services: Services
) -> None:
    services.redis.hset(worker.key, "last_heartbeat", "2026-01-01T00:00:00.000000Z")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["workers"] == 0


def test_redis_down_is_reported_without_internals(settings: Settings, tmp_path: Path) -> None:
    socket = f"{tmp_path}/nothing-here.sock"
    client = create_app(settings.model_copy(update={"redis_url": f"unix://{socket}"})).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"redis": "down", "workers": None}
    assert str(tmp_path) not in response.get_data(as_text=True)
