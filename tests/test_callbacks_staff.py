"""Callbacks as staff see them: the list of promises waiting (API and `ivr callbacks`), calling
one off, starting one now, and the promises report (`ivr report promises`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from ivr.cli import main
from ivr.services import Services
from voicemail.book import Request
from voicemail.models import CallbackState, Message

TOKEN = {"Authorization": "Bearer test-api-token-0123456789"}
BACKOFF = [60]


def leave(services: Services, phone: str, promised_in: timedelta, due_in: timedelta) -> str:
    """A callback `phone` asked for, due and promised from now."""
    now = datetime.now(UTC)
    return services.callbacks.request(
        Request(
            origin=f"RE{phone}",
            phone=phone,
            due=now + due_in,
            promised_by=now + promised_in,
            message=Message(at=now, call_sid="CA1"),
            owner="sam",
        ),
        max_attempts=2,
    ).callback_id


@pytest.fixture
def ivr(settings: object, env: dict[str, str]):  # settings: the environment is set
    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return run


def test_the_api_lists_waiting_callbacks_soonest_due_first_with_their_risk(
    client: FlaskClient, services: Services
) -> None:
    later = leave(services, "+14155550101", timedelta(hours=2), timedelta(minutes=30))
    soon = leave(services, "+14155550102", timedelta(minutes=10), timedelta(0))
    answer = client.get("/api/callbacks", headers=TOKEN)
    assert answer.status_code == 200
    listed = answer.json["callbacks"]
    assert [c["id"] for c in listed] == [soon, later]
    assert [c["at_risk"] for c in listed] == [True, False]
    assert listed[0] | {"due": "", "promised_by": ""} == {
        "id": soon,
        "phone": "+14155550102",
        "line": "support",
        "case": None,
        "owner": "sam",
        "state": "pending",
        "attempts": 0,
        "max_attempts": 2,
        "due": "",
        "promised_by": "",
        "at_risk": True,
        "messages": 1,
    }
    assert client.get("/api/callbacks").status_code == 401


def test_a_callback_called_off_by_the_api_is_never_dialled(
    client: FlaskClient, services: Services
) -> None:
    callback_id = leave(services, "+14155550101", timedelta(hours=2), timedelta(0))
    answer = client.post(
        f"/api/callbacks/{callback_id}/cancel", json={"reason": "solved by email"}, headers=TOKEN
    )
    assert answer.status_code == 200
    assert answer.json == {"id": callback_id, "state": "cancelled", "was": "pending"}
    callback = services.callbacks.get(callback_id)
    assert callback is not None
    assert (callback.state, callback.reason) == (CallbackState.CANCELLED, "solved by email")
    again = client.post(f"/api/callbacks/{callback_id}/cancel", json={}, headers=TOKEN)
    assert again.status_code == 409 and "cancelled" in again.json["error"]
    missing = client.post("/api/callbacks/CB-999/cancel", json={}, headers=TOKEN)
    assert missing.status_code == 404
    bad = client.post(f"/api/callbacks/{callback_id}/cancel", json={"why": 1}, headers=TOKEN)
    assert bad.status_code == 400


def test_a_callback_started_now_joins_its_line_before_its_due_time(
    client: FlaskClient, services: Services
) -> None:
    callback_id = leave(services, "+14155550101", timedelta(hours=2), timedelta(hours=1))
    assert services.router.position(callback_id) == 0
    answer = client.post(f"/api/callbacks/{callback_id}/dispatch", headers=TOKEN)
    assert answer.status_code == 200
    assert answer.json == {"id": callback_id, "state": "pending", "position": 1}
    services.callbacks.cancel(callback_id, "done another way")
    refused = client.post(f"/api/callbacks/{callback_id}/dispatch", headers=TOKEN)
    assert refused.status_code == 409 and "cancelled" in refused.json["error"]
    assert client.post("/api/callbacks/CB-999/dispatch", headers=TOKEN).status_code == 404


def test_ivr_callbacks_lists_what_is_waiting(ivr, services: Services) -> None:
    assert ivr("callbacks").output == "No callbacks waiting.\n"
    callback_id = leave(services, "+14155550101", timedelta(minutes=5), timedelta(0))
    (line,) = ivr("callbacks").output.splitlines()
    assert line.startswith(f"{callback_id}  +14155550101  support  pending  due ")
    assert "promised by " in line and "tries 0/2 owner sam" in line
    assert line.endswith("AT RISK")


def test_ivr_report_promises_counts_kept_and_broken_with_the_median_margin(
    ivr, services: Services
) -> None:
    kept = leave(services, "+14155550101", timedelta(hours=2), timedelta(0))
    attempt = services.callbacks.start(kept, 60)
    services.callbacks.connected(kept, attempt)
    services.callbacks.finish(kept, attempt, "answered", "", BACKOFF)
    late = leave(services, "+14155550102", timedelta(minutes=-10), timedelta(0))
    attempt = services.callbacks.start(late, 60)
    services.callbacks.connected(late, attempt)
    services.callbacks.finish(late, attempt, "answered", "", BACKOFF)
    failed = leave(services, "+14155550103", timedelta(hours=2), timedelta(0))
    for _ in range(2):
        attempt = services.callbacks.start(failed, 60, force=True)
        services.callbacks.connected(failed, attempt)
        services.callbacks.finish(failed, attempt, "busy", "customer busy", BACKOFF)
    services.callbacks.cancel(
        leave(services, "+14155550104", timedelta(hours=2), timedelta(0)), "x"
    )
    leave(services, "+14155550105", timedelta(minutes=5), timedelta(0))
    assert ivr("report", "promises").output.splitlines() == [
        "last 7 days: 1 kept, 2 broken",
        "median time to spare: 55 min",  # +120 min and -10 min
        "open now: 1, at risk: 1",
    ]
