"""A text to the line's number gets a one-line pointer to call, signed requests only; STOP or
CANCEL calls off the sender's open callback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from crm.models import Rep
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from queues.routing_results import Caller
from tests.signing import call_params, signed_post
from voicemail.book import Request
from voicemail.models import CallbackState, Message

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


def open_callback(services: Services, phone: str) -> str:
    """A message `phone` left a moment ago, now waiting in line to be called back."""
    now = datetime.now(UTC)
    made = services.callbacks.request(
        Request(
            origin="RE1",
            phone=phone,
            due=now,
            promised_by=now + timedelta(hours=2),
            message=Message(at=now, call_sid="CA1"),
        ),
        max_attempts=3,
    )
    services.router.place(Caller(call_sid=made.callback_id, line="support", phone=phone))
    return made.callback_id


@pytest.mark.parametrize("word", ["STOP", " cancel "])
def test_stop_or_cancel_calls_off_the_senders_callback(
    client: FlaskClient, services: Services, word: str
) -> None:
    callback_id = open_callback(services, "+14155550100")
    response = signed_post(client, "/sms/incoming", call_params(**(SMS | {"Body": word})))
    assert response.status_code == 200
    assert reply(response.data) == []  # Twilio confirms an opt-out itself
    callback = services.callbacks.get(callback_id)
    assert callback is not None and callback.state is CallbackState.CANCELLED
    assert services.router.position(callback_id) == 0
    assert services.callbacks.open_callbacks() == []


def test_cancel_from_a_number_with_no_callback_changes_nothing(
    client: FlaskClient, services: Services
) -> None:
    callback_id = open_callback(services, "+14155550199")
    response = signed_post(client, "/sms/incoming", call_params(**(SMS | {"Body": "CANCEL"})))
    assert response.status_code == 200 and reply(response.data) == []
    callback = services.callbacks.get(callback_id)
    assert callback is not None and callback.state is CallbackState.PENDING
    assert services.router.position(callback_id) == 1


@pytest.fixture
def adas_case(services: Services) -> str:
    services.reps.save_all(
        [Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")]
    )
    return services.cases.open("+14155550100", "sam", "Router drops every evening").reference


def texted(client: FlaskClient, sender: str, body: str) -> list[str]:
    response = signed_post(
        client, "/sms/incoming", call_params(**(SMS | {"Body": body, "From": sender}))
    )
    assert response.status_code == 200
    return reply(response.data)


def test_a_case_reference_texted_from_the_cases_number_gets_its_status(
    client: FlaskClient, adas_case: str
) -> None:
    number = adas_case.removeprefix("C-")
    assert texted(client, "+14155550100", f"status of c{number} please?") == [
        f"Case {adas_case} (Router drops every evening) is open: we're working on it. Sam is"
        " looking after it."
    ]


def test_a_case_asked_about_from_another_number_is_no_different_from_none(
    client: FlaskClient, adas_case: str
) -> None:
    someone_elses = texted(client, "+14155550101", adas_case)
    made_up = texted(client, "+14155550102", "C-9999")
    assert (
        someone_elses
        == made_up
        == [
            "We couldn't find that case for this number. Please text from the number you gave us,"
            " or call us on +14155550000."
        ]
    )


def test_texts_guessing_at_a_case_are_held_off(client: FlaskClient, adas_case: str) -> None:
    for n in range(5):
        texted(client, f"+1415555{n + 300:04d}", adas_case)
    (held,) = texted(client, "+14155550100", adas_case)  # even from the case's own number, now
    assert held == "Too many case lookups. Please try again in 1 minute."
