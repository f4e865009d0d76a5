"""What the documents tell Twilio beyond their words: which of our URLs to call and how, which
voice and language speak, how a Gather listens, and that no character XML forbids gets out."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import count
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.twiml.voice_response import Gather, VoiceResponse
from werkzeug.exceptions import MethodNotAllowed, NotFound

from crm.models import CaseStatus, Customer, Presence, Rep
from ivr import create_app
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.settings import Settings
from ivr.twiml import twiml
from tests.signing import PUBLIC_BASE_URL, call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
ALICE = Rep(id="alice", name="Alice Chen", endpoint="client:alice", password_hash="x")

# Where each verb names a URL Twilio will request, and the attribute naming the method
# (None: Twilio always POSTs). Twilio's default method for all of them is POST.
URL_ATTRIBUTES = {
    "Gather": [("action", "method")],
    "Enqueue": [("action", "method"), ("waitUrl", "waitUrlMethod")],
    "Record": [
        ("action", "method"),
        ("recordingStatusCallback", "recordingStatusCallbackMethod"),
        ("transcribeCallback", None),
    ],
    "Dial": [("action", "method")],
    "Number": [("url", "method")],
    "Client": [("url", "method")],
    "Redirect": [("", "method")],  # the URL is the element's text
}


def documents(client: FlaskClient, services: Services) -> Iterator[ElementTree.Element]:
    """One document of each kind the line serves: menus, queues, messages, rings, whispers.

    Each call is its own and hangs up after its last step: a rep rung for one is free again
    for the next.
    """
    services.customers.save_all([ADA])
    services.reps.save_all([SAM, ALICE])
    services.presence.set("sam", Presence.AVAILABLE)
    services.presence.set("alice", Presence.AVAILABLE)
    calls = [
        [("/voice/incoming", {"From": "+14155550999"})],
        [("/voice/menu?menu=main", {"Digits": "0"})],  # a free rep is rung
        [  # nobody takes billing: the caller waits in line
            ("/voice/menu?menu=main", {"Digits": "1"}),
            ("/voice/hold", {"QueuePosition": "2"}),
        ],
        [("/voice/menu?menu=main", {"Digits": "3", "From": "anonymous"})],
        [("/voice/menu?menu=tech", {"Digits": "2"})],
        [("/voice/whisper?rep=sam&line=support&call=CA1", {})],
    ]
    sids = (f"CA{n:032d}" for n in count(1))
    for steps in calls:
        yield from one_call(client, next(sids), steps)
    for owner in ("sam", "alice"):
        case = services.cases.open(ADA.phone, owner, "router")
        yield from one_call(client, next(sids), [("/voice/incoming", {})])
        services.cases.save(case.model_copy(update={"status": CaseStatus.CLOSED}))


def one_call(
    client: FlaskClient, sid: str, steps: list[tuple[str, dict[str, str]]]
) -> Iterator[ElementTree.Element]:
    """The documents a call is answered with, step by step; then the caller hangs up."""
    for path, form in steps:
        params = call_params(CallSid=sid, **form)
        yield ElementTree.fromstring(signed_post(client, path, params).data)
    ended = call_params(CallSid=sid, CallStatus="completed", CallDuration="5")
    assert signed_post(client, "/voice/status", ended).status_code == 204


def test_every_url_given_to_twilio_is_ours_for_the_method_twilio_will_use(
    app: Flask, services: Services
) -> None:
    routes = app.url_map.bind("support.example.com")
    seen = set()
    for document in documents(app.test_client(), services):
        for element in document.iter():
            for url_attribute, method_attribute in URL_ATTRIBUTES.get(element.tag, []):
                url = element.get(url_attribute) if url_attribute else element.text
                if not url:
                    continue
                method = element.get(method_attribute, "POST") if method_attribute else "POST"
                assert url.startswith(PUBLIC_BASE_URL), url
                path = url.removeprefix(PUBLIC_BASE_URL).split("?")[0]
                try:
                    routes.match(path, method=method)
                except (NotFound, MethodNotAllowed):
                    pytest.fail(f"<{element.tag} {url_attribute}> {method} {path} is not served")
                seen.add(element.tag)
    assert seen == set(URL_ATTRIBUTES)


def test_every_sentence_is_said_in_the_flows_voice_and_language(
    app: Flask, services: Services
) -> None:
    for document in documents(app.test_client(), services):
        for say in document.iter("Say"):
            assert (say.get("voice"), say.get("language")) == ("Polly.Joanna", "en-US"), say.text


def test_a_menu_acts_on_one_key_and_listens_for_its_options_words(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/incoming", call_params())
    gather = ElementTree.fromstring(response.data).find("Gather")
    assert gather.get("numDigits") == "1"  # no wait for more keys once an option is pressed
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "en-US"
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("actionOnEmptyResult") == "true"  # silence hears the menu again
    hints = set(gather.get("hints", "").split(", "))
    assert {"agent", "billing", "invoice", "technical", "case", "complaint"} <= hints


def test_the_hold_offer_acts_on_one_key(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/hold", call_params(QueuePosition="1"))
    assert ElementTree.fromstring(response.data).find("Gather").get("numDigits") == "1"


def test_a_case_number_is_typed_up_to_pound_and_silence_still_gets_an_answer(
    client: FlaskClient,
) -> None:
    response = signed_post(client, "/voice/menu?menu=main", call_params(Digits="3"))
    gather = ElementTree.fromstring(response.data).find("Gather")
    assert gather.get("numDigits") is None
    assert gather.get("finishOnKey") == "#"
    assert gather.get("actionOnEmptyResult") == "true"


def test_a_rep_in_the_browser_is_rung_by_their_client_identity(
    client: FlaskClient, services: Services
) -> None:
    services.customers.save_all([ADA])
    services.reps.save_all([ALICE])
    services.presence.set("alice", Presence.AVAILABLE)
    services.cases.open(ADA.phone, "alice", "router")
    response = signed_post(client, "/voice/incoming", call_params())
    dial = ElementTree.fromstring(response.data).find("Dial")
    assert [(leg.tag, leg.text) for leg in dial] == [("Client", "alice")]


@pytest.mark.parametrize("forbidden", ["\x00", "\x08", "\x0c", "\x0e", "\x1e", "\ufffe", "\uffff"])
def test_no_character_xml_forbids_reaches_a_document(forbidden: str) -> None:
    document = VoiceResponse()
    document.say(f"router{forbidden} down")
    document.append(Gather(action="https://x.example/a", hints=f"bill{forbidden}ing"))
    body = twiml(document).get_data(as_text=True)
    parsed = ElementTree.fromstring(body)  # would raise on any forbidden character
    assert parsed.find("Say").text == "router down"
    assert parsed.find("Gather").get("hints") == "billing"


def test_tabs_and_line_breaks_in_stored_text_are_kept() -> None:
    document = VoiceResponse()
    document.say("router\tdown\nsince Monday")
    body = twiml(document).get_data(as_text=True)
    assert ElementTree.fromstring(body).find("Say").text == "router\tdown\nsince Monday"


def test_a_repeat_option_repeats_its_own_menu(settings: Settings, tmp_path: Path) -> None:
    client = create_app(settings.model_copy(update={"ivr_callflow": flow(tmp_path)})).test_client()
    response = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="9"))
    assert_tech_menu(response.data)


def test_case_status_in_a_sub_menu_comes_back_to_that_menu(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings.model_copy(update={"ivr_callflow": flow(tmp_path)}))
    client, services = app.test_client(), app.extensions[EXTENSION]
    services.customers.save_all([ADA])
    services.reps.save_all([SAM])
    services.cases.open(ADA.phone, "sam", "router")
    own = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="3"))
    assert_tech_menu(own.data)
    typed = signed_post(
        client, "/voice/case-reference?menu=tech", call_params(From="anonymous", Digits="1001")
    )
    assert_tech_menu(typed.data)


def flow(tmp_path: Path) -> Path:
    """The shipped flow with case status and a repeat option in the technical menu."""
    path = tmp_path / "flow.yaml"
    path.write_text(
        Path("callflows/default.yaml").read_text().rstrip("\n")
        + '\n      - key: "3"\n        say: "To check on a case, press 3."\n'
        + "        action: case_status\n"
        + '      - key: "9"\n        say: "To hear these options again, press 9."\n'
        + "        action: repeat\n"
    )
    return path


def assert_tech_menu(body: bytes) -> None:
    """The document ends in the technical menu, whose answer comes back to it."""
    gather = ElementTree.fromstring(body).find("Gather")
    prompt = " ".join(say.text or "" for say in gather.iter("Say"))
    assert prompt.startswith("To speak to a person, press 0. If your service is down, press 1.")
    assert gather.get("action", "").endswith("/voice/menu?menu=tech")
