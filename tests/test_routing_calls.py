"""Routing as callers live it: phone calls through the simulator over real HTTP, with the
dispatcher running as the worker runs it. The flow's routing times are shortened so that
waiting for an owner or past the fairness cap takes seconds, not minutes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from crm.models import Customer, Presence, Rep
from ivr import dispatch
from ivr.settings import Settings
from queues.routing_results import Caller
from simulator.script import Call
from tests.conftest import Line, running_line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))  # gold
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))  # standard
CAT = Customer(phone="+14155550102", name="Cat Ng", spend=Decimal(10))  # standard
DAN = Customer(phone="+14155550103", name="Dan Oak", spend=Decimal(10))  # standard
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
KIM = Rep(id="kim", name="Kim Lee", endpoint="+14155550201", password_hash="x")
# Gold callers are placed 2 s ahead of their arrival, never more; an owner is waited for 2 s.
ROUTING = """
routing:
  head_start_seconds: {standard: 0, silver: 1, gold: 2}
  open_case_seconds: 0
  fairness_cap_seconds: 2
  owner_wait_seconds: 2
  wrap_up_seconds: 1
"""
OWNER_WAIT_SECONDS = 2


@pytest.fixture
def floor(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    """The line with quick routing times, Ada, Bob and Cat as customers, and Sam and Kim, both
    on calls for now, who answer their phones and take the call."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(Path("callflows/default.yaml").read_text() + ROUTING)
    with running_line(settings.model_copy(update={"ivr_callflow": flow})) as line:
        line.services.customers.save_all([ADA, BOB, CAT, DAN])
        line.services.reps.save_all([SAM, KIM])
        for rep in (SAM, KIM):
            line.services.presence.set(rep.id, Presence.BUSY)
            line.sim.add_person(rep.endpoint, name=rep.id)
        yield line


def waiting(line: Line, customer: Customer) -> Call:
    """`customer` calls, asks for a person, and waits in line."""
    call = line.call(customer.phone)
    call.press("0")
    call.expect_enqueue("support")
    return call


def never_rung(call: Call) -> bool:
    """True when nothing in the call's transcript rang a rep."""
    return not any(event.kind in ("dial", "bridged") for event in call.transcript)


def test_a_top_tier_caller_who_called_later_is_answered_first(floor: Line) -> None:
    bob = waiting(floor, BOB)
    ada = waiting(floor, ADA)
    assert floor.services.calls.get(ada.sid).position_on_entry == 1  # placed ahead of Bob
    assert floor.services.calls.get(ada.sid).tier == "gold"
    floor.services.presence.set("sam", Presence.AVAILABLE)
    ada.expect_dial("sam")
    ada.expect_bridged("sam")
    assert never_rung(bob)
    assert floor.services.router.position(bob.sid) == 1


def test_a_standard_caller_past_the_fairness_cap_is_answered_before_a_newer_top_tier_one(
    floor: Line,
) -> None:
    bob = waiting(floor, BOB)
    time.sleep(2.5)  # longer than gold's head start: Bob has now waited past the cap
    ada = waiting(floor, ADA)
    floor.services.presence.set("sam", Presence.AVAILABLE)
    bob.expect_bridged("sam")
    assert never_rung(ada)


def test_an_open_case_caller_waits_for_the_owner_then_anyone_without_losing_their_place(
    floor: Line,
) -> None:
    floor.services.cases.open(BOB.phone, "sam", "router drops the connection")
    bob = floor.call(BOB.phone)
    bob.expect_say("Sam is not free right now")
    bob.expect_enqueue("support")
    arrived = time.monotonic()
    cat = waiting(floor, CAT)
    floor.services.presence.set("kim", Presence.AVAILABLE)
    # Kim is free, but Bob waits for Sam, his case's owner: Kim takes Cat.
    cat.expect_bridged("kim")
    assert never_rung(bob)
    dan = waiting(floor, DAN)
    floor.services.presence.set("sam", Presence.OFFLINE)
    time.sleep(OWNER_WAIT_SECONDS + 0.5)
    floor.sim.switch.legs_to("kim")[0].hang_up()  # Kim's call with Cat ends; wrap-up, then free
    bob.expect_bridged("kim")  # Bob kept his place ahead of Dan, who called after him
    assert time.monotonic() - arrived >= OWNER_WAIT_SECONDS
    assert never_rung(dan)


def test_a_rep_who_declines_is_missed_and_the_caller_goes_to_the_next_rep_in_their_place(
    floor: Line,
) -> None:
    floor.sim.switch.people[SAM.endpoint].presses = "2"  # Sam declines in the whisper
    floor.services.presence.set("sam", Presence.AVAILABLE)
    cat = floor.call(CAT.phone)
    cat.press("0")
    cat.expect_dial("sam")
    bob = waiting(floor, BOB)  # calls while Sam's phone rings for Cat
    cat.expect_say("Sam could not pick up")
    cat.expect_enqueue("support")
    assert floor.services.presence.states()["sam"] is Presence.MISSED
    assert floor.services.router.position(cat.sid) == 1  # back at her place, ahead of Bob
    floor.services.presence.set("kim", Presence.AVAILABLE)
    cat.expect_bridged("kim")
    assert never_rung(bob)
    floor.sim.switch.legs_to("kim")[0].hang_up()
    cat.expect("hangup")
    record = floor.services.calls.get(cat.sid)
    assert "whisper:sam:declined" in record.path
    assert (record.queue, record.tier, record.position_on_entry) == ("support", "standard", 1)
    assert record.offered_to == ["sam", "kim"]
    assert (record.answered_by, record.outcome) == ("kim", "answered")


def test_a_caller_who_hangs_up_while_waiting_is_never_rung_through(floor: Line) -> None:
    bob = waiting(floor, BOB)
    bob.hang_up()
    bob.expect_ended()
    cat = waiting(floor, CAT)
    floor.services.presence.set("sam", Presence.AVAILABLE)
    cat.expect_bridged("sam")
    assert floor.services.router.entry(bob.sid) == {}
    bob_record = floor.services.calls.get(bob.sid)
    assert (bob_record.outcome, bob_record.offered_to) == ("abandoned", [])
    assert [leg.parent.sid for leg in floor.sim.switch.legs_to("sam") if leg.parent] == [cat.sid]


def test_a_caller_whose_hang_up_went_unheard_leaves_the_line_at_the_reconcile(
    floor: Line,
) -> None:
    """A placement that landed after Bob's hang-up was handled leaves him, gone, ahead of Cat;
    asking Twilio who is in its queues, and whether the missing calls ended, takes him out.
    Dan, live in the menu and so in no queue, stays in line."""
    bob = waiting(floor, BOB)
    cat = waiting(floor, CAT)
    bob.hang_up()
    bob.expect_ended()
    dan = floor.call(DAN.phone)
    dan.expect_gather()
    router = floor.services.router
    router.place(Caller(call_sid=bob.sid, line="support", phone=BOB.phone))
    router.place(Caller(call_sid=dan.sid, line="support", phone=DAN.phone))
    assert router.position(cat.sid) == 2

    assert dispatch.reconciler(floor.services).run() == [bob.sid]

    assert router.position(cat.sid) == 1
    assert router.waiting_calls() == {cat.sid: CAT.phone, dan.sid: DAN.phone}


def test_a_twilio_incident_delays_the_connection_but_loses_nobody_their_place(
    floor: Line,
) -> None:
    bob = waiting(floor, BOB)
    cat = waiting(floor, CAT)
    floor.sim.switch.fail_rest(3)  # Twilio answers 500 to the next moves of a call
    floor.services.presence.set("sam", Presence.AVAILABLE)
    bob.expect_bridged("sam")
    assert floor.sim.switch.rest_failures == 0
    assert floor.services.router.position(cat.sid) == 1
    assert floor.services.reps.presence("sam") is Presence.BUSY


def test_a_caller_who_redials_soon_resumes_their_old_place(floor: Line) -> None:
    bob = waiting(floor, BOB)
    cat = waiting(floor, CAT)
    bob.hang_up()
    bob.expect_ended()
    again = waiting(floor, BOB)
    again.expect_say("You are number 1 in line.")
    assert floor.services.router.position(cat.sid) == 2


def test_a_waiting_caller_hears_their_place_in_our_order_and_the_likely_wait(floor: Line) -> None:
    floor.services.presence.set("sam", Presence.AVAILABLE)
    ada = floor.call(ADA.phone)
    ada.press("0")
    ada.expect_bridged("sam")
    floor.sim.switch.legs_to("sam")[0].hang_up()  # a short conversation: the line is quick
    ada.expect("hangup")
    floor.services.presence.set("sam", Presence.AWAY)  # Kim, on a call, is left on duty
    bob = waiting(floor, BOB)
    bob.expect_say("You are number 1 in line.")
    bob.expect_say("The wait is less than a minute.")
