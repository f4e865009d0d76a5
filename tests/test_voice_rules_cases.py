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
from tests.signing import PUBLIC_BASE_URL, call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
KIM = Rep(id="kim", name="Kim Park", endpoint="+14155550201", password_hash="x")
BEA = Rep(id="bea", name="Bea Ruiz", endpoint="+14155550202", password_hash="x", teams=("billing",))
STRANGER = "+14155550999"
CALLER_SID = call_params()["CallSid"]
SAMS_LEG = "CA" + "2" * 32
BEAS_LEG = "CA" + "3" * 32


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


RING_STEP = f"rep=sam&line=support&call={CALLER_SID}"


def ring_sam(client: FlaskClient, **form: str) -> None:
    """A call comes in (Ada's unless `form` says otherwise) and Sam's phone rings for it."""
    response = signed_post(client, "/voice/incoming", call_params(**form))
    assert document(response.data).find("Dial/Number").text == SAM.endpoint


def ring_ended(**form: str) -> dict[str, str]:
    """What Twilio posts to the Dial's action when ringing a rep ends, the caller still on."""
    return call_params(CallStatus="in-progress", **form)


def test_an_owner_who_did_not_take_the_call_is_named_before_the_queue(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    ring_sam(client)
    params = ring_ended(DialCallStatus="no-answer", DialBridged="false")
    response = signed_post(client, f"/voice/ring-result?{RING_STEP}", params)
    assert spoken(response.data) == ["Sam could not pick up.", "Connecting you to a person now."]
    assert document(response.data).find("Enqueue").text == "support"
    assert services.calls.get(CALLER_SID).path[-1] == "ring:sam:no-answer"
    assert services.reps.presence("sam") is Presence.MISSED


def test_after_a_missed_ring_the_next_free_rep_is_rung_at_once(
    client: FlaskClient, services: Services
) -> None:
    services.reps.save_all([KIM])
    services.presence.set("kim", Presence.AVAILABLE)
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    ring_sam(client)  # Sam owns the case: he is rung first though Kim has been free longer
    params = ring_ended(DialCallStatus="no-answer", DialBridged="false")
    response = signed_post(client, f"/voice/ring-result?{RING_STEP}", params)
    assert spoken(response.data) == ["Sam could not pick up.", "Connecting you to a person now."]
    assert document(response.data).find("Enqueue") is None
    dial = document(response.data).find("Dial")
    assert dial.find("Number").text == KIM.endpoint
    kims_step = {"rep": ["kim"], "line": ["support"], "call": [CALLER_SID]}
    assert urlsplit(dial.get("action", "")).path == "/voice/ring-result"
    assert parse_qs(urlsplit(dial.get("action", "")).query) == kims_step
    assert parse_qs(urlsplit(dial.find("Number").get("url", "")).query) == kims_step


def test_a_caller_who_hung_up_while_a_rep_was_rung_frees_the_rep(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    ring_sam(client)
    params = call_params(CallStatus="completed", DialCallStatus="no-answer")
    response = signed_post(client, f"/voice/ring-result?{RING_STEP}", params)
    assert document(response.data).find("Enqueue") is None
    assert document(response.data).find("Dial") is None
    assert services.reps.presence("sam") is Presence.AVAILABLE
    assert services.router.entry(CALLER_SID) == {}


def test_a_dial_result_that_does_not_say_bridged_is_no_conversation(
    client: FlaskClient, dead: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    ring_sam(client)
    signed_post(
        client, f"/voice/whisper/answer?{RING_STEP}", call_params(CallSid=SAMS_LEG, Digits="1")
    )
    for app in (client, dead):
        params = ring_ended(DialCallStatus="completed")
        response = signed_post(app, f"/voice/ring-result?{RING_STEP}", params)
        assert document(response.data).find("Enqueue").text == "support"
    assert "answered_by" not in services.calls.details(CALLER_SID)


def test_without_redis_an_owner_who_did_not_take_the_call_is_still_mentioned(
    dead: FlaskClient,
) -> None:
    params = ring_ended(DialCallStatus="no-answer", DialBridged="false")
    response = signed_post(dead, f"/voice/ring-result?{RING_STEP}", params)
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
            response = signed_post(app, f"/voice/whisper/answer?{RING_STEP}", params)
            assert verbs(response.data) == ["Hangup"], key
    record = services.calls.get(CALLER_SID)
    assert record.path == ["incoming"] + ["whisper:sam:declined"] * 5
    assert "accepted_by" not in record.details


def test_without_redis_the_whisper_answer_still_declines(dead: FlaskClient) -> None:
    params = call_params(CallSid=SAMS_LEG, Digits="2")
    response = signed_post(dead, f"/voice/whisper/answer?{RING_STEP}", params)
    assert verbs(response.data) == ["Hangup"]


def test_without_redis_the_whispers_answer_still_says_which_call_it_is(
    dead: FlaskClient,
) -> None:
    step = f"rep=sam&line=billing&call={CALLER_SID}"
    response = signed_post(dead, f"/voice/whisper?{step}", call_params(CallSid=SAMS_LEG))
    action = document(response.data).find("Gather").get("action", "")
    query = parse_qs(urlsplit(action).query)
    assert query == {"rep": ["sam"], "line": ["billing"], "call": [CALLER_SID]}


def test_the_whisper_names_the_case_even_when_its_customer_is_not_on_file(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(STRANGER, "sam", "router")
    ring_sam(client, From=STRANGER)
    response = signed_post(client, f"/voice/whisper?{RING_STEP}", call_params(CallSid=SAMS_LEG))
    assert spoken(response.data) == [
        "A caller, about case C 1 0 0 1: router.",
        "Standard customer, for support.",
        "Press 1 to take the call.",
    ]


def test_the_whisper_says_who_calls_their_tier_and_the_line_they_chose(
    client: FlaskClient, services: Services
) -> None:
    services.customers.save_all([ADA])
    services.reps.save_all([BEA])
    services.presence.set("bea", Presence.AVAILABLE)
    signed_post(client, "/voice/incoming", call_params())
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="1"))
    number = document(response.data).find("Dial/Number")
    assert number.text == BEA.endpoint
    whisper = signed_post(
        client, number.get("url", "").removeprefix(PUBLIC_BASE_URL), call_params(CallSid=BEAS_LEG)
    )
    assert spoken(whisper.data) == [
        "Ada Lovelace is calling.",
        "Gold customer, for billing.",
        "Press 1 to take the call.",
    ]


def test_the_whisper_ends_in_a_hang_up_when_the_rep_presses_nothing(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    ring_sam(client)
    response = signed_post(client, f"/voice/whisper?{RING_STEP}", call_params(CallSid=SAMS_LEG))
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
