"""Silences, as phone calls through the simulator (a rep who says nothing to the whisper, a
caller who types no case number), and the welcome an after-hours caller hears without Redis."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest

from callflows.hours import WEEKDAYS
from crm.models import Customer, Presence, Rep
from ivr import create_app
from ivr.settings import Settings
from simulator.switch import Call
from tests.conftest import Line
from tests.signing import call_params, signed_post

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")


@pytest.fixture
def staffed(line: Line) -> Line:
    """Ada as a customer, Sam as an available rep whose answer to a whisper each test gives."""
    line.services.customers.save_all([ADA])
    line.services.reps.save_all([SAM])
    line.services.presence.set("sam", Presence.AVAILABLE)
    line.sim.add_person(SAM.endpoint, name="sam")
    line.sim.switch.people[SAM.endpoint].presses = None
    return line


def leg_to(line: Line, who: str, seconds: float = 5.0) -> Call:
    """The leg that rang `who`, once it exists."""
    deadline = time.monotonic() + seconds
    while not (legs := line.sim.switch.legs_to(who)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert legs, f"nothing rang {who}"
    return legs[0]


def test_a_rep_who_says_nothing_to_the_whisper_is_not_connected(staffed: Line) -> None:
    # A phone's own voicemail answering is such a rep: it must not swallow the caller.
    staffed.services.cases.open(ADA.phone, "sam", "router")
    call = staffed.call(ADA.phone)
    call.expect_dial("sam")
    sam = leg_to(staffed, "sam")
    sam.expect_say("Press 1 to take the call.")
    sam.stay_silent()
    call.expect_say("Sam could not pick up.")
    call.expect_enqueue("support")
    assert not any(event.kind == "bridged" for event in call.transcript)
    assert staffed.services.calls.get(call.sid).answered_by is None


def test_a_caller_who_types_no_case_number_is_put_through(staffed: Line) -> None:
    call = staffed.call("+14155550999")
    call.press("3")
    call.expect_say("Please enter your case number")
    call.stay_silent()
    call.expect_say("I couldn't find that case.")
    call.expect_enqueue("support")


def test_after_hours_without_redis_the_caller_is_still_welcomed_first(
    settings: Settings, tmp_path: Path
) -> None:
    other_day = WEEKDAYS[(datetime.now(UTC).weekday() + 3) % 7]
    flow = tmp_path / "closed.yaml"
    flow.write_text(
        Path("callflows/default.yaml").read_text()
        + "hours:\n  timezone: UTC\n"
        + f'  weekly: {{{other_day}: ["00:00-24:00"]}}\n'
        + '  closed_message: "We are closed today."\n'
    )
    dead = settings.model_copy(
        update={"redis_url": f"unix://{tmp_path}/nothing-here.sock", "ivr_callflow": flow}
    )
    response = signed_post(create_app(dead).test_client(), "/voice/incoming", call_params())
    heard = [say.text for say in ElementTree.fromstring(response.data).iter("Say")]
    assert heard[:2] == ["Thanks for calling.", "We are closed today."]
