"""<Dial> as Twilio runs it: people who answer or not, whispers a rep can decline, conferences;
the action hears DialCallStatus, DialCallDuration and whether the legs were bridged.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.people import Pickup
from simulator.server import Simulator
from tests.simulator_webhooks import (
    CALLER,
    SAM,
    Webhooks,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_dial_bridges_a_person_who_answers_and_reports_completed_after_hangup(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam")
    hooks.answer("/voice", '<Dial action="{app}/dialed"><Number>' + SAM + "</Number></Dial>")
    hooks.answer("/dialed", "<Say>Thanks for calling.</Say>")
    call = sim.call(CALLER)
    call.expect_dial("sam")
    call.expect_bridged("sam")
    (leg,) = sim.switch.legs_to("sam")
    assert leg.direction == "outbound-dial" and leg.parent is call
    assert call.bridge is not None
    call.bridge.started -= timedelta(seconds=30)  # half a minute of talking
    leg.hang_up()
    call.expect_say("Thanks for calling.")
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "completed"
    assert form["DialCallSid"] == leg.sid
    assert int(form["DialCallDuration"]) in (30, 31)
    assert form["DialBridged"] == "true"
    assert form["CallStatus"] == "in-progress"


def test_caller_hanging_up_while_bridged_still_posts_the_dial_action(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam")
    hooks.answer("/voice", f'<Dial action="{{app}}/dialed">{SAM}</Dial>')
    call = sim.call(CALLER)
    call.expect_bridged("sam")
    call.hang_up()
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "completed"
    assert form["CallStatus"] == "completed"
    assert sim.switch.legs_to("sam")[0].ended


@pytest.mark.parametrize("pickup", [Pickup.BUSY, Pickup.NO_ANSWER, Pickup.FAILED])
def test_dial_reports_a_person_who_does_not_answer(
    sim: Simulator, hooks: Webhooks, pickup: Pickup
) -> None:
    sim.add_person(SAM, name="sam", pickup=pickup)
    hooks.answer("/voice", f'<Dial action="{{app}}/dialed"><Number>{SAM}</Number></Dial>')
    hooks.answer("/dialed", "<Say>Nobody could take your call.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Nobody could take your call.")
    call.expect_ended()
    assert hooks.forms("/dialed")[0]["DialCallStatus"] == pickup.value
    assert not [event for event in call.transcript if event.kind == "bridged"]


def test_dial_without_an_action_continues_with_the_next_verb(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam", pickup=Pickup.BUSY)
    hooks.answer("/voice", f"<Dial>{SAM}</Dial><Say>Please try again later.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Please try again later.")
    call.expect_ended()


def test_caller_leaving_a_conference_reports_it_answered(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Dial action="{app}/dialed"><Conference>standup</Conference></Dial>')
    call = sim.call(CALLER)
    call.expect("conference", "standup")
    call.hang_up()
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "answered"
    assert form["CallStatus"] == "completed"


def test_whisper_accepted_with_a_key_bridges_the_call(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", presses="1")
    hooks.answer(
        "/voice",
        f'<Dial action="{{app}}/dialed"><Number url="{{app}}/whisper">{SAM}</Number></Dial>',
    )
    hooks.answer(
        "/whisper",
        '<Gather numDigits="1" action="{app}/screen"><Say>Press 1 to accept.</Say></Gather>',
        "<Hangup/>",
    )
    hooks.answer("/screen", "<Say>Connecting.</Say>")
    call = sim.call(CALLER)
    call.expect_bridged("sam")
    (leg,) = sim.switch.legs_to("sam")
    leg.expect_say("Press 1 to accept.")
    whisper = hooks.forms("/whisper")[0]
    assert whisper["CallSid"] == leg.sid
    assert whisper["Direction"] == "outbound-dial"
    assert whisper["ParentCallSid"] == call.sid
    assert whisper["To"] == SAM
    assert hooks.forms("/screen")[0]["Digits"] == "1"
    leg.hang_up()
    call.expect_ended()
    dialed = hooks.forms("/dialed")[0]
    assert dialed["DialCallStatus"] == "completed"
    assert dialed["DialBridged"] == "true"


def test_whisper_that_hangs_up_leaves_the_caller_unbridged(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", presses="2")
    hooks.answer(
        "/voice",
        f'<Dial action="{{app}}/dialed"><Number url="{{app}}/whisper">{SAM}</Number></Dial>',
    )
    hooks.answer(
        "/whisper",
        '<Gather numDigits="1" action="{app}/screen"><Say>Press 1 to accept.</Say></Gather>',
    )
    hooks.answer("/screen", "<Say>Declined.</Say><Hangup/>")
    hooks.answer("/dialed", "<Say>Nobody could take your call.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Nobody could take your call.")
    call.expect_ended()
    assert not [event for event in call.transcript if event.kind == "bridged"]
    dialed = hooks.forms("/dialed")[0]
    # The rep's phone answered, so Twilio reports the leg completed; it was never bridged.
    assert dialed["DialCallStatus"] == "completed"
    assert dialed["DialBridged"] == "false"
    (declined,) = sim.switch.legs_to("sam")
    assert dialed["DialCallSid"] == declined.sid and declined.ended


def test_a_person_who_talks_for_a_while_hangs_up_by_themselves(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam", talks_for=0.2)
    hooks.answer("/voice", '<Dial action="{app}/dialed"><Number>' + SAM + "</Number></Dial>")
    hooks.answer("/dialed", "<Say>Thanks for calling.</Say>")
    call = sim.call(CALLER)
    call.expect_bridged("sam")
    call.expect_say("Thanks for calling.")  # nobody hung up but Sam, after his 0.2 s
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert (form["DialCallStatus"], form["DialBridged"]) == ("completed", "true")
