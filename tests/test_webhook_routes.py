"""Every Twilio-facing route, found in the URL map: signed or refused, and never an error."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from redis import Redis

from ivr import create_app
from ivr.degrade import declared_answer
from ivr.settings import Settings
from tests.signing import PUBLIC_BASE_URL, signed_post, twilio_signature
from tests.webhook_routes import FORMS, QUERIES, TWILIO_BLUEPRINTS, params_for, twilio_routes


def test_the_url_map_has_the_twilio_routes(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _ in twilio_routes(app)}
    assert {"voice.incoming", "voice.fallback", "voice.status", "sms.incoming"} <= endpoints
    assert len(endpoints) >= 15
    # A request written for a route that is gone would test nothing.
    assert set(QUERIES) | set(FORMS) <= endpoints


def test_every_twilio_route_refuses_unsigned_and_forged_requests(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    before = sorted(redis.keys("*"))
    for endpoint, path in twilio_routes(app):
        params = params_for(endpoint)
        unsigned = client.post(path, data=params)
        assert unsigned.status_code == 403, f"{endpoint} answered an unsigned request"
        forged = twilio_signature(PUBLIC_BASE_URL + path, params, token="not-the-auth-token")
        response = client.post(path, data=params, headers={"X-Twilio-Signature": forged})
        assert response.status_code == 403, f"{endpoint} answered a forged request"
    assert sorted(redis.keys("*")) == before


def test_every_twilio_view_declares_what_it_answers_without_redis(app: Flask) -> None:
    for endpoint, view in app.view_functions.items():
        if endpoint.split(".")[0] in TWILIO_BLUEPRINTS:
            assert declared_answer(view) is not None, f"{endpoint} declares no degraded answer"


@pytest.fixture
def without_redis(settings: Settings, tmp_path: Path) -> Flask:
    """The app with its Redis gone."""
    return create_app(
        settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    )


# Reports nobody hears: without Redis they answer 503, so Twilio retries them.
REPORTS = (
    "voice.recording",
    "voice.transcription",
    "voice.status",
    "voice.callback_rep_ended",
    "voice.callback_customer_ended",
)


def test_every_twilio_route_answers_without_redis(without_redis: Flask) -> None:
    client = without_redis.test_client()
    for endpoint, path in twilio_routes(without_redis):
        response = signed_post(client, path, params_for(endpoint))
        if endpoint in REPORTS:
            assert response.status_code == 503, endpoint  # Twilio retries what was not kept
            continue
        assert response.status_code == 200, endpoint
        assert response.mimetype == "text/xml", endpoint
        ElementTree.fromstring(response.data)  # a document Twilio can parse
