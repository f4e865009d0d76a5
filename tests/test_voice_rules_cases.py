"""Callers with cases and the reps who own them: the exact sentences either side hears, the key
that takes a call, when a ring counts as a conversation, and who may hear a typed case's details.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from crm.models import CaseStatus, Customer, Presence, Rep
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from tests.signing import call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
STRANGER = "+14155550999"
CALLER_SID = call_params()["CallSid"]
SAMS_LEG = "CA" + "2" * 32


def document(body: bytes) -> ElementTree.Element:
    """The TwiML document a response holds."""
    return ElementTree.fromstring(body)


def spoken(body: bytes) -> list[str]:
    """The sentences a caller hears, in order."""
    return [say.text or "" for say in document(body).iter("Say")]


def verbs(body: bytes) -> list[str]:
    """The top-level verbs, in order."""
    return [element.tag for element in document(body)]


def staff(services: Services, presence: Presence = Presence.AVAILABLE) -> None:
    """Ada as a customer, Sam as a rep with `presence`."""
    services.customers.save_all([ADA])
    services.reps.save_all([SAM])
    services.presence.set("sam", presence)


@pytest.fixture
def dead(settings: Settings, tmp_path: Path) -> FlaskClient:
    """The shipped flow, without Redis."""
    gone = settings.model_copy(update={"redis_url": f"unix://{tmp_path}/nothing-here.sock"})
    return create_app(gone).test_client()


# The case owner: what the caller hears when the owner cannot take the call.


def test_a_busy_owner_is_named_after_the_case_and_before_the_queue(
    client: FlaskClient, services: Services
) -> None:
    staff(services, Presence.BUSY)
    services.cases.open(ADA.phone, "sam", "router")
    response = signed_post(client, "/voice/incoming", call_params())
    assert spoken(response.data) == [
        "Hello Ada, thanks for calling.",
        "I see you have an open case about router; it is open.",
        "Sam is not free right now.",
        "Connecting you to a person now.",
    ]
    assert document(response.data).find("Enqueue").text == "support"
    assert document(response.data).find("Dial") is None


def test_an_offline_owner_is_not_rung(client: FlaskClient, services: Services) -> None:
    staff(services, Presence.OFFLINE)
    services.cases.open(ADA.phone, "sam", "router")
    response = signed_post(client, "/voice/incoming", call_params())
    assert document(response.data).find("Dial") is None
    assert "Sam is not free right now." in spoken(response.data)


def test_the_fast_track_is_about_the_newest_open_case(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    services.cases.open(ADA.phone, "sam", "invoice")
    heard = spoken(signed_post(client, "/voice/incoming", call_params()).data)
    assert heard[1] == "I see you have an open case about invoice; it is open."
    assert heard[2] == "Connecting you to Sam, who is looking after it."


OWNER_STEP = f"case=C-1001&owner=sam&call={CALLER_SID}"


def test_an_owner_who_did_not_take_the_call_is_named_before_the_queue(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    params = call_params(DialCallStatus="no-answer", DialBridged="false")
    response = signed_post(client, f"/voice/owner-result?{OWNER_STEP}", params)
    assert spoken(response.data) == ["Sam could not pick up.", "Connecting you to a person now."]
    assert document(response.data).find("Enqueue").text == "support"


def test_a_dial_result_that_does_not_say_bridged_is_no_conversation(
    client: FlaskClient, dead: FlaskClient, services: Services
) -> None:
    staff(services)
    signed_post(
        client, f"/voice/whisper/answer?{OWNER_STEP}", call_params(CallSid=SAMS_LEG, Digits="1")
    )
    for app in (client, dead):
        params = call_params(DialCallStatus="completed")
        response = signed_post(app, f"/voice/owner-result?{OWNER_STEP}", params)
        assert document(response.data).find("Enqueue").text == "support"
    assert "answered_by" not in services.calls.details(CALLER_SID)


def test_without_redis_an_owner_who_did_not_take_the_call_is_still_mentioned(
    dead: FlaskClient,
) -> None:
    params = call_params(DialCallStatus="no-answer", DialBridged="false")
    response = signed_post(dead, f"/voice/owner-result?{OWNER_STEP}", params)
    assert spoken(response.data) == [
        "The person on your case could not pick up.",
        "Connecting you to a person now.",
    ]


# The rep's side: the whisper and the key that takes the call.


def test_only_1_takes_the_call(client: FlaskClient, dead: FlaskClient, services: Services) -> None:
    signed_post(client, "/voice/incoming", call_params())
    for app in (client, dead):
        for key in "023*#":
            params = call_params(CallSid=SAMS_LEG, Digits=key)
            response = signed_post(app, f"/voice/whisper/answer?{OWNER_STEP}", params)
            assert verbs(response.data) == ["Hangup"], key
    record = services.calls.get(CALLER_SID)
    assert record.path == ["incoming"] + ["whisper:sam:declined"] * 5
    assert "accepted_by" not in record.details


def test_without_redis_the_whisper_answer_still_declines(dead: FlaskClient) -> None:
    params = call_params(CallSid=SAMS_LEG, Digits="2")
    response = signed_post(dead, f"/voice/whisper/answer?{OWNER_STEP}", params)
    assert verbs(response.data) == ["Hangup"]


def test_without_redis_the_whispers_answer_still_says_which_call_it_is(
    dead: FlaskClient,
) -> None:
    response = signed_post(dead, f"/voice/whisper?{OWNER_STEP}", call_params(CallSid=SAMS_LEG))
    action = document(response.data).find("Gather").get("action", "")
    query = parse_qs(urlsplit(action).query)
    assert query == {"case": ["C-1001"], "owner": ["sam"], "call": [CALLER_SID]}


def test_the_whisper_names_the_case_even_when_its_customer_is_not_on_file(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    case = services.cases.open(STRANGER, "sam", "router")
    step = f"case={case.reference}&owner=sam&call={CALLER_SID}"
    response = signed_post(client, f"/voice/whisper?{step}", call_params(CallSid=SAMS_LEG))
    assert spoken(response.data)[0] == "A caller, about case C 1 0 0 1: router."


def test_the_whisper_ends_in_a_hang_up_when_the_rep_presses_nothing(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    response = signed_post(client, f"/voice/whisper?{OWNER_STEP}", call_params(CallSid=SAMS_LEG))
    assert verbs(response.data) == ["Gather", "Hangup"]
    assert document(response.data).find("Gather").get("numDigits") == "1"


# Case status: a caller's own cases in full, a typed case by who may hear it.


def test_a_callers_own_cases_name_who_looks_after_them_and_count_nothing_hidden(
    client: FlaskClient, services: Services
) -> None:
    staff(services, Presence.OFFLINE)
    services.cases.open(ADA.phone, "sam", "router")
    services.cases.open(ADA.phone, "sam", "invoice")
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="3"))
    before_the_menu = [say.text for say in document(response.data).findall("Say")]
    assert before_the_menu == [
        "Your case C 1 0 0 2, about invoice, is open. Sam is looking after it.",
        "Your case C 1 0 0 1, about router, is open. Sam is looking after it.",
    ]


def type_case(client: FlaskClient, digits: str, caller: str) -> bytes:
    """An unknown caller presses 3 and types `digits` at the case number prompt."""
    signed_post(client, "/voice/menu?menu=main", call_params(From=caller, Digits="3"))
    params = call_params(From=caller, Digits=digits)
    return signed_post(client, "/voice/case-reference?menu=main", params).data


def test_a_case_typed_from_its_own_number_is_told_in_full(
    client: FlaskClient, services: Services
) -> None:
    # The case belongs to a number the directory does not know: the number is the proof.
    staff(services)
    case = services.cases.open(STRANGER, "sam", "router")
    case.status = CaseStatus.RESOLVED
    services.cases.save(case)
    heard = spoken(type_case(client, "1001", STRANGER))
    assert heard[0] == "Your case C 1 0 0 1, about router, is resolved. Sam is looking after it."


def test_a_stranger_hears_where_a_typed_case_stands_whatever_its_status(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    case = services.cases.open(ADA.phone, "sam", "router")
    case.status = CaseStatus.CLOSED
    services.cases.save(case)
    assert spoken(type_case(client, "1001", STRANGER))[0] == "Case C 1 0 0 1 is closed."


def test_a_stray_star_in_a_typed_case_number_is_ignored(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    assert spoken(type_case(client, "*1001", STRANGER))[0] == "Case C 1 0 0 1 is open."


def test_an_unknown_case_number_says_so_and_puts_the_caller_through(
    client: FlaskClient,
) -> None:
    body = type_case(client, "4242", STRANGER)
    assert spoken(body) == ["I couldn't find that case.", "Let me get you to a person."]
    assert document(body).find("Enqueue").text == "support"


def test_without_redis_case_status_says_why_the_caller_goes_to_a_person(
    dead: FlaskClient,
) -> None:
    for path, digits in (("/voice/menu?menu=main", "3"), ("/voice/case-reference?menu=main", "1")):
        response = signed_post(dead, path, call_params(Digits=digits))
        assert spoken(response.data) == ["Let me get you to a person."], path
        assert document(response.data).find("Enqueue").text == "support", path
