"""With Redis gone, each step still means what it meant: a message stays a message, a finished
conversation says goodbye, a full queue offers a message, the manager line stays the manager's,
closed hours stay closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from callflows.hours import WEEKDAYS
from ivr import create_app
from ivr.settings import Settings
from tests.signing import call_params, signed_post


@pytest.fixture
def dead_redis(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose Redis is gone."""
    return settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})


@pytest.fixture
def client(dead_redis: Settings) -> FlaskClient:
    """The shipped flow, without Redis."""
    return create_app(dead_redis).test_client()


def document(body: bytes) -> ElementTree.Element:
    """The TwiML document a response holds."""
    return ElementTree.fromstring(body)


def spoken(body: bytes) -> list[str]:
    """The sentences a caller hears, in order."""
    return [say.text or "" for say in document(body).iter("Say")]


def verbs(body: bytes) -> list[str]:
    """The top-level verbs, in order."""
    return [element.tag for element in document(body)]


def test_pressing_1_on_hold_still_leads_to_a_message(client: FlaskClient) -> None:
    leave = signed_post(client, "/voice/hold/choice", call_params(Digits="1"))
    assert verbs(leave.data) == ["Leave"]
    result = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult="leave")
    )
    assert "Record" in verbs(result.data)
    assert "Enqueue" not in verbs(result.data)
    assert any("We will call you back by" in sentence for sentence in spoken(result.data))


def test_a_full_queue_offers_a_message_instead_of_the_same_queue(client: FlaskClient) -> None:
    result = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult="queue-full")
    )
    assert "Record" in verbs(result.data)
    assert "Enqueue" not in verbs(result.data)


@pytest.mark.parametrize("result", ["bridged", "hangup", "redirected", "redirected-from-bridged"])
def test_a_finished_wait_says_goodbye(client: FlaskClient, result: str) -> None:
    response = signed_post(
        client, "/voice/queue-result?queue=support", call_params(QueueResult=result)
    )
    assert verbs(response.data)[-1] == "Hangup"
    assert "Enqueue" not in verbs(response.data)


# Which rep was rung for the caller, on which line (the query of a ring's links).
RING_STEP = "rep=sam&line=support&call=" + call_params()["CallSid"]


def test_a_bridged_call_with_a_rep_says_goodbye(client: FlaskClient) -> None:
    response = signed_post(
        client,
        f"/voice/ring-result?{RING_STEP}",
        call_params(DialCallStatus="completed", DialBridged="true"),
    )
    assert verbs(response.data) == ["Hangup"]


@pytest.mark.parametrize("line", ["support", "billing", "managers"])
def test_an_unbridged_ring_goes_to_the_next_person_of_the_same_line(
    client: FlaskClient, line: str
) -> None:
    response = signed_post(
        client,
        f"/voice/ring-result?rep=sam&line={line}&call={call_params()['CallSid']}",
        call_params(DialCallStatus="completed", DialBridged="false"),
    )
    assert document(response.data).find("Enqueue").text == line


def test_a_caller_moved_out_of_line_for_a_rep_goes_back_to_the_same_line(
    client: FlaskClient,
) -> None:
    response = signed_post(
        client,
        f"/voice/connect?rep=sam&line=managers&call={call_params()['CallSid']}",
        call_params(CallStatus="in-progress"),
    )
    assert spoken(response.data) == ["Connecting you to a person now."]
    assert document(response.data).find("Enqueue").text == "managers"


def test_the_manager_option_stays_the_manager_line(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="9"))
    assert spoken(response.data) == ["Connecting you to a manager now."]
    assert document(response.data).find("Enqueue").text == "managers"


def test_asking_for_a_manager_by_voice_stays_the_manager_line(client: FlaskClient) -> None:
    response = signed_post(
        client, "/voice/menu?menu=tech", call_params(SpeechResult="I want a manager")
    )
    assert document(response.data).find("Enqueue").text == "managers"


def test_a_menu_choice_still_reaches_its_own_queue(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="1"))
    assert document(response.data).find("Enqueue").text == "billing"


def test_a_wrong_key_still_hears_the_menu_again(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="7"))
    assert spoken(response.data)[0] == "Sorry, I didn't catch that."
    assert document(response.data).find("Gather") is not None


def test_case_status_without_redis_goes_to_a_person(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="3"))
    assert document(response.data).find("Enqueue").text == "support"


def test_a_message_left_without_redis_is_thanked_with_its_promised_time(
    client: FlaskClient,
) -> None:
    response = signed_post(
        client,
        "/voice/voicemail?by=2026-11-25T21:30:00%2B00:00",
        call_params(RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="12"),
    )
    assert verbs(response.data) == ["Say", "Hangup"]
    assert spoken(response.data)[0].startswith("Thank you. We will call you back by")


def test_the_whisper_answer_without_redis_still_connects_the_rep(client: FlaskClient) -> None:
    accepted = signed_post(client, f"/voice/whisper/answer?{RING_STEP}", call_params(Digits="1"))
    assert verbs(accepted.data) == []
    declined = signed_post(client, f"/voice/whisper/answer?{RING_STEP}", call_params(Digits="2"))
    assert verbs(declined.data) == ["Hangup"]


def test_whisper_without_redis_still_lets_the_rep_take_the_call(client: FlaskClient) -> None:
    response = signed_post(client, f"/voice/whisper?{RING_STEP}", call_params())
    assert spoken(response.data) == ["A caller is waiting for you.", "Press 1 to take the call."]
    assert document(response.data).find("Enqueue") is None


def test_hold_without_redis_keeps_the_callers_place(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/hold", call_params(QueuePosition="3"))
    assert spoken(response.data)[0] == "You are number 3 in line."
    assert document(response.data).find("Enqueue") is None


def test_open_line_without_redis_reaches_a_person(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/incoming", call_params())
    assert spoken(response.data) == ["Thanks for calling.", "Connecting you to a person now."]
    assert document(response.data).find("Enqueue").text == "support"


def closed_today_flow(tmp_path: Path) -> Path:
    """The shipped flow, with hours that open only on a day that is not today."""
    today = datetime.now(UTC).weekday()
    other_day = WEEKDAYS[(today + 3) % 7]
    flow = Path("callflows/default.yaml").read_text()
    path = tmp_path / "closed.yaml"
    path.write_text(
        flow
        + "hours:\n  timezone: UTC\n"
        + f'  weekly: {{{other_day}: ["00:00-24:00"]}}\n'
        + '  closed_message: "We are closed today."\n'
    )
    return path


def test_closed_hours_stay_closed_without_redis(dead_redis: Settings, tmp_path: Path) -> None:
    flow = closed_today_flow(tmp_path)
    client = create_app(dead_redis.model_copy(update={"ivr_callflow": flow})).test_client()
    response = signed_post(client, "/voice/incoming", call_params())
    assert "We are closed today." in spoken(response.data)
    assert "Record" in verbs(response.data)
    assert "Enqueue" not in verbs(response.data)
