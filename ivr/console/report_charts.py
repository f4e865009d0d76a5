"""The charts of the console's reports page, from the same rollups as `ivr report`: callers who
waited and hung up by tier and by the line's hour of day, the mean wait, callback promises kept
and broken each day of the last week, turnarounds kept and broken, recurring problems."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from markupsafe import Markup

from crm.call_reports import calls_by_hour, calls_by_tier
from crm.case_reports import case_report, recurring_report
from crm.models import utcnow
from ivr.console.charts import Bar, bar_chart
from ivr.services import Services
from voicemail.models import CallbackState

WEEK = timedelta(days=7)


def report_charts(services: Services) -> list[Markup]:
    """Every chart of the page, in reading order."""
    redis, keys = services.redis, services.keys
    tiers = calls_by_tier(redis, keys)
    charts = [
        bar_chart("Callers who waited, by tier", [Bar(t.tier, t.calls) for t in tiers]),
        bar_chart(
            "Callers who hung up before a person took them, by tier",
            [Bar(t.tier, t.abandoned) for t in tiers],
        ),
        bar_chart(
            "Mean wait, by tier", [Bar(t.tier, round(t.mean_wait_seconds)) for t in tiers], " s"
        ),
    ]
    hours = calls_by_hour(redis, keys)
    for tier in dict.fromkeys(h.tier for h in hours):
        charts.append(
            bar_chart(
                f"{tier.title()} callers by hour of the day: answered and hung up",
                [
                    bar
                    for h in hours
                    if h.tier == tier
                    for bar in (
                        Bar(f"{h.hour:02d}:00 answered", h.answered),
                        Bar(f"{h.hour:02d}:00 hung up", h.abandoned),
                    )
                ],
            )
        )
    charts.append(bar_chart("Callback promises, last 7 days", promise_days(services)))
    kept = case_report(redis, keys).promises
    charts.append(
        bar_chart(
            "Turnarounds of closed cases",
            [Bar("kept", kept.get("kept", 0)), Bar("broken", kept.get("broken", 0))],
        )
    )
    recurring: Counter[str] = Counter()
    for row in recurring_report(redis, keys):
        recurring[row.category] += row.cases
    charts.append(
        bar_chart(
            "Recurring problems, by category", [Bar(c, n) for c, n in sorted(recurring.items())]
        )
    )
    return charts


def promise_days(services: Services) -> list[Bar]:
    """Callback promises kept and broken each day of the last week (the line's days)."""
    zone, now = services.flow.zone, utcnow()
    counts: Counter[tuple[str, str]] = Counter()
    order: dict[str, None] = {}
    for callback in services.callbacks.closed_since(now - WEEK):
        if callback.state is CallbackState.CANCELLED or callback.closed is None:
            continue
        day = f"{callback.closed.astimezone(zone):%a %d %b}"
        order[day] = None
        counts[(day, "kept" if callback.kept else "broken")] += 1
    return [Bar(f"{day} {how}", counts[(day, how)]) for day in order for how in ("kept", "broken")]
