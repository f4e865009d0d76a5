"""Case reports against the real Redis: generated cases go through opening, talk time,
reassignment, description, resolving, sign-off and closing; the reports (from the rollups, the
CLI's CSV and the API) agree with figures the test works out itself from every case."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from crm.case_reports import case_report, recurring_report
from crm.case_rules import Actor, CaseDetails
from crm.models import Case, CaseStatus, Rep, Role
from ivr.cli import main
from ivr.services import Services

TOKEN = {"Authorization": "Bearer test-api-token-0123456789"}
REPS = ["sam", "kim", "raj"]
CATEGORIES = ["billing", "line", "tv"]
MIA = Actor(id="mia", supervisor=True)


@pytest.fixture
def generated(services: Services) -> list[Case]:
    """60 cases with a seeded mix of owners, categories, weeks, talk, recurrence and ends."""
    services.reps.save_all(
        [Rep(id=r, name=r.title(), endpoint=f"client:{r}", password_hash="x") for r in REPS]
        + [
            Rep(
                id="mia", name="Mia", endpoint="client:mia", password_hash="x", role=Role.SUPERVISOR
            )
        ]
    )
    rng = random.Random(7)
    rules = services.case_rules
    references = []
    for n in range(60):
        case = services.cases.open(f"+1415555{n:04d}", rng.choice(REPS), f"Problem {n}")
        case.category = rng.choice(CATEGORIES)
        case.created_at = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(days=rng.randrange(21))
        services.cases.save(case)
        for _ in range(rng.randrange(3)):
            rules.talked(case.reference, case.owner, rng.randrange(60, 900))
        if rng.random() < 0.3:
            rules.reassign(case.reference, rng.choice([r for r in REPS if r != case.owner]), MIA)
        if rng.random() < 0.5:
            rules.describe(case.reference, MIA, CaseDetails(recurring=rng.random() < 0.6))
        end = rng.random()
        if end < 0.3:
            rules.close(case.reference, MIA)
        elif end < 0.6:
            rules.resolve(case.reference, MIA)
            if end < 0.5:
                rules.signed_off(case.reference, case.customer_phone, end < 0.4)
        references.append(case.reference)
    found = [services.cases.get(reference) for reference in references]
    return [case for case in found if case is not None]


def test_the_case_report_adds_up_to_the_cases(services: Services, generated: list[Case]) -> None:
    by_owner: dict[str, Counter[str]] = defaultdict(Counter)
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    time_by_owner: Counter[str] = Counter()
    for case in generated:
        by_owner[case.owner][case.status.value] += 1
        by_category[case.category][case.status.value] += 1
        time_by_owner[case.owner] += case.time_spent_seconds
    report = case_report(services.redis, services.keys)
    assert report.by_owner == {owner: dict(counts) for owner, counts in by_owner.items()}
    assert report.by_category == {cat: dict(counts) for cat, counts in by_category.items()}
    assert report.time_by_owner == {o: s for o, s in time_by_owner.items() if s}
    closed = [c for c in generated if c.status is CaseStatus.CLOSED and c.closed_at]
    resolution = statistics.median((c.closed_at - c.created_at).total_seconds() for c in closed)
    assert report.median_resolution_seconds == pytest.approx(resolution, abs=0.01)
    said = Counter(c.satisfaction.value for c in generated if c.satisfaction)
    assert report.satisfaction == dict(said)
    assert sum(said.values()) > 0 and len(closed) > 0  # the data exercises every figure


def test_recurring_problems_are_counted_by_category_and_week_with_their_time(
    services: Services, generated: list[Case]
) -> None:
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for case in generated:
        if case.recurring:
            year, week, _ = case.created_at.isocalendar()
            bucket = expected[(case.category, f"{year}-W{week:02d}")]
            bucket[0] += 1
            bucket[1] += case.time_spent_seconds
    rows = recurring_report(services.redis, services.keys)
    assert {(r.category, r.week): [r.cases, r.seconds] for r in rows} == dict(expected)
    assert [r.week for r in rows] == sorted((r.week for r in rows), reverse=True)


def test_the_cli_and_the_api_give_the_same_figures(
    services: Services, generated: list[Case], env: dict[str, str], client: FlaskClient
) -> None:
    report = case_report(services.redis, services.keys)
    printed = CliRunner().invoke(main, ["report", "cases", "--format", "csv"], env=env)
    assert printed.exit_code == 0, printed.output
    rows = list(csv.DictReader(io.StringIO(printed.output)))
    owners = {r["name"]: r for r in rows if r["by"] == "owner"}
    for owner, counts in report.by_owner.items():
        assert int(owners[owner]["closed"]) == counts.get("closed", 0)
        assert int(owners[owner]["time_spent_seconds"]) == report.time_by_owner.get(owner, 0)
    answer = client.get("/api/reports/cases", headers=TOKEN)
    assert answer.status_code == 200
    assert answer.json["by_category"] == report.by_category
    recurring = client.get("/api/reports/recurring", headers=TOKEN).json["recurring"]
    assert len(recurring) == len(recurring_report(services.redis, services.keys))
    assert client.get("/api/reports/nothing", headers=TOKEN).status_code == 404
    assert client.get("/api/reports/promises?days=0", headers=TOKEN).status_code == 400
