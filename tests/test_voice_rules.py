"""Messages and queues, sentence by sentence, with Redis up and down.

The time promised before the tone is the time repeated after it and the time kept; each of
Twilio's ways of leaving a queue leads to goodbye or a message, never back into the queue; what
the queue reports about the wait is kept as reported.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from callflows import prompts
from callflows.promises import spoken_time
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from tests.signing import PUBLIC_BASE_URL, call_params, signed_post

CALLER_SID = call_params()["CallSid"]


def document(body: bytes) -> ElementTree.Element:
    """The TwiML document a response holds."""
    return ElementTree.fromstring(body)


def spoken(body: bytes) -> list[str]:
    """The sentences a caller hears, in order."""
    return [say.text or "" for say in document(body).iter("Say")]


def verbs(body: bytes) -> list[str]:
    """The top-level verbs, in order."""
    return [element.tag for element in document(body)]


def path_of(url: str) -> str:
    """The path and query of one of our absolute links, as the test client posts it."""
    assert url.startswith(PUBLIC_BASE_URL), url
    return url.removeprefix(PUBLIC_BASE_URL)


@pytest.fixture
def dead(settings: Settings, tmp_path: Path) -> FlaskClient:
    """The shipped flow, without Redis."""
    gone = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    return create_app(gone).test_client()


# Messages: the time promised before the tone is the time repeated after it, and kept.


def promised_by(body: bytes) -> datetime:
    """The callback deadline a message offer carries to its Record action."""
    action = document(body).find("Record").get("action", "")
    return datetime.fromisoformat(parse_qs(urlsplit(action).query)["by"][0])


def test_the_thanks_after_a_message_repeats_the_time_promised_before_it(
    client: FlaskClient, services: Services
) -> None:
    now = datetime.now(UTC)
    offer = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="2"))
    deadline = promised_by(offer.data)
    assert timedelta(minutes=119) < deadline - now < timedelta(minutes=121)
    said = spoken_time(deadline, now, services.flow)
    assert spoken(offer.data) == [
        f"We will call you back by {said}.",
        "Please leave your message after the tone, then hang up or press pound.",
        "I didn't hear a message. Let me get you to a person.",
    ]
    action = path_of(document(offer.data).find("Record").get("action", ""))
    recording = "https://api.twilio.com/rec/RE1"
    thanks = signed_post(
        client,
        action,
        call_params(RecordingUrl=recording, RecordingSid="RE1", RecordingDuration="9"),
    )
    assert spoken(thanks.data) == [f"Thank you. We will call you back by {said}. Goodbye."]
    details = services.calls.details(CALLER_SID)
    assert datetime.fromisoformat(details["promised_by"]) == deadline
    assert details["recording"] == recording


def test_a_message_offer_beeps_and_records_no_longer_than_twilio_transcribes(
    client: FlaskClient,
) -> None:
    offer = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="2"))
    record = document(offer.data).find("Record")
    assert record.get("playBeep") == "true"  # the prompt says "after the tone"
    assert record.get("transcribe") == "true"
    assert int(record.get("maxLength", "3600")) <= 120  # Twilio transcribes 2 minutes at most


def test_a_caller_who_leaves_no_message_is_put_through_without_a_second_welcome(
    client: FlaskClient,
) -> None:
    offer = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="2"))
    no_message = path_of(document(offer.data).find("Redirect").text or "")
    response = signed_post(client, no_message, call_params())
    assert spoken(response.data) == ["Connecting you to a person now."]
    assert document(response.data).find("Enqueue").text == "support"


def test_leaving_the_queue_for_a_message_promises_the_usual_callback_time(
    client: FlaskClient,
) -> None:
    now = datetime.now(UTC)
    result = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult="leave")
    )
    assert timedelta(minutes=119) < promised_by(result.data) - now < timedelta(minutes=121)


# Leaving a queue: each of Twilio's QueueResult values means goodbye or a message.


@pytest.mark.parametrize("result", ["bridging-in-process", "bridged", "hangup"])
def test_a_wait_that_ended_in_a_conversation_or_a_hang_up_says_goodbye(
    client: FlaskClient, result: str
) -> None:
    response = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult=result)
    )
    assert verbs(response.data) == ["Hangup"]


@pytest.mark.parametrize("result", ["error", "system-error", "queue-full", "leave"])
def test_a_wait_the_queue_failed_or_the_caller_left_offers_a_message(
    client: FlaskClient, result: str
) -> None:
    response = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult=result)
    )
    assert "Record" in verbs(response.data)
    assert "Enqueue" not in verbs(response.data)


def test_a_queue_that_turns_the_caller_away_at_once_still_offers_a_message(
    client: FlaskClient, services: Services
) -> None:
    params = call_params(QueueResult="queue-full", QueueTime="0")
    response = signed_post(client, "/voice/queue-result?queue=support", params)
    assert "Record" in verbs(response.data)
    assert services.calls.details(CALLER_SID)["wait_seconds"] == "0"


def test_the_time_waited_in_the_queue_is_kept_as_twilio_reports_it(
    client: FlaskClient, services: Services
) -> None:
    signed_post(client, "/voice/incoming", call_params())
    params = call_params(QueueResult="hangup", QueueTime="42")
    signed_post(client, "/voice/queue-result?queue=billing", params)
    record = services.calls.get(CALLER_SID)
    assert record.path == ["incoming", "queue-result:hangup"]
    assert record.details == {"queue": "billing", "wait_seconds": "42"}


def test_any_other_key_on_hold_keeps_the_callers_place(
    client: FlaskClient, dead: FlaskClient
) -> None:
    for app in (client, dead):
        for key in "039*#":
            response = signed_post(app, "/voice/hold/choice", call_params(Digits=key))
            assert verbs(response.data) == [], key


def test_a_place_in_line_twilio_did_not_give_is_not_said(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/hold", call_params())
    assert spoken(response.data) == [prompts.HOLD_OFFER, prompts.HOLD_KEEP_PLACE]


# The call's own record.


def test_the_call_record_keeps_the_number_that_was_called(
    client: FlaskClient, services: Services
) -> None:
    signed_post(client, "/voice/incoming", call_params(To="+14155550000"))
    assert services.calls.get(CALLER_SID).to == "+14155550000"
