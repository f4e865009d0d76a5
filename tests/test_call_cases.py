"""Every call a rep takes belongs to a case, through the simulator over real HTTP: a caller
with no open case gets a new one owned by the rep who took the call, filed under the line they
chose; a caller with an open case has the call put on it; a retried answer opens no second
case; a withheld number gets none."""

from __future__ import annotations

from decimal import Decimal

from crm.models import CaseStatus, Customer, Presence, Rep
from ivr.call_cases import case_of_taken_call
from ivr.services import Services
from queues.routing_results import Caller
from tests.conftest import Line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")


def staff(line: Line) -> None:
    line.services.customers.save_all([ADA, BOB])
    line.services.reps.save_all([SAM])
    line.sim.add_person(SAM.endpoint, name="sam")
    line.services.presence.set("sam", Presence.AVAILABLE)


def test_a_caller_without_a_case_gets_one_owned_by_the_rep_who_took_the_call(line: Line) -> None:
    staff(line)
    call = line.call(BOB.phone)
    call.press("0")
    call.expect_bridged("sam")
    (case,) = line.services.cases.open_for_caller(BOB.phone)
    assert (case.owner, case.category, case.status, case.subject) == (
        "sam",
        "support",
        CaseStatus.OPEN,
        "Call on the support line",
    )
    assert line.services.calls.details(call.sid)["case"] == case.reference
    assert [(e.kind, e.by) for e in line.services.cases.timeline(case.reference)] == [
        ("opened", "sam")
    ]


def test_a_caller_with_an_open_case_has_the_call_put_on_it(line: Line) -> None:
    staff(line)
    reference = line.services.cases.open(ADA.phone, "sam", "Router drops").reference
    call = line.call(ADA.phone)
    call.expect_bridged("sam")
    assert [c.reference for c in line.services.cases.open_for_caller(ADA.phone)] == [reference]
    assert line.services.calls.details(call.sid)["case"] == reference
    last = line.services.cases.timeline(reference)[-1]
    assert (last.kind, last.by) == ("call", "sam")


def test_a_retried_answer_opens_no_second_case_and_a_withheld_number_none(
    services: Services,
) -> None:
    services.reps.save_all([SAM])
    services.router.place(Caller(call_sid="CA1", line="billing", phone=BOB.phone))
    first = case_of_taken_call(services, "CA1", "sam", "billing")
    again = case_of_taken_call(services, "CA1", "sam", "billing")
    assert first is not None and first == again
    assert [c.category for c in services.cases.open_for_caller(BOB.phone)] == ["billing"]
    services.router.place(Caller(call_sid="CA2", line="support", phone=None))
    assert case_of_taken_call(services, "CA2", "sam", "support") is None


def test_the_talk_time_of_a_call_goes_to_its_case(line: Line) -> None:
    staff(line)
    line.sim.switch.people[SAM.endpoint].talks_for = 2.0
    call = line.call(BOB.phone)
    call.press("0")
    call.expect_bridged("sam")
    (case,) = line.services.cases.open_for_caller(BOB.phone)
    number = " ".join(case.reference.replace("-", ""))
    call.expect_say(f"Your case number is {number}. We'll get back to you by")
    call.expect_ended()
    (case,) = line.services.cases.open_for_caller(BOB.phone)
    assert case.time_spent_seconds >= 2
    last = line.services.cases.timeline(case.reference)[-1]
    assert (last.kind, last.by) == ("talked", "sam")
