"""A caller is recognised and greeted; whoever calls, and whatever fails, the answer is TwiML."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from twilio.twiml.voice_response import VoiceResponse

from crm.models import Customer
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from ivr.twiml import twiml
from tests.signing import call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(12000), account="A-1")


def spoken(body: bytes) -> list[str]:
    """The sentences a caller hears, in order."""
    return [say.text or "" for say in ElementTree.fromstring(body).iter("Say")]


def test_known_caller_is_greeted_by_name(client: FlaskClient, services: Services) -> None:
    services.customers.save_all([ADA])
    response = signed_post(client, "/voice/incoming", call_params(From="+14155550100"))
    assert response.status_code == 200
    assert spoken(response.data)[0] == "Hello Ada, thanks for calling."


def test_caller_id_in_national_format_is_still_recognised(
    client: FlaskClient, services: Services
) -> None:
    services.customers.save_all([ADA])
    response = signed_post(client, "/voice/incoming", call_params(From="4155550100"))
    assert spoken(response.data)[0] == "Hello Ada, thanks for calling."


LONG_SIP_URI = "sip:" + "b" * 300 + "@example.com;transport=tls;" + "x-header=1;" * 30


@pytest.mark.parametrize(
    "caller_id",
    ["anonymous", "+266696687", "client:alice", "sip:bob@example.com", "", LONG_SIP_URI],
)
def test_unknown_callers_are_welcomed_and_put_through(
    client: FlaskClient, services: Services, caller_id: str
) -> None:
    params = call_params(From=caller_id)
    response = signed_post(client, "/voice/incoming", params)
    assert response.status_code == 200
    heard = spoken(response.data)
    assert heard[0] == "Thanks for calling."
    assert heard[1].startswith("To speak to a person, press 0")
    assert ElementTree.fromstring(response.data).find("Gather") is not None
    record = services.calls.get(params["CallSid"])
    assert record is not None and record.from_number is None and record.caller_id == caller_id


def test_call_is_logged_once_per_call_sid(client: FlaskClient, services: Services) -> None:
    services.customers.save_all([ADA])
    params = call_params()
    signed_post(client, "/voice/incoming", params)
    signed_post(client, "/voice/incoming", params)  # Twilio retries on timeouts
    record = services.calls.get(params["CallSid"])
    assert record is not None
    assert record.from_number == "+14155550100"
    assert record.path == ["incoming"]
    assert services.redis.xlen("ivr:events") == 1


def test_malformed_webhook_gets_400_with_a_message(client: FlaskClient) -> None:
    params = call_params()
    del params["CallSid"]
    response = signed_post(client, "/voice/incoming", params)
    assert response.status_code == 400
    assert b"CallSid" in response.data


def test_fallback_answers_static_twiml(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/fallback", call_params())
    assert response.status_code == 200
    assert "Connecting you to a person now." in spoken(response.data)


def test_redis_down_still_reaches_a_person(settings: Settings, tmp_path: Path) -> None:
    dead = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    client = create_app(dead).test_client()
    response = signed_post(client, "/voice/incoming", call_params())
    assert response.status_code == 200
    assert spoken(response.data) == ["Thanks for calling.", "Connecting you to a person now."]
    assert ElementTree.fromstring(response.data).find("Enqueue").text == "support"


def test_answer_to_a_menu_the_flow_no_longer_has_reaches_a_person(client: FlaskClient) -> None:
    # A call that began before the flow was replaced must not end in an error.
    response = signed_post(client, "/voice/menu?menu=retired", call_params(Digits="1"))
    assert response.status_code == 200
    assert spoken(response.data) == ["Let me get you to a person."]
    assert ElementTree.fromstring(response.data).find("Enqueue").text == "support"


def test_stored_record_that_no_longer_parses_still_reaches_a_person(
    client: FlaskClient, services: Services
) -> None:
    services.redis.set("ivr:customer:+14155550100", '{"phone": "+14155550100"}')
    response = signed_post(client, "/voice/incoming", call_params())
    assert response.status_code == 200
    assert "Connecting you to a person now." in spoken(response.data)


def test_menu_answer_with_a_bad_attempt_is_refused(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/menu?menu=main&attempt=zero", call_params(Digits="1"))
    assert response.status_code == 400
    assert b"attempt" in response.data


def test_hold_step_plays_the_flows_hold_music(settings: Settings, tmp_path: Path) -> None:
    flow = Path("callflows/default.yaml").read_text()
    path = tmp_path / "music.yaml"
    path.write_text(flow + "hold_music: https://cdn.example.com/hold.mp3\n")
    client = create_app(settings.model_copy(update={"ivr_callflow": path})).test_client()
    # The caller asks for a person; nobody is free, so they wait first in line.
    waiting = signed_post(client, "/voice/menu?menu=main", call_params(Digits="0"))
    assert ElementTree.fromstring(waiting.data).find("Enqueue").text == "support"
    response = signed_post(client, "/voice/hold", call_params(QueuePosition="1"))
    document = ElementTree.fromstring(response.data)
    assert spoken(response.data)[0] == "You are number 1 in line."
    assert document.find("Play").text == "https://cdn.example.com/hold.mp3"


def test_whisper_without_redis_still_lets_the_rep_take_the_call(
    settings: Settings, tmp_path: Path
) -> None:
    dead = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    client = create_app(dead).test_client()
    step = "rep=sam&line=support&call=" + call_params()["CallSid"]
    response = signed_post(client, f"/voice/whisper?{step}", call_params(CallSid="CA" + "2" * 32))
    assert spoken(response.data) == ["A caller is waiting for you.", "Press 1 to take the call."]
    assert ElementTree.fromstring(response.data).find("Enqueue") is None


def test_a_long_sip_address_called_is_not_refused(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/incoming", call_params(To=LONG_SIP_URI))
    assert response.status_code == 200
    assert spoken(response.data)[0] == "Thanks for calling."


def test_stored_control_characters_never_reach_the_twiml(
    client: FlaskClient, services: Services
) -> None:
    # Written past the edge's checks, as an older version or another tool might have stored it.
    services.redis.set(
        "ivr:customer:+14155550100",
        '{"phone": "+14155550100", "name": "Ada\\u0007 Lovelace", "spend": "0"}',
    )
    response = signed_post(client, "/voice/incoming", call_params())
    assert response.status_code == 200
    assert b"\x07" not in response.data
    assert spoken(response.data)[0].startswith(("Hello Ada", "Thanks for calling"))


def test_no_answer_can_carry_a_character_xml_forbids() -> None:
    document = VoiceResponse()
    document.say("Case about \x01the router\x07, \ufffe\ud800fixed\x0b\x1f")
    body = twiml(document).get_data(as_text=True)
    assert ElementTree.fromstring(body).find("Say").text == "Case about the router, fixed"
