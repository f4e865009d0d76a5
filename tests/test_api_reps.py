"""The reps API: the floor's presence, and presence changed by a token-holding client."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from crm.models import Presence, Rep
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from queues.routing_results import Caller

TOKEN_TEXT = "test-api-token-0123456789"
TOKEN = {"Authorization": f"Bearer {TOKEN_TEXT}"}
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")


@pytest.fixture
def staffed(services: Services) -> Services:
    services.reps.save_all([SAM])
    return services


def test_a_rep_made_available_by_the_api_is_offered_the_next_caller(
    client: FlaskClient, staffed: Services
) -> None:
    answer = client.post("/api/reps/sam/presence", json={"presence": "available"}, headers=TOKEN)
    assert answer.status_code == 200
    assert answer.json == {"id": "sam", "presence": "available", "previous": "offline"}
    placed = staffed.router.place(Caller(call_sid="CA1", line="support"))
    assert getattr(placed, "rep", None) == SAM


def test_the_floor_lists_every_rep_with_lines_and_presence(
    client: FlaskClient, staffed: Services
) -> None:
    staffed.presence.set("sam", Presence.AWAY)
    answer = client.get("/api/reps", headers=TOKEN)
    assert answer.json == {
        "reps": [
            {
                "id": "sam",
                "name": "Sam Rivera",
                "role": "rep",
                "lines": ["support"],
                "presence": "away",
            }
        ],
        "page": 1,
        "per_page": 50,
        "total": 1,
    }
    second = client.get("/api/reps?page=2&per_page=1", headers=TOKEN).json
    assert (second["reps"], second["total"]) == ([], 1)
    assert client.get("/api/reps?per_page=500", headers=TOKEN).status_code == 400


SIGN_IN = "sign in to the console, or send an 'Authorization: Bearer <token>' header"
WRONG_TOKEN = "a valid 'Authorization: Bearer <token>' header is required"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, SIGN_IN),
        ({"Authorization": "Bearer wrong-token-0123456789"}, WRONG_TOKEN),
        ({"Authorization": TOKEN_TEXT}, WRONG_TOKEN),
        ({"X-Token": TOKEN_TEXT}, SIGN_IN),
    ],
)
def test_without_the_token_or_a_session_nothing_is_read_or_changed(
    client: FlaskClient, staffed: Services, headers: dict[str, str], why: str
) -> None:
    answer = client.post("/api/reps/sam/presence", json={"presence": "available"}, headers=headers)
    assert answer.status_code == 401
    assert answer.json == {"error": why}
    assert client.get("/api/reps", headers=headers).status_code == 401
    assert staffed.reps.presence("sam") is Presence.OFFLINE


def test_a_line_without_a_token_configured_keeps_the_api_closed(
    settings: Settings, staffed: Services
) -> None:
    closed = create_app(settings.model_copy(update={"ivr_api_token": None})).test_client()
    answer = closed.post("/api/reps/sam/presence", json={"presence": "available"}, headers=TOKEN)
    assert answer.status_code == 401
    assert "IVR_API_TOKEN is not configured" in answer.json["error"]
    assert staffed.reps.presence("sam") is Presence.OFFLINE


@pytest.mark.parametrize(
    ("rep", "payload", "status", "message"),
    [
        ("ghost", {"presence": "available"}, 404, "no rep with id 'ghost'"),
        ("sam", {"presence": "napping"}, 400, "presence: Input should be"),
        ("sam", {"presence": "missed"}, 409, "missed is set by routing, not by hand"),
        ("sam", {"state": "available"}, 400, "presence: Field required"),
        ("sam", ["available"], 400, "the body must be a JSON object"),
    ],
)
def test_bad_presence_changes_get_a_clear_error_and_change_nothing(
    client: FlaskClient,
    staffed: Services,
    rep: str,
    payload: object,
    status: int,
    message: str,
) -> None:
    answer = client.post(f"/api/reps/{rep}/presence", json=payload, headers=TOKEN)
    assert answer.status_code == status
    assert message in answer.json["error"]
    assert staffed.reps.presence("sam") is Presence.OFFLINE


def test_a_rep_on_a_ringing_call_cannot_slip_away_unnoticed(
    client: FlaskClient, staffed: Services
) -> None:
    staffed.presence.set("sam", Presence.AVAILABLE)
    staffed.router.place(Caller(call_sid="CA1", line="support"))
    answer = client.post("/api/reps/sam/presence", json={"presence": "away"}, headers=TOKEN)
    assert answer.status_code == 409
    assert answer.json == {"error": "a call is ringing this rep; answer or decline it first"}
    assert staffed.reps.presence("sam") is Presence.OFFERED


def test_an_unknown_api_path_is_a_json_404(client: FlaskClient, staffed: Services) -> None:
    answer = client.get("/api/nothing-here", headers=TOKEN)
    assert answer.status_code == 404
    assert "error" in answer.json
