"""What the console shows, through the simulator over real HTTP: a rep signed in sees the call
ringing them before they answer (who, tier, line, what they chose, their open cases with
timelines), their own cases and callbacks; a supervisor sees the floor (who waits on each line
by tier, reps by presence); a rep may not see the floor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.models import Customer, Presence
from simulator.script import Call
from tests.conftest import Line
from tests.staff_session import PASSWORD, browser, hire
from tests.test_callback_calls import eventually

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))  # gold
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))


@pytest.fixture
def floor(line: Line) -> Line:
    line.services.customers.save_all([ADA, BOB])
    hire(line.services, "sam", "mia")
    line.sim.add_person("+14155550200", name="sam", presses=None)  # hears the whisper, waits
    return line


def waiting(line: Line, customer: Customer) -> Call:
    call = line.call(customer.phone)
    call.press("0")
    call.expect_enqueue("support")
    return call


def test_the_rep_sees_who_is_calling_and_their_case_before_hello(floor: Line) -> None:
    reference = floor.services.case_rules.open(ADA.phone, "sam", "Router drops").reference
    sam, _ = browser(floor.url, "sam", PASSWORD)
    assert sam.get(f"{floor.url}/api/me", timeout=10).json()["call"] is None
    floor.services.presence.set("sam", Presence.AVAILABLE)
    floor.call(ADA.phone)
    whisper = eventually(lambda: floor.sim.switch.legs_to("sam"))[0]
    whisper.expect_say("Press 1 to take the call.")  # Sam's phone rings; he has not said hello
    me = sam.get(f"{floor.url}/api/me", timeout=10).json()
    call = me["call"]
    assert (call["name"], call["phone"], call["tier"], call["line"], call["kind"]) == (
        "Ada Lovelace",
        ADA.phone,
        "gold",
        "support",
        "call",
    )
    (case,) = call["cases"]
    assert (case["reference"], case["subject"]) == (reference, "Router drops")
    assert [e["kind"] for e in case["timeline"]] == ["opened"]
    assert [c["reference"] for c in me["cases"]] == [reference]


def test_the_supervisor_sees_the_floor_and_a_rep_may_not(floor: Line) -> None:
    waiting(floor, ADA)
    waiting(floor, BOB)
    mia, _ = browser(floor.url, "mia", PASSWORD)
    seen = mia.get(f"{floor.url}/api/floor", timeout=10).json()
    support = next(line for line in seen["lines"] if line["line"] == "support")
    assert (support["waiting"], support["by_tier"]) == (2, {"gold": 1, "standard": 1})
    assert support["longest_wait_seconds"] >= 0
    assert {r["id"]: r["presence"] for r in seen["reps"]} == {"mia": "offline", "sam": "offline"}
    sam, _ = browser(floor.url, "sam", PASSWORD)
    refused = sam.get(f"{floor.url}/api/floor", timeout=10)
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "sam is not a supervisor; the floor is for supervisors"},
    )


def test_a_rep_in_wrap_up_sees_how_long_it_still_runs(floor: Line) -> None:
    sam, _ = browser(floor.url, "sam", PASSWORD)
    assert sam.get(f"{floor.url}/api/me", timeout=10).json()["wrap_up_seconds_left"] is None
    floor.services.presence.set("sam", Presence.WRAP_UP)
    me = sam.get(f"{floor.url}/api/me", timeout=10).json()
    assert me["presence"] == "wrap-up"
    assert 0 < me["wrap_up_seconds_left"] <= floor.services.flow.routing.wrap_up_seconds
