"""TWILIO_API_BASE sends the Twilio library's REST requests to another service: the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException

from ivr.twilio_rest import build_client
from simulator.server import Simulator
from simulator.switch import LineConfig

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "rest-test-auth-token"
LINE_NUMBER = "+14155550000"
SAM = "+14155550200"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulated Twilio account whose line points nowhere: only REST is used here."""
    config = LineConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        number=LINE_NUMBER,
        voice_url="http://127.0.0.1:9/voice",
    )
    with Simulator(config) as running:
        yield running
    assert running.errors == []


def test_a_call_created_through_the_client_rings_on_the_simulator(sim: Simulator) -> None:
    sim.add_person(SAM, name="sam")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(
        to=SAM,
        from_=LINE_NUMBER,
        twiml="<Response><Say>Your next caller is waiting.</Say></Response>",
    )
    (leg,) = sim.switch.legs_to("sam")
    assert leg.sid == created.sid and leg.direction == "outbound-api"
    assert leg.from_ == LINE_NUMBER
    leg.expect_say("Your next caller is waiting.")
    leg.expect_ended()
    assert client.calls(created.sid).fetch().status == "completed"


def test_a_base_with_a_trailing_slash_reaches_the_same_service(sim: Simulator) -> None:
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url + "/")
    message = client.messages.create(to="+14155550100", from_=LINE_NUMBER, body="On our way")
    assert [(m.sid, m.body) for m in sim.switch.messages] == [(message.sid, "On our way")]


def test_the_client_sends_the_accounts_credentials(sim: Simulator) -> None:
    client = build_client(ACCOUNT_SID, "not-the-auth-token", sim.url)
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(to=SAM, from_=LINE_NUMBER, url="http://127.0.0.1:9/voice")
    assert refused.value.status == 401
    assert sim.switch.calls == {}
