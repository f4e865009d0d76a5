"""What callers with open cases hear, and when ringing a rep counts as a conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from flask.testing import FlaskClient

from callflows.render import spelled
from crm.models import Customer, Presence, Rep
from ivr.services import Services
from tests.signing import call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
TWILIO_MAX_RESPONSE_BYTES = 64 * 1024


def spoken(body: bytes) -> list[str]:
    """The sentences a caller hears, in order."""
    return [say.text or "" for say in ElementTree.fromstring(body).iter("Say")]


def staff(services: Services) -> None:
    """Ada as a customer, Sam as an available rep."""
    services.customers.save_all([ADA])
    services.reps.save_all([SAM])
    services.presence.set("sam", Presence.AVAILABLE)


def test_fast_track_says_where_the_case_stands_in_the_same_sentence(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router drops the connection")
    heard = spoken(signed_post(client, "/voice/incoming", call_params()).data)
    assert heard[1] == "I see you have an open case about router drops the connection; it is open."
    assert heard[2].startswith("Connecting you to Sam")


def test_fast_track_says_the_promised_time_when_the_case_carries_one(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    case = services.cases.open(ADA.phone, "sam", "refund")
    case.promised_by = datetime.now(UTC) + timedelta(days=1)
    services.cases.save(case)
    heard = spoken(signed_post(client, "/voice/incoming", call_params()).data)
    assert heard[1].startswith("I see you have an open case about refund; it is open, and we")
    assert "we promised you an answer by tomorrow at" in heard[1]


def test_many_open_cases_are_read_newest_first_and_counted(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    services.presence.set("sam", Presence.OFFLINE)
    subject = "the line crackles " * 25
    cases = [services.cases.open(ADA.phone, "sam", f"{n} {subject}") for n in range(130)]
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="3"))
    assert len(response.data) < TWILIO_MAX_RESPONSE_BYTES
    heard = spoken(response.data)
    assert heard[0].startswith("Your case C 1 1 3 0, about 129 ")
    assert heard[1].startswith("Your case C 1 1 2 9, about 128 ")
    assert heard[2].startswith("Your case C 1 1 2 8, about 127 ")
    assert heard[3] == "You have 127 more open cases; a person can go through them with you."
    assert cases[-1].reference == "C-1130"


def test_two_open_cases_are_both_read(client: FlaskClient, services: Services) -> None:
    staff(services)
    services.cases.open(ADA.phone, "sam", "router")
    services.cases.open(ADA.phone, "sam", "invoice")
    heard = spoken(signed_post(client, "/voice/menu?menu=main", call_params(Digits="3")).data)
    assert heard[0].startswith("Your case C 1 0 0 2, about invoice, is open.")
    assert heard[1].startswith("Your case C 1 0 0 1, about router, is open.")


CALLER_SID = call_params()["CallSid"]
RING_RESULT = f"/voice/ring-result?rep=sam&line=support&call={CALLER_SID}"


def ring_sam(client: FlaskClient) -> None:
    """Ada calls and asks for a person: Sam, the one rep free, is rung for her."""
    signed_post(client, "/voice/incoming", call_params())
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="0"))
    assert ElementTree.fromstring(response.data).find("Dial/Number").text == SAM.endpoint


def ring_ended(**form: str) -> dict[str, str]:
    """What Twilio posts to the Dial's action when ringing a rep ends, the caller still on."""
    return call_params(CallStatus="in-progress", **form)


def accept_in_whisper(client: FlaskClient, digits: str = "1") -> None:
    """Sam answers his phone and presses `digits` after the whisper (on his own leg)."""
    signed_post(
        client,
        RING_RESULT.replace("ring-result", "whisper/answer"),
        call_params(CallSid="CA" + "2" * 32, Digits=digits),
    )


def test_a_bridged_call_the_rep_accepted_is_a_conversation(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    ring_sam(client)
    accept_in_whisper(client)
    assert services.reps.presence("sam") is Presence.BUSY
    params = ring_ended(DialCallStatus="completed", DialBridged="true")
    response = signed_post(client, RING_RESULT, params)
    assert [e.tag for e in ElementTree.fromstring(response.data)] == ["Say", "Hangup"]
    (reference,) = [case.reference for case in services.cases.open_for_caller(ADA.phone)]
    assert spoken(response.data)[0].startswith(f"Your case number is {spelled(reference)}.")
    assert services.calls.details(params["CallSid"])["answered_by"] == "sam"
    assert services.calls.get(CALLER_SID).path[-1] == "ring:sam:completed"
    assert services.reps.presence("sam") is Presence.WRAP_UP


def test_an_answered_leg_that_was_never_bridged_is_no_conversation(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    ring_sam(client)
    accept_in_whisper(client)
    params = ring_ended(DialCallStatus="completed", DialBridged="false")
    response = signed_post(client, RING_RESULT, params)
    assert ElementTree.fromstring(response.data).find("Enqueue").text == "support"
    assert "answered_by" not in services.calls.details(params["CallSid"])


def test_a_rep_whose_accepted_call_never_bridged_is_not_left_busy(
    client: FlaskClient, services: Services
) -> None:
    # Sam pressed 1 and hung up before the two were connected: he is on no call, and must
    # not stay out of the line's rotation until he notices and sets himself available.
    staff(services)
    ring_sam(client)
    accept_in_whisper(client)
    params = ring_ended(DialCallStatus="completed", DialBridged="false")
    signed_post(client, RING_RESULT, params)
    assert services.reps.presence("sam") is Presence.MISSED


def test_bridged_without_the_reps_acceptance_is_no_conversation(
    client: FlaskClient, services: Services
) -> None:
    staff(services)
    ring_sam(client)
    accept_in_whisper(client, digits="2")
    params = ring_ended(DialCallStatus="completed", DialBridged="true")
    response = signed_post(client, RING_RESULT, params)
    assert ElementTree.fromstring(response.data).find("Enqueue").text == "support"
    assert "answered_by" not in services.calls.details(params["CallSid"])
    assert services.reps.presence("sam") is Presence.MISSED
