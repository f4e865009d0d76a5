"""Callbacks rung customer first, as a flow may choose: the customer's phone rings first, from
the line's number; once they answer, their call rings the rep kept for them, who hears who
and what they said before hello; a customer who does not answer costs a try and never takes a
rep's time. Through the simulator over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.models import Presence
from ivr.settings import Settings
from simulator.people import Pickup
from tests.conftest import Line
from tests.test_callback_calls import BOB, callback_of, desk_with, eventually, leave_message
from voicemail.models import CallbackState

CUSTOMER_FIRST = """
promises:
  {callback_minutes: 120, attempts: 2, retry_minutes: [0.05], order: customer-first}
routing: {wrap_up_seconds: 0}
"""


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    """The line calling customers first, with quick retries."""
    yield from desk_with(settings, tmp_path, CUSTOMER_FIRST)


def message_waiting(desk: Line, words: str) -> str:
    """Bob leaves a message and the worker puts his callback in line; its id."""
    call = leave_message(desk, BOB, words)
    call.expect_ended()
    desk.run_jobs()
    return str(desk.services.calls.details(call.sid)["callback"])


def test_the_customer_is_rung_first_and_their_answer_rings_the_rep_with_the_whisper(
    desk: Line,
) -> None:
    callback_id = message_waiting(desk, "My invoice shows the wrong address")
    desk.services.presence.set("sam", Presence.AVAILABLE)

    customer_leg = eventually(lambda: desk.sim.switch.legs_to("bob"))[0]
    assert customer_leg.from_ == desk.services.settings.support_number
    customer_leg.expect_say("we're returning your call, as promised")
    done = callback_of(desk, callback_id)  # the customer answered: the promise is kept
    assert (done.state, done.attempts, done.kept) == (CallbackState.DONE, 1, True)

    rep_leg = eventually(lambda: desk.sim.switch.legs_to("sam"))[0]
    rep_leg.expect_say("Callback for Bob Stone, who has waited less than a minute.")
    rep_leg.expect_say("Their message: My invoice shows the wrong address")
    customer_leg.expect_bridged("sam")
    assert desk.services.presence.states()["sam"] is Presence.BUSY
    customer_leg.hang_up()
    eventually(lambda: desk.services.presence.states()["sam"] is Presence.AVAILABLE)
    assert desk.services.router.position(callback_id) == 0


def test_a_customer_who_does_not_answer_costs_a_try_and_no_rep_time(desk: Line) -> None:
    callback_id = message_waiting(desk, "Please call me about my refund")
    desk.sim.switch.people[BOB.phone].pickup = Pickup.BUSY
    desk.services.presence.set("sam", Presence.AVAILABLE)

    waiting = eventually(
        lambda: (c := callback_of(desk, callback_id)).state is CallbackState.RETRY_WAIT and c
    )
    assert (waiting.attempts, waiting.last_outcome) == (1, "busy")
    assert desk.sim.switch.legs_to("sam") == []  # Sam's phone never rang
    assert desk.services.presence.states()["sam"] is Presence.AVAILABLE  # free for others

    desk.sim.switch.people[BOB.phone].pickup = Pickup.ANSWER
    second = eventually(lambda: (desk.run_jobs(), desk.sim.switch.legs_to("bob")[1:])[1])[0]
    assert second.started >= waiting.due  # not a moment before the back-off is over
    second.expect_bridged("sam")
    assert callback_of(desk, callback_id).attempts == 2


def test_a_rep_who_does_not_take_the_answered_customer_passes_them_to_the_next(
    desk: Line,
) -> None:
    callback_id = message_waiting(desk, "My parcel never arrived")
    desk.sim.switch.people["+14155550200"].presses = "9"  # Sam declines in the whisper
    desk.sim.switch.people[BOB.phone].presses = None  # Bob waits on hold, choosing nothing
    desk.services.presence.set("sam", Presence.AVAILABLE)

    customer_leg = eventually(lambda: desk.sim.switch.legs_to("bob"))[0]
    customer_leg.expect_say("Connecting you")
    customer_leg.expect_enqueue("support")  # Sam did not take it: Bob waits, first in line
    assert desk.services.router.position(customer_leg.sid) == 1
    desk.services.presence.set("kim", Presence.AVAILABLE)
    customer_leg.expect_bridged("kim")
    assert callback_of(desk, callback_id).state is CallbackState.DONE
