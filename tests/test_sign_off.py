"""Sign-off, as the customer lives it, through the simulator over real HTTP: a rep resolves the
case, the customer is texted "are you happy it's sorted?"; YES closes it, NO reopens it with
its owner, flagged and promised again soon; silence for as long as the flow allows closes it
as resolved with no reply. The answer is kept as satisfaction."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from crm.case_rules import Actor
from crm.models import Case, CaseStatus, Satisfaction
from ivr import jobs
from ivr.settings import Settings
from simulator.texts import text_line
from tests.conftest import Line, flow_with, running_line
from tests.staff_session import STAFF

ADA = "+14155550100"
# A customer has two seconds to answer; one who says it is not sorted is promised within a day.
CASES = "cases: {sign_off_hours: 0.00056, reopened_promise_hours: 24}\n"


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    with running_line(flow_with(settings, tmp_path, CASES)) as line:
        line.services.reps.save_all([STAFF["sam"]])
        yield line


def resolved_case(desk: Line) -> str:
    """Sam's case for Ada, resolved through the API; the worker texts the question."""
    reference = desk.services.cases.open(ADA, "sam", "Router drops every evening").reference
    token = desk.services.settings.ivr_api_token
    answer = requests.post(
        f"{desk.url}/api/cases/{reference}/resolve",
        json={"summary": "New firmware"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    desk.run_jobs()
    (question,) = [m.body for m in desk.sim.switch.messages if m.to == ADA]
    assert question == (
        f"We've marked your case {reference} (Router drops every evening) as resolved. Are you"
        " happy it's sorted? Reply YES or NO."
    )
    return reference


def case_of(desk: Line, reference: str) -> Case:
    case = desk.services.cases.get(reference)
    assert case is not None
    return case


def test_yes_closes_the_case_and_says_thank_you(desk: Line) -> None:
    reference = resolved_case(desk)
    (thanks,) = text_line(desk.sim.switch, ADA, "Yes")
    assert thanks.body == f"Thank you. We've closed case {reference}."
    case = case_of(desk, reference)
    assert (case.status, case.satisfaction) == (CaseStatus.CLOSED, Satisfaction.HAPPY)
    last = desk.services.cases.timeline(reference)[-1]
    assert (last.kind, last.by) == ("closed", "customer")
    (again,) = text_line(desk.sim.switch, ADA, "yes")  # nothing awaits an answer now
    assert again.body.startswith("Thanks. There's nothing waiting for your answer.")


def test_no_reopens_it_with_its_owner_flagged_and_promised_again(desk: Line) -> None:
    reference = resolved_case(desk)
    (sorry,) = text_line(desk.sim.switch, ADA, "NO")
    assert sorry.body.startswith(
        f"Sorry it isn't sorted. We've reopened case {reference}; Sam will be in touch by tomorrow"
    )
    case = case_of(desk, reference)
    assert (case.status, case.owner, case.flagged, case.satisfaction) == (
        CaseStatus.OPEN,
        "sam",
        True,
        Satisfaction.NOT_HAPPY,
    )
    assert [c.reference for c in desk.services.cases.open_for_owner("sam")] == [reference]
    assert desk.services.cases.awaiting_sign_off_from(ADA) is None


def test_silence_closes_it_as_resolved_with_no_reply(desk: Line) -> None:
    reference = resolved_case(desk)
    time.sleep(2.1)  # the flow's time to answer
    jobs.sweep()  # as the worker's sweeper does every few seconds
    case = case_of(desk, reference)
    assert (case.status, case.satisfaction) == (CaseStatus.CLOSED, Satisfaction.NO_REPLY)
    assert desk.services.cases.timeline(reference)[-1].text == "resolved, no reply"
    (late,) = text_line(desk.sim.switch, ADA, "no")
    assert late.body.startswith("Thanks. There's nothing waiting for your answer.")
    assert case_of(desk, reference).status is CaseStatus.CLOSED


def test_a_number_that_cannot_take_texts_is_asked_by_a_call_with_one_key(desk: Line) -> None:
    landline = "+442079460018"
    desk.sim.add_person(landline, name="grace", presses="2")
    reference = desk.services.cases.open(landline, "sam", "Bill charged twice").reference
    desk.services.case_rules.resolve(reference, Actor(id="sam", supervisor=False))
    desk.run_jobs()
    assert [m for m in desk.sim.switch.messages if m.to == landline] == []
    call = desk.sim.switch.legs_to("grace")[0]
    assert call.from_ == desk.services.settings.support_number
    call.expect_say("If it's sorted, press 1. If it isn't, press 2.")
    call.expect_say("Sorry it isn't sorted. We've reopened your case; Sam will be in touch by")
    call.expect_ended()
    case = case_of(desk, reference)
    assert (case.status, case.flagged, case.satisfaction) == (
        CaseStatus.OPEN,
        True,
        Satisfaction.NOT_HAPPY,
    )
