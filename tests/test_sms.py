"""A text to the line's number gets a one-line pointer to call, signed requests only."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from flask.testing import FlaskClient

from ivr import create_app
from ivr.settings import Settings
from tests.signing import call_params, signed_post

SMS = {"MessageSid": "SM" + "1" * 32, "Body": "Is my order shipped?", "To": "+14155550000"}


def reply(body: bytes) -> list[str]:
    """The texts the app sends back."""
    return [message.text or "" for message in ElementTree.fromstring(body).iter("Message")]


def test_a_text_is_answered_with_the_number_to_call(client: FlaskClient) -> None:
    response = signed_post(client, "/sms/incoming", call_params(**SMS))
    assert response.status_code == 200
    assert reply(response.data) == [
        "Thanks for your message. This number takes calls only: please call us on +14155550000."
    ]


def test_a_text_without_its_message_sid_is_refused(client: FlaskClient) -> None:
    response = signed_post(client, "/sms/incoming", call_params(Body="hi"))
    assert response.status_code == 400
    assert b"MessageSid" in response.data


def test_a_text_is_answered_without_redis(settings: Settings, tmp_path: Path) -> None:
    dead = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    response = signed_post(create_app(dead).test_client(), "/sms/incoming", call_params(**SMS))
    assert len(reply(response.data)) == 1
