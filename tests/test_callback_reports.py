"""Twilio's reports about callbacks that match nothing: a recording of a call we never logged,
a report for an attempt that is not the live one. Each is answered as Twilio expects, changes
nothing, and is logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from ivr.services import Services
from queues.routing_results import Caller
from tests.signing import call_params, signed_post
from voicemail.book import Request
from voicemail.models import CallbackState, Message

PROMISE = "by=2026-11-25T12:00:00%2B00:00&line=support"
RECORDING = {"RecordingSid": "RE9", "RecordingStatus": "completed", "RecordingDuration": "9"}


def open_callback(services: Services) -> tuple[str, str]:
    """A callback whose rep is being rung now: its id and live attempt."""
    now = datetime.now(UTC)
    made = services.callbacks.request(
        Request(
            origin="RE1",
            phone="+14155550101",
            due=now,
            promised_by=now + timedelta(hours=2),
            message=Message(at=now, call_sid="CA1"),
        ),
        max_attempts=3,
    )
    return made.callback_id, services.callbacks.start(made.callback_id, 120)


def test_a_recording_of_a_call_never_logged_makes_no_callback(
    client: FlaskClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answer = signed_post(client, f"/voice/recording?{PROMISE}", call_params(**RECORDING))
    assert answer.status_code == 204
    assert services.callbacks.open_callbacks() == []
    assert "no number to call back" in caplog.text


def test_reports_for_an_attempt_that_is_not_the_live_one_change_nothing(
    client: FlaskClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    callback_id, attempt = open_callback(services)
    before = services.callbacks.get(callback_id)
    stale = f"callback={callback_id}&attempt=AT0ld&rep=sam&line=support"
    with caplog.at_level(logging.INFO):
        result = signed_post(
            client,
            f"/voice/callback/customer-result?{stale}",
            call_params(DialCallStatus="busy", DialBridged="false"),
        )
        ended = signed_post(
            client, f"/voice/callback/rep-ended?{stale}", call_params(CallStatus="no-answer")
        )
        unknown = signed_post(
            client,
            "/voice/callback/rep-ended?callback=CB-999&attempt=AT1&rep=sam&line=support",
            call_params(CallStatus="completed"),
        )
    assert result.status_code == 200
    assert ElementTree.fromstring(result.data).find("Hangup") is not None
    assert (ended.status_code, unknown.status_code) == (204, 204)
    after = services.callbacks.get(callback_id)
    assert after == before
    assert after is not None and (after.state, after.attempt) == (CallbackState.DIALLING, attempt)
    assert "changed nothing" in caplog.text and "nothing to pass on" in caplog.text


def test_a_late_report_of_an_earlier_try_leaves_the_retry_in_its_place(
    client: FlaskClient, services: Services
) -> None:
    callback_id, first = open_callback(services)
    services.callbacks.connected(callback_id, first)
    services.callbacks.finish(callback_id, first, "busy", "customer busy", [0])
    services.router.place(Caller(call_sid=callback_id, line="support"))  # the retry, in line
    late = f"callback={callback_id}&attempt={first}&rep=sam&line=support"
    signed_post(
        client,
        f"/voice/callback/customer-result?{late}",
        call_params(DialCallStatus="busy", DialBridged="false"),
    )
    assert services.router.position(callback_id) == 1
