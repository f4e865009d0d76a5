"""The JSON API for staff signed in to the console: a rep acts on their own work (presence,
their callbacks), a supervisor on anyone's; each refusal says why and changes nothing; a
session's unsafe request without its CSRF token is refused. Against the suite's real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm.models import Presence
from ivr.services import Services
from tests.staff_session import PASSWORD, hire, signed_in_as
from voicemail.book import Request
from voicemail.models import CallbackState, Message


@pytest.fixture
def staffed(services: Services) -> Services:
    hire(services)
    return services


def browser(app: Flask, rep_id: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client signed in as `rep_id`, and the header its unsafe requests carry."""
    client = app.test_client()
    return client, {"X-CSRF-Token": signed_in_as(client, rep_id, PASSWORD)}


def sams_callback(services: Services) -> str:
    now = datetime.now(UTC)
    return services.callbacks.request(
        Request(
            origin="RE1",
            phone="+14155550101",
            due=now + timedelta(hours=1),
            promised_by=now + timedelta(hours=2),
            message=Message(at=now, call_sid="CA1"),
            owner="sam",
        ),
        max_attempts=3,
    ).callback_id


def test_a_signed_in_rep_reads_the_floor_and_sets_their_own_presence(
    app: Flask, staffed: Services
) -> None:
    sam, csrf = browser(app, "sam")
    assert [r["id"] for r in sam.get("/api/reps").json["reps"]] == ["kim", "mia", "sam"]
    answer = sam.post("/api/reps/sam/presence", json={"presence": "available"}, headers=csrf)
    assert answer.status_code == 200
    assert staffed.reps.presence("sam") is Presence.AVAILABLE


def test_a_rep_may_not_set_another_reps_presence_but_a_supervisor_may(
    app: Flask, staffed: Services
) -> None:
    sam, sam_csrf = browser(app, "sam")
    refused = sam.post("/api/reps/kim/presence", json={"presence": "available"}, headers=sam_csrf)
    assert (refused.status_code, refused.json) == (
        403,
        {"error": "only kim or a supervisor may change their presence"},
    )
    assert staffed.reps.presence("kim") is Presence.OFFLINE
    mia, mia_csrf = browser(app, "mia")
    allowed = mia.post("/api/reps/kim/presence", json={"presence": "away"}, headers=mia_csrf)
    assert allowed.status_code == 200
    assert staffed.reps.presence("kim") is Presence.AWAY


def test_a_sessions_unsafe_request_without_its_csrf_token_changes_nothing(
    app: Flask, staffed: Services
) -> None:
    sam, _ = browser(app, "sam")
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        answer = sam.post("/api/reps/sam/presence", json={"presence": "available"}, headers=headers)
        assert answer.status_code == 403
        assert "CSRF token" in answer.json["error"]
    assert staffed.reps.presence("sam") is Presence.OFFLINE


def test_only_the_owner_or_a_supervisor_cancels_or_starts_a_callback(
    app: Flask, staffed: Services
) -> None:
    callback_id = sams_callback(staffed)
    kim, kim_csrf = browser(app, "kim")
    for action, verb in (("cancel", "cancel"), ("dispatch", "start")):
        refused = kim.post(
            f"/api/callbacks/{callback_id}/{action}", json={"reason": "x"}, headers=kim_csrf
        )
        assert (refused.status_code, refused.json) == (
            403,
            {"error": f"only sam or a supervisor may {verb} callback {callback_id}"},
        )
    callback = staffed.callbacks.get(callback_id)
    assert callback is not None and callback.state is CallbackState.PENDING
    sam, sam_csrf = browser(app, "sam")
    cancelled = sam.post(
        f"/api/callbacks/{callback_id}/cancel", json={"reason": "sorted by email"}, headers=sam_csrf
    )
    assert cancelled.status_code == 200
    callback = staffed.callbacks.get(callback_id)
    assert callback is not None and callback.state is CallbackState.CANCELLED


def test_reports_are_for_supervisors(app: Flask, staffed: Services) -> None:
    sam, _ = browser(app, "sam")
    refused = sam.get("/api/reports/cases")
    assert (refused.status_code, refused.json) == (
        403,
        {"error": "sam is not a supervisor; reports are for supervisors"},
    )
    mia, _ = browser(app, "mia")
    assert mia.get("/api/reports/cases").status_code == 200
