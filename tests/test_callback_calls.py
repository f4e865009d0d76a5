"""Callbacks as customers and reps live them, through the simulator over real HTTP: a message
left is acknowledged by text with its time, the worker rings the rep who owns it, the rep
hears who and what they said and presses 1, the customer is dialled from the line's number,
and the promise is kept (or tried again after the back-off)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from crm.models import Customer, Presence, Rep, Role
from ivr import callback_calls
from ivr.settings import Settings
from simulator.people import Pickup
from simulator.script import Call
from tests.conftest import Line, flow_with, running_line
from voicemail.book import Request
from voicemail.models import Callback, CallbackState, Message

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
UNKNOWN = "+14155550177"
MIA = Rep(
    id="mia",
    name="Mia Chen",
    endpoint="+14155550300",
    password_hash="x",
    role=Role.SUPERVISOR,
    teams=("billing",),
)
KIM = Rep(id="kim", name="Kim Lee", endpoint="+14155550201", password_hash="x")
# A failed call to the customer is tried again 3 s later, at most twice in all.
PROMISES = """
promises:
  {callback_minutes: 120, manager_callback_minutes: 30, attempts: 2, retry_minutes: [0.05]}
routing: {wrap_up_seconds: 0}
"""
T = TypeVar("T")


def desk_with(settings: Settings, tmp_path: Path, promises: str) -> Iterator[Line]:
    """The line with `promises` in its flow, Ada and Bob as customers (who pick up), and Sam
    and Kim on a call for now."""
    with running_line(flow_with(settings, tmp_path, promises)) as line:
        line.services.customers.save_all([ADA, BOB])
        line.services.reps.save_all([SAM, KIM])
        for rep in (SAM, KIM):
            line.services.presence.set(rep.id, Presence.BUSY)
            line.sim.add_person(rep.endpoint, name=rep.id)
        for customer in (ADA, BOB):
            line.sim.add_person(customer.phone, name=customer.name.split()[0].lower())
        yield line


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    """The line with quick retries and no quiet hours."""
    yield from desk_with(settings, tmp_path, PROMISES)


def eventually(read: Callable[[], T | None], seconds: float = 8.0) -> T:
    """What `read` returns once it returns something truthy."""
    deadline = time.monotonic() + seconds
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value, "nothing came in time"
    return value


def leave_message(line: Line, customer: Customer, words: str) -> Call:
    """`customer` calls, asks for a person, waits, presses 1 and leaves a message."""
    call = line.call(customer.phone)
    call.press("0")
    call.expect_enqueue("support")
    call.expect_say("press 1")
    call.press("1")
    call.expect_say("We will call you back by")
    call.expect_record()
    call.say(words)
    call.press("#")
    return call


def callback_of(line: Line, callback_id: str) -> Callback:
    callback = line.services.callbacks.get(callback_id)
    assert callback is not None
    return callback


def test_a_message_is_acknowledged_then_called_back_by_a_rep_first(desk: Line) -> None:
    call = leave_message(desk, BOB, "My router keeps dropping the connection every evening")
    thanks = call.expect_say("Thank you. We will call you back by")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    callback = callback_of(desk, callback_id)
    assert (callback.state, callback.phone, callback.line) == (
        CallbackState.PENDING,
        BOB.phone,
        "support",
    )
    desk.run_jobs()  # the acknowledgement, and the callback joining the line
    texts = [m for m in desk.sim.switch.messages if m.to == BOB.phone]
    promised = thanks.text.removeprefix("Thank you. We will call you back by ").removesuffix(
        ". Goodbye."
    )
    assert [m.body for m in texts] == [
        f"We got your message (reference {callback_id}). We'll call you back by {promised}."
    ]
    assert desk.services.router.position(callback_id) == 1

    desk.services.presence.set("sam", Presence.AVAILABLE)
    rep_leg = eventually(lambda: desk.sim.switch.legs_to("sam"))[0]
    rep_leg.expect_say("Callback for Bob Stone, who has waited less than a minute.")
    rep_leg.expect_say("Their message: My router keeps dropping the connection every evening")
    rep_leg.expect_say("Press 1 to call them now.")
    rep_leg.expect_say("Calling them now.")
    rep_leg.expect_bridged("bob")
    customer_leg = desk.sim.switch.legs_to("bob")[0]
    assert customer_leg.from_ == desk.services.settings.support_number
    customer_leg.hang_up()
    rep_leg.expect_say("Thanks, that callback is done.")

    done = eventually(
        lambda: (c := callback_of(desk, callback_id)).state is CallbackState.DONE and c
    )
    assert (done.attempts, done.kept) == (1, True)
    assert done.margin is not None and done.margin > 7000
    assert desk.services.router.position(callback_id) == 0


def test_a_callback_goes_to_the_owner_of_the_callers_case_first(desk: Line) -> None:
    case = desk.services.cases.open(ADA.phone, "kim", "billing error on the last invoice")
    call = desk.call(ADA.phone)
    call.expect_say("I see you have an open case")
    call.expect_enqueue()
    call.expect_say("press 1")
    call.press("1")
    call.expect_record()
    call.say("Please call me about the invoice")
    call.press("#")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    assert callback_of(desk, callback_id).owner == "kim"
    desk.run_jobs()
    desk.services.presence.set("sam", Presence.AVAILABLE)  # not the owner: not rung for it
    desk.services.presence.set("kim", Presence.AVAILABLE)
    rep_leg = eventually(lambda: desk.sim.switch.legs_to("kim"))[0]
    rep_leg.expect_say("Ada Lovelace, about case")
    rep_leg.expect_bridged("ada")
    assert desk.sim.switch.legs_to("sam") == []
    desk.sim.switch.legs_to("ada")[-1].hang_up()
    rep_leg.expect_say("Thanks, that callback is done.")
    events = desk.services.cases.timeline(case.reference)
    assert [(e.kind, e.by) for e in events] == [("opened", "kim"), ("callback-done", "kim")]
    assert events[1].text == f"Called back ({callback_id}): 120 min before the time promised."


def test_a_busy_customer_is_tried_again_after_the_back_off(desk: Line) -> None:
    call = leave_message(desk, BOB, "Call me back about my bill please")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    desk.run_jobs()
    desk.sim.switch.people[BOB.phone].pickup = Pickup.BUSY
    desk.services.presence.set("sam", Presence.AVAILABLE)
    first = eventually(lambda: desk.sim.switch.legs_to("sam"))[0]
    first.expect_say("We'll try them again at")
    waiting = eventually(
        lambda: (c := callback_of(desk, callback_id)).state is CallbackState.RETRY_WAIT and c
    )
    assert waiting.attempts == 1 and waiting.last_outcome == "busy"

    desk.sim.switch.people[BOB.phone].pickup = Pickup.ANSWER
    # After the back-off the retry joins the line, and Sam (wrapped up) is rung again.
    second = eventually(lambda: (desk.run_jobs(), desk.sim.switch.legs_to("sam")[1:])[1])[0]
    assert second.started >= waiting.due  # not a moment before the back-off is over
    second.expect_bridged("bob")
    desk.sim.switch.legs_to("bob")[-1].hang_up()
    done = eventually(
        lambda: (c := callback_of(desk, callback_id)).state is CallbackState.DONE and c
    )
    assert done.attempts == 2


def test_a_rep_who_declines_passes_the_callback_on_without_spending_a_try(desk: Line) -> None:
    call = leave_message(desk, BOB, "Please call me about my order")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    desk.run_jobs()
    desk.sim.switch.people[SAM.endpoint].presses = "9"
    desk.services.presence.set("sam", Presence.AVAILABLE)
    eventually(lambda: desk.sim.switch.legs_to("sam"))[0].expect_say("goes to the next person")
    assert eventually(lambda: desk.services.reps.presence("sam") is Presence.MISSED)
    desk.services.presence.set("kim", Presence.AVAILABLE)
    kim = eventually(lambda: desk.sim.switch.legs_to("kim"))[0]
    kim.expect_bridged("bob")
    assert callback_of(desk, callback_id).attempts == 1


def test_a_second_message_joins_the_open_callback_and_keeps_its_promise(desk: Line) -> None:
    first = leave_message(desk, BOB, "My router keeps dropping the connection")
    first_thanks = first.expect_say("Thank you. We will call you back by")
    first.expect_ended()
    second = leave_message(desk, BOB, "It also drops in the morning now")
    second.expect_say("I've added this to your earlier request")
    second.expect_ended()
    callback_id = desk.services.calls.details(first.sid)["callback"]
    assert desk.services.calls.details(second.sid)["callback"] == callback_id
    assert first_thanks.text.endswith(". Goodbye.")
    assert len(callback_of(desk, callback_id).messages) == 2
    desk.run_jobs()
    bodies = [m.body for m in desk.sim.switch.messages if m.to == BOB.phone]
    assert bodies[0].startswith("We got your message")
    assert bodies[1].startswith("We added your new message to your open request")


def test_a_message_too_short_is_asked_for_once_more_then_a_person(desk: Line) -> None:
    call = desk.call(BOB.phone)
    call.press("0")
    call.expect_enqueue("support")
    call.press("1")
    call.expect_record()
    call.say("uh")
    call.press("#")
    call.expect_say("Sorry, I didn't catch a message. Let's try once more.")
    call.expect_record()
    call.say("hm")
    call.press("#")
    call.expect_say("I didn't hear a message. Let me get you to a person.")
    call.expect_enqueue("support")
    assert desk.services.callbacks.open_callbacks() == []


def test_keep_my_place_calls_back_when_the_callers_turn_comes_not_after_later_callers(
    desk: Line,
) -> None:
    bob = desk.call(BOB.phone)
    bob.press("0")
    bob.expect_enqueue("support")
    later = desk.call(UNKNOWN)
    later.press("0")
    later.expect_enqueue("support")
    bob.expect_say("To keep your place and have us call you back when it's your turn, press 2.")
    bob.press("2")
    bob.expect("leave")
    bob.expect_say("We'll call you back on the number you're calling from: press 1.")
    bob.press("1#")
    bob.expect_say("You keep your place in line. We'll call you back when it's your turn, by")
    bob.expect_ended()
    callback = desk.services.callbacks.open_callbacks()[0]
    assert (callback.phone, desk.services.router.position(callback.id)) == (BOB.phone, 1)
    assert desk.services.router.position(later.sid) == 2

    desk.services.presence.set("sam", Presence.AVAILABLE)
    sam = eventually(lambda: desk.sim.switch.legs_to("sam"))[0]
    sam.expect_say("Callback for Bob Stone")
    sam.expect_bridged("bob")
    assert desk.services.router.position(later.sid) == 1  # still waiting: Bob came first


def test_a_caller_with_a_withheld_number_types_the_number_once_and_confirms_it(
    desk: Line,
) -> None:
    call = desk.call("anonymous")
    call.press("0")
    call.expect_enqueue("support")
    call.press("2")
    call.expect_say("Please type the number to call you back on, then press pound.")
    call.press("12#")
    call.expect_say("That doesn't look like a phone number.")
    call.press("4155550101#")
    call.expect_say("I heard 1 4 1 5 5 5 5 0 1 0 1. If that's right, press 1.")
    call.press("1")
    call.expect_say("You keep your place in line.")
    call.expect_ended()
    (callback,) = desk.services.callbacks.open_callbacks()
    assert callback.phone == BOB.phone
    assert desk.services.router.position(callback.id) == 1


def promise_in(desk: Line, minutes: float, owner: str = "", case: str = "") -> str:
    """A callback Bob asked for long ago, now promised `minutes` from now, waiting in line."""
    now = datetime.now(UTC)
    made = desk.services.callbacks.request(
        Request(
            origin=f"RE-{minutes}",
            phone=BOB.phone,
            due=now,
            promised_by=now + timedelta(minutes=minutes),
            message=Message(at=now, call_sid="CA1"),
            owner=owner,
            case=case,
        ),
        max_attempts=2,
    )
    callback_calls.join_line(desk.app, made.callback_id)
    return made.callback_id


def test_a_callback_near_its_promise_stops_waiting_for_its_owner(desk: Line) -> None:
    callback_id = promise_in(desk, 10, owner="kim")  # Kim, its owner, is on a call
    desk.services.presence.set("sam", Presence.AVAILABLE)
    assert desk.services.router.entry(callback_id)["state"] == "owner"
    assert desk.sim.switch.legs_to("sam") == []
    assert callback_calls.defend_promises(desk.app) == [callback_id]
    eventually(lambda: desk.sim.switch.legs_to("sam"))[0].expect_bridged("bob")
    assert callback_calls.defend_promises(desk.app) == []  # once


def test_a_callback_about_to_break_its_promise_goes_to_the_supervisors(desk: Line) -> None:
    desk.services.reps.save_all([MIA])
    desk.sim.add_person(MIA.endpoint, name="mia")
    desk.services.presence.set("mia", Presence.AVAILABLE)  # on billing, and the managers' line
    callback_id = promise_in(desk, 3)
    assert desk.services.router.position(callback_id) == 1  # support: nobody free
    assert callback_calls.defend_promises(desk.app) == [callback_id]
    mia = eventually(lambda: desk.sim.switch.legs_to("mia"))[0]
    mia.expect_say("Callback for Bob Stone")
    mia.expect_bridged("bob")
    assert desk.services.callbacks.get(callback_id).escalated == 2  # type: ignore[union-attr]


@pytest.fixture
def night_desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    """The desk at night for its customers: quiet hours from an hour ago to an hour from now,
    in Los Angeles, where their +1 415 numbers are."""
    local = datetime.now(ZoneInfo("America/Los_Angeles"))
    start, end = (f"{(local + timedelta(hours=h)):%H:%M}" for h in (-1, 1))
    quiet = f'quiet_hours: {{start: "{start}", end: "{end}"}}'
    promises = PROMISES.replace("retry_minutes: [0.05]}", f"retry_minutes: [0.05], {quiet}}}")
    yield from desk_with(settings, tmp_path, promises)


def test_at_night_a_promise_moves_to_the_customers_morning_and_nobody_is_rung(
    night_desk: Line,
) -> None:
    call = night_desk.call(BOB.phone)
    call.press("0")
    call.expect_enqueue("support")
    call.press("1")
    call.expect_say("We don't call between")
    call.expect_say("We will call you back by")
    call.expect_record()
    call.say("Please call me tomorrow about my router")
    call.press("#")
    call.expect_ended()
    callback = callback_of(night_desk, night_desk.services.calls.details(call.sid)["callback"])
    assert callback.due > datetime.now(UTC) + timedelta(minutes=55)  # the end of their night
    night_desk.run_jobs()
    assert night_desk.services.router.position(callback.id) == 0  # not in line before then
    night_desk.services.presence.set("sam", Presence.AVAILABLE)
    callback_calls.join_line(night_desk.app, callback.id)  # as "start it now" would
    time.sleep(1)
    assert night_desk.sim.switch.legs_to("sam") == []
    assert callback_of(night_desk, callback.id).state is CallbackState.PENDING


def test_after_the_last_failed_try_the_customer_is_texted_and_the_case_owner_told(
    desk: Line,
) -> None:
    case = desk.services.cases.open(BOB.phone, "kim", "router keeps dropping")
    callback_id = promise_in(desk, 120, owner="kim", case=case.reference)
    desk.sim.switch.people[BOB.phone].pickup = Pickup.NO_ANSWER
    desk.services.presence.set("kim", Presence.AVAILABLE)
    eventually(lambda: desk.sim.switch.legs_to("kim"))[0].expect_say("We'll try them again at")
    last_try = eventually(lambda: (desk.run_jobs(), desk.sim.switch.legs_to("kim")[1:])[1])[0]
    last_try.expect_say("that was the last try")
    failed = callback_of(desk, callback_id)
    assert (failed.state, failed.attempts, failed.reason) == (
        CallbackState.FAILED,
        2,
        "customer no-answer",
    )
    desk.run_jobs()
    (text,) = [m.body for m in desk.sim.switch.messages if m.to == BOB.phone]
    assert text.startswith(
        f"We tried to call you back about your message (reference {callback_id})"
    )
    last = desk.services.cases.timeline(case.reference)[-1]
    assert (last.kind, last.by) == ("callback-failed", "kim")
    assert last.text == f"Could not reach the customer for callback {callback_id} after 2 tries."


def test_a_message_from_a_withheld_number_is_called_back_on_the_number_typed(
    desk: Line,
) -> None:
    call = desk.call("anonymous")
    call.press("0")
    call.expect_enqueue("support")
    call.press("1")
    promise = call.expect_say("We will call you back by")
    call.expect_record()
    call.say("My router is broken again since this morning")
    call.press("#")
    call.expect_say("Your number didn't come through, so we need it to call you back.")
    call.expect_say("Please type the number to call you back on, then press pound.")
    call.press("4155550101#")
    call.expect_say("I heard 1 4 1 5 5 5 5 0 1 0 1.")
    call.press("1")
    thanks = call.expect_say("Thank you. We will call you back by")
    assert promise.text.removeprefix("We will call you back by") in thanks.text
    call.expect_ended()
    (callback,) = desk.services.callbacks.open_callbacks()
    assert callback.phone == BOB.phone
    (message,) = callback.messages
    assert message.recording_url.startswith(desk.sim.url) and message.seconds >= 2


def test_a_callback_without_a_case_gets_one_owned_by_the_rep_who_made_it(desk: Line) -> None:
    call = leave_message(desk, BOB, "Please call me about my parcel")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    desk.run_jobs()
    desk.services.presence.set("sam", Presence.AVAILABLE)
    rep_leg = eventually(lambda: desk.sim.switch.legs_to("sam"))[0]
    rep_leg.expect_bridged("bob")
    desk.sim.switch.legs_to("bob")[0].hang_up()
    done = eventually(
        lambda: (c := callback_of(desk, callback_id)).state is CallbackState.DONE and c
    )
    (case,) = desk.services.cases.open_for_caller(BOB.phone)
    assert (done.case, case.owner, case.category) == (case.reference, "sam", "support")
    kinds = [e.kind for e in desk.services.cases.timeline(case.reference)]
    assert kinds == ["opened", "callback-done"]
