"""Twilio's REST API on the simulator: calls it places follow their URL and report each status;
updates move a held caller out of the queue or end a call.
"""

from __future__ import annotations

from datetime import timedelta

from ivr.twilio_rest import build_client
from simulator.people import Pickup
from simulator.server import Simulator
from tests.simulator_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    LINE_NUMBER,
    SAM,
    Webhooks,
    forms_of,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_rest_created_call_follows_its_url_and_reports_each_status(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam", presses="1")
    hooks.answer(
        "/outbound",
        '<Gather numDigits="1" action="{app}/accepted"><Say>Press 1 to talk.</Say></Gather>',
    )
    hooks.answer("/accepted", "<Say>Connecting you now.</Say>")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(
        to=SAM,
        from_=LINE_NUMBER,
        url=f"{hooks.base}/outbound",
        status_callback=f"{hooks.base}/progress",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    leg = sim.switch.calls[created.sid]
    leg.expect_say("Connecting you now.")
    leg.expect_ended()

    first = hooks.forms("/outbound")[0]
    assert first["Direction"] == "outbound-api"
    assert (first["From"], first["To"]) == (LINE_NUMBER, SAM)
    assert first["CallStatus"] == "in-progress"
    assert hooks.forms("/accepted")[0]["Digits"] == "1"
    progress = hooks.forms("/progress")
    assert [form["CallStatus"] for form in progress] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [form["SequenceNumber"] for form in progress] == ["0", "1", "2", "3"]
    assert "CallDuration" in progress[-1]
    assert client.calls(created.sid).fetch().status == "completed"


def test_rest_call_to_a_busy_person_never_fetches_its_url(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", pickup=Pickup.BUSY)
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(
        to=SAM,
        from_=LINE_NUMBER,
        url=f"{hooks.base}/outbound",
        status_callback=f"{hooks.base}/progress",
    )
    sim.switch.calls[created.sid].expect_ended()
    assert hooks.forms("/outbound") == []
    assert [form["CallStatus"] for form in hooks.forms("/progress")] == ["busy"]


def test_rest_update_url_takes_a_held_caller_out_of_the_queue(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/moved", "<Say>A person is free now.</Say>")
    call = sim.call(CALLER)
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(url=f"{hooks.base}/moved")
    call.expect("redirect", "/moved")
    call.expect_say("A person is free now.")
    call.expect_ended()
    assert forms_of(hooks, "/moved", call)
    assert sim.switch.queue("support").members == []
    assert [form["QueueResult"] for form in hooks.forms("/dequeued")] == ["redirected"]


def test_rest_update_twiml_takes_a_held_caller_out_of_the_queue(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    call = sim.call(CALLER)
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(twiml="<Response><Say>We are closing now.</Say></Response>")
    call.expect("redirect", "inline TwiML")
    call.expect_say("We are closing now.")
    call.expect_ended()
    assert sim.switch.queue("support").members == []
    assert [form["QueueResult"] for form in hooks.forms("/dequeued")] == ["redirected"]


def test_queue_member_wait_counts_from_joining_the_queue(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather numDigits="1" action="{app}/menu"><Say>Press 0.</Say></Gather>')
    hooks.answer("/menu", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.started -= timedelta(minutes=10)  # ten minutes in the menus before asking for a person
    call.press("0")
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    (member,) = client.queues(sim.switch.queue("support").sid).members.list()
    assert member.call_sid == call.sid
    assert member.wait_time < 60
    assert member.date_enqueued > client.calls(call.sid).fetch().start_time + timedelta(minutes=9)
    call.hang_up()
    call.expect_ended()


def test_rest_status_completed_hangs_up_a_live_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>')
    call = sim.call(CALLER)
    call.expect_gather()
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(status="completed")
    call.expect_ended()
    assert call.status == "completed"
    assert hooks.forms("/menu") == []
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"


def test_rest_update_url_takes_a_caller_out_of_a_conference(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Dial><Conference>standup</Conference></Dial>")
    hooks.answer("/moved", "<Say>The meeting is over.</Say>")
    call = sim.call(CALLER)
    call.expect("conference", "standup")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(url=f"{hooks.base}/moved")
    call.expect("redirect", "/moved")
    call.expect_say("The meeting is over.")
    call.expect_ended()
