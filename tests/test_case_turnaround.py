"""A case's turnaround, through the simulator over real HTTP: a new case is promised an answer
within its category's turnaround and the customer is texted who owns it and by when; a case
near its promised time still open is flagged for its owner once, its customer told where it
stands; the cases report counts promises kept and broken."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from crm.case_reports import case_report
from crm.case_rules import Actor
from crm.models import Case, Rep
from ivr import jobs
from ivr.settings import Settings
from tests.conftest import Line, flow_with, running_line
from tests.staff_session import STAFF

ADA = "+14155550100"
# Billing is answered within the hour, so a billing case is near its promise at once.
CASES = "cases: {turnaround_hours: {default: 48, billing: 1}}\n"


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    with running_line(flow_with(settings, tmp_path, CASES)) as line:
        line.services.reps.save_all([STAFF["sam"]])
        yield line


def open_case(desk: Line, category: str) -> Case:
    token = desk.services.settings.ivr_api_token
    answer = requests.post(
        f"{desk.url}/api/cases",
        json={"phone": ADA, "subject": "Charged twice", "category": category, "owner": "sam"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    case = desk.services.cases.get(answer.json()["reference"])
    assert case is not None and case.promised_by is not None
    return case


def texts_to_ada(desk: Line) -> list[str]:
    return [m.body for m in desk.sim.switch.messages if m.to == ADA]


def test_a_new_case_is_promised_within_its_categorys_turnaround_and_the_customer_told(
    desk: Line,
) -> None:
    case = open_case(desk, "tv")
    assert case.promised_by is not None
    assert case.promised_by - case.created_at == pytest.approx(
        timedelta(hours=48), abs=timedelta(seconds=5)
    )
    desk.run_jobs()
    (told,) = texts_to_ada(desk)
    assert told.startswith(f"We've opened case {case.reference} for you. Sam is looking after it,")
    assert told.endswith(f"Text {case.reference} to this number for its status.")


def test_a_case_near_its_promise_is_flagged_once_and_its_customer_told(desk: Line) -> None:
    case = open_case(desk, "Billing")
    assert case.promised_by is not None
    assert case.promised_by - case.created_at == pytest.approx(
        timedelta(hours=1), abs=timedelta(seconds=5)
    )
    desk.run_jobs()  # the text saying it is open
    jobs.sweep()
    jobs.sweep()  # a second look warns no one twice
    desk.run_jobs()
    flagged = desk.services.cases.get(case.reference)
    assert flagged is not None and (flagged.flagged, flagged.at_risk) == (True, True)
    assert [e.kind for e in desk.services.cases.timeline(case.reference)].count("at-risk") == 1
    told = texts_to_ada(desk)
    assert len(told) == 2 and told[1].startswith(
        f"An update on case {case.reference}: Sam is still working on it"
    )


def test_the_cases_report_counts_promises_kept_and_broken(desk: Line) -> None:
    kept = open_case(desk, "tv")
    late = open_case(desk, "tv")
    late.promised_by = late.created_at - timedelta(minutes=1)  # promised, and missed
    desk.services.cases.save(late)
    supervisor = Actor(id="mia", supervisor=True)
    desk.services.case_rules.close(kept.reference, supervisor)
    desk.services.case_rules.close(late.reference, supervisor)
    report = case_report(desk.services.redis, desk.services.keys)
    assert report.promises == {"kept": 1, "broken": 1}


def test_the_customer_is_told_when_their_case_changes_hands_or_is_closed(desk: Line) -> None:
    desk.services.reps.save_all(
        [Rep(id="kim", name="Kim Lee", endpoint="+14155550201", password_hash="x")]
    )
    case = open_case(desk, "tv")
    token = {"Authorization": f"Bearer {desk.services.settings.ivr_api_token}"}
    for action, body in (("reassign", {"to": "kim"}), ("close", {})):
        answer = requests.post(
            f"{desk.url}/api/cases/{case.reference}/{action}", json=body, headers=token, timeout=10
        )
        assert answer.status_code == 200, answer.text
        desk.run_jobs()
    _opened, moved, closed = texts_to_ada(desk)
    assert moved.startswith(
        f"Case {case.reference} (Charged twice) is open: we're working on it. Kim is looking"
        " after it. We promised an answer by"
    )
    assert closed == f"Case {case.reference} (Charged twice) is closed."
