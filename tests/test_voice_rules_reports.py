"""What Twilio reports is kept as reported; what goes wrong is told to the operator's log; the
health check counts only workers that are alive."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rq import Worker

from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from tests.signing import call_params, signed_post

CALLER_SID = call_params()["CallSid"]


@pytest.fixture
def started(client: FlaskClient) -> FlaskClient:
    """A call that has arrived, so its record exists."""
    signed_post(client, "/voice/incoming", call_params())
    return client


def test_a_recording_is_kept_with_its_status_and_length(
    started: FlaskClient, services: Services
) -> None:
    params = call_params(
        RecordingSid="RE" + "7" * 32,
        RecordingUrl="https://api.twilio.com/rec/RE7",
        RecordingStatus="absent",
        RecordingDuration="17",
    )
    assert signed_post(started, "/voice/recording", params).status_code == 204
    record = services.calls.get(CALLER_SID)
    assert record.path[-1] == "recording"
    assert record.details == {
        "recording_sid": "RE" + "7" * 32,
        "recording_url": "https://api.twilio.com/rec/RE7",
        "recording_status": "absent",
        "recording_seconds": "17",
    }


def test_a_failed_transcription_is_kept_as_failed(started: FlaskClient, services: Services) -> None:
    params = call_params(TranscriptionStatus="failed", TranscriptionText="")
    assert signed_post(started, "/voice/transcription", params).status_code == 204
    record = services.calls.get(CALLER_SID)
    assert record.path[-1] == "transcription"
    assert record.details == {"transcript": "", "transcription_status": "failed"}


@pytest.mark.parametrize(("status", "seconds"), [("completed", "73"), ("canceled", "0")])
def test_the_calls_final_status_and_length_are_kept(
    started: FlaskClient, services: Services, status: str, seconds: str
) -> None:
    params = call_params(CallStatus=status, CallDuration=seconds)
    assert signed_post(started, "/voice/status", params).status_code == 204
    record = services.calls.get(CALLER_SID)
    assert record.path[-1] == f"status:{status}"
    assert record.details["call_status"] == status
    assert record.details["duration"] == seconds


@pytest.fixture
def dead(settings: Settings, tmp_path: Path) -> FlaskClient:
    """The shipped flow, without Redis."""
    gone = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    return create_app(gone).test_client()


def test_redis_going_away_is_logged_with_the_step_it_broke(
    dead: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        signed_post(dead, "/voice/menu?menu=main", call_params(Digits="1"))
    assert any(
        r.getMessage().startswith("Redis unavailable during /voice/menu") and not r.exc_info
        for r in caplog.records
    )


def test_a_report_that_could_not_be_kept_is_logged_with_its_call(
    dead: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        signed_post(dead, "/voice/status", call_params(CallStatus="completed"))
    assert f"report of {CALLER_SID} not stored" in caplog.messages


def test_a_step_failing_for_another_reason_is_logged_with_its_traceback(
    client: FlaskClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    services.redis.set("ivr:customer:+14155550100", '{"phone": "+14155550100"}')
    with caplog.at_level(logging.ERROR):
        signed_post(client, "/voice/incoming", call_params())
    failed = [r for r in caplog.records if r.getMessage() == "webhook /voice/incoming failed"]
    assert failed and failed[0].exc_info


def test_an_answer_to_a_menu_the_flow_no_longer_has_is_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        signed_post(client, "/voice/menu?menu=retired", call_params(Digits="1"))
    assert f"call {CALLER_SID} answered unknown menu 'retired'" in caplog.messages


@pytest.fixture
def worker(services: Services) -> Iterator[Worker]:
    """An rq worker of the line's job queue, registered in Redis."""
    worker = Worker([services.jobs], connection=services.jobs.connection)
    worker.register_birth()
    yield worker
    worker.register_death()


def beat(services: Services, worker: Worker, minutes_ago: float) -> None:
    """Set the worker's last heartbeat, as rq writes it."""
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    services.redis.hset(worker.key, "last_heartbeat", moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def test_an_idle_worker_between_heartbeats_counts(
    client: FlaskClient, services: Services, worker: Worker
) -> None:
    beat(services, worker, minutes_ago=6)  # rq renews within its 7-minute TTL
    assert client.get("/healthz").json == {"redis": "ok", "workers": 1}


def test_a_worker_silent_for_twenty_minutes_is_dead(
    client: FlaskClient, services: Services, worker: Worker
) -> None:
    beat(services, worker, minutes_ago=20)
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (503, {"redis": "ok", "workers": 0})


def test_a_worker_that_never_beat_is_not_counted(
    client: FlaskClient, services: Services, worker: Worker
) -> None:
    services.redis.hdel(worker.key, "last_heartbeat")
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (503, {"redis": "ok", "workers": 0})
