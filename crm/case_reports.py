"""Reports on cases, read from rollups the case repository keeps as cases change (never a scan
of the cases): open and closed by owner and by category, time spent, the median time to
resolution, satisfaction, and the recurring problems by category and week with the time they
cost. Each answers in a few Redis round trips however many cases there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from redis import Redis

from crm.keys import Keys


@dataclass
class CaseReport:
    """Cases by owner and by category (status -> count), time spent (seconds), the median
    time from opened to closed, what customers said at sign-off, and how many closed cases
    kept their promised time."""

    by_owner: dict[str, dict[str, int]] = field(default_factory=dict)
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    time_by_owner: dict[str, int] = field(default_factory=dict)
    time_by_category: dict[str, int] = field(default_factory=dict)
    median_resolution_seconds: float | None = None
    satisfaction: dict[str, int] = field(default_factory=dict)
    promises: dict[str, int] = field(default_factory=dict)  # closed by their promise or not


@dataclass(frozen=True)
class RecurringRow:
    """Recurring cases of one category opened in one ISO week, and the time they cost."""

    category: str
    week: str
    cases: int
    seconds: int


def case_report(redis: Redis, keys: Keys) -> CaseReport:
    """The case report, from the rollups."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.case_tally)
        pipe.zcard(keys.cases_resolution)
        tally, closed = pipe.execute()
    report = CaseReport()
    by: dict[str, dict[str, dict[str, int]]] = {
        "owner": defaultdict(dict),
        "category": defaultdict(dict),
    }
    for name, raw in cast(dict[str, str], tally).items():
        value = int(raw)
        kind, _, rest = name.partition("|")
        if kind == "satisfaction":
            report.satisfaction[rest] = value
        elif kind == "promise":
            report.promises[rest] = value
        elif kind == "time":
            of, _, who = rest.partition("|")
            (report.time_by_owner if of == "owner" else report.time_by_category)[who] = value
        else:
            who, _, status = rest.rpartition("|")
            by[kind][who][status] = value
    report.by_owner = _without_zeros(by["owner"])
    report.by_category = _without_zeros(by["category"])
    report.median_resolution_seconds = _median_score(redis, keys.cases_resolution, int(closed))
    return report


def recurring_report(redis: Redis, keys: Keys) -> list[RecurringRow]:
    """Recurring problems by category and week, newest week first, then most cases."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for name, raw in cast(dict[str, str], redis.hgetall(keys.cases_recurring)).items():
        category_and_week, _, measure = name.rpartition("|")
        category, _, week = category_and_week.rpartition("|")
        counts[(category, week)][measure] = int(raw)
    rows = [
        RecurringRow(category, week, got.get("cases", 0), got.get("seconds", 0))
        for (category, week), got in counts.items()
        if got.get("cases", 0) > 0
    ]
    return sorted(rows, key=lambda row: (row.week, row.cases, row.category), reverse=True)


def _without_zeros(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    kept = {who: {s: n for s, n in statuses.items() if n} for who, statuses in counts.items()}
    return {who: statuses for who, statuses in sorted(kept.items()) if statuses}


def _median_score(redis: Redis, key: str, count: int) -> float | None:
    """The median score of a sorted set, by rank: one or two members read."""
    if count == 0:
        return None
    middle = cast(
        list[tuple[str, float]], redis.zrange(key, (count - 1) // 2, count // 2, withscores=True)
    )
    scores = [float(score) for _, score in middle]
    return sum(scores) / len(scores)
