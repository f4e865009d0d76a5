"""The whole line over real HTTP, Twilio played by the simulator: signed webhooks, REST, queues."""

from __future__ import annotations

from decimal import Decimal

from crm.models import Customer
from simulator.webhooks import WebhookClient
from tests.conftest import Line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(12000))


def test_known_caller_is_greeted_by_name_and_put_through(line: Line) -> None:
    line.services.customers.save_all([ADA])
    call = line.call("+14155550100")
    call.expect_say("Hello Ada, thanks for calling.")
    call.expect_gather()
    call.press("0")
    call.expect_say("Connecting you to a person")
    call.expect_enqueue("support")
    record = line.services.calls.get(call.sid)
    assert record is not None and record.path == ["incoming", "menu:main:person"]


def test_app_refuses_a_simulator_with_the_wrong_auth_token(line: Line) -> None:
    line.sim.switch.webhooks = WebhookClient("not-the-account-token")
    call = line.call("+14155550100")
    error = call.expect("error")
    assert "403" in error.text
    call.expect_ended()
    assert line.services.calls.get(call.sid) is None
    # Both the call's webhook and its status callback were refused: what this test expects.
    assert len(line.sim.errors) == 2 and all("403" in e for e in line.sim.errors)
    line.sim.errors.clear()


def test_rest_client_places_a_call_the_person_answers(line: Line) -> None:
    line.sim.add_person("+14155550200", name="sam")
    created = line.services.twilio.calls.create(
        to="+14155550200",
        from_=line.services.settings.support_number,
        twiml="<Response><Say>Your next caller is waiting.</Say></Response>",
    )
    leg = line.sim.switch.calls[created.sid]
    leg.expect_say("Your next caller is waiting.")
    leg.expect_ended()
    assert line.services.twilio.calls(created.sid).fetch().status == "completed"


def test_rest_client_sends_sms(line: Line) -> None:
    message = line.services.twilio.messages.create(
        to="+14155550100", from_=line.services.settings.support_number, body="We will call you"
    )
    assert message.sid.startswith("SM")
    assert [(m.to, m.body) for m in line.sim.switch.messages] == [
        ("+14155550100", "We will call you")
    ]


def test_rest_client_sees_the_queue_and_dequeues_the_caller(line: Line) -> None:
    call = line.call("+14155550199")
    call.press("0")
    call.expect_enqueue("support")
    twilio = line.services.twilio
    support = next(q for q in twilio.queues.list() if q.friendly_name == "support")
    assert support.current_size == 1
    members = twilio.queues(support.sid).members.list()
    assert [m.call_sid for m in members] == [call.sid]

    twilio.queues(support.sid).members("Front").update(url=f"{line.url}/voice/fallback")
    call.expect("redirect", "/voice/fallback")
    call.expect_say("Connecting you to a person")
    call.expect_enqueue("support")


def test_rest_requests_need_the_account_credentials(line: Line) -> None:
    import requests

    response = requests.get(
        f"{line.sim.url}/2010-04-01/Accounts/{line.services.settings.twilio_account_sid}/Queues.json",
        auth=(line.services.settings.twilio_account_sid, "wrong"),
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["code"] == 20003
