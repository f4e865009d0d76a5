"""`ivr report ...`: promises kept and broken, cases by owner and category, recurring problems;
as text, or `--format csv` for a spreadsheet."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from datetime import timedelta

import click

from crm.call_reports import calls_by_tier
from crm.case_reports import case_report, recurring_report
from crm.models import CaseStatus, utcnow
from ivr.cli_context import services_for_command
from voicemail.promises import promise_report

FORMAT = click.option(
    "--format", "shape", type=click.Choice(["text", "csv"]), default="text", show_default=True
)
STATUSES = [status.value for status in CaseStatus]


def print_csv(header: Sequence[object], rows: Sequence[Sequence[object]]) -> None:
    """A report as CSV on standard output, its header first."""
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows(rows)


def print_lines(lines: Sequence[str], when_none: str) -> None:
    """A report as lines of text, or what to say when it has none."""
    for line in lines or [when_none]:
        click.echo(line)


@click.group()
def report() -> None:
    """Reports on the line."""


@report.command(name="promises")
@click.option("--days", default=7, show_default=True, help="how far back to look")
def promises(days: int) -> None:
    """Callback promises kept and broken, and the median time to spare."""
    services = services_for_command()
    now = utcnow()
    figures = promise_report(services.callbacks, now - timedelta(days=days), now)
    margin = figures.median_margin_seconds
    click.echo(f"last {days} days: {figures.kept} kept, {figures.broken} broken")
    click.echo(
        "median time to spare: "
        + ("none done yet" if margin is None else f"{round(margin / 60)} min")
    )
    click.echo(f"open now: {figures.open}, at risk: {figures.at_risk}")


def _rows(
    by: str, counts: dict[str, dict[str, int]], seconds: dict[str, int]
) -> list[list[object]]:
    """Table rows: who or what, its cases in each status, and the time spent on them."""
    return [
        [by, name, *(statuses.get(s, 0) for s in STATUSES), seconds.get(name, 0)]
        for name, statuses in counts.items()
    ]


@report.command(name="cases")
@FORMAT
def cases(shape: str) -> None:
    """Cases by owner and by category (open, resolved, closed, time spent), the median time
    to resolution, and what customers said at sign-off."""
    services = services_for_command()
    figures = case_report(services.redis, services.keys)
    rows = _rows("owner", figures.by_owner, figures.time_by_owner) + _rows(
        "category", figures.by_category, figures.time_by_category
    )
    header: list[object] = ["by", "name", *STATUSES, "time_spent_seconds"]
    if shape == "csv":
        print_csv(header, rows)
        return
    for row in [header, *rows]:
        click.echo("  ".join(f"{cell!s:>10}" for cell in row))
    median = figures.median_resolution_seconds
    click.echo(
        "median time to resolution: "
        + ("none closed yet" if median is None else f"{median / 3600:.1f} h")
    )
    said = ", ".join(f"{answer} {n}" for answer, n in sorted(figures.satisfaction.items()))
    click.echo(f"sign-off answers: {said or 'none yet'}")


@report.command(name="calls")
@FORMAT
def calls(shape: str) -> None:
    """Callers who waited in a line, by tier: how many, how many hung up first, mean wait."""
    services = services_for_command()
    rows = calls_by_tier(services.redis, services.keys)
    if shape == "csv":
        header = ["tier", "calls", "abandoned", "mean_wait_seconds"]
        print_csv(
            header, [[r.tier, r.calls, r.abandoned, round(r.mean_wait_seconds, 1)] for r in rows]
        )
        return
    print_lines(
        [
            f"{row.tier}: {row.calls} calls, {row.abandoned} abandoned"
            f" ({100 * row.abandonment:.0f}%), mean wait {row.mean_wait_seconds:.0f} s"
            for row in rows
        ],
        "No calls have waited in a line yet.",
    )


@report.command(name="recurring")
@FORMAT
def recurring(shape: str) -> None:
    """Recurring problems by category and week: how many cases, and the time they cost."""
    services = services_for_command()
    rows = recurring_report(services.redis, services.keys)
    if shape == "csv":
        header = ["week", "category", "cases", "time_spent_seconds"]
        print_csv(header, [[r.week, r.category, r.cases, r.seconds] for r in rows])
        return
    print_lines(
        [f"{r.week}  {r.category}: {r.cases} cases, {r.seconds / 3600:.1f} h" for r in rows],
        "No recurring problems marked yet.",
    )
