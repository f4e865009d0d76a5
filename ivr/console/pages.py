"""The console's pages: a rep's own screen (presence, the call ringing them with who and why,
their cases and callbacks), a case's page (timeline, notes, closing) for its owner, and, for
supervisors, the floor (escalations to accept, callers waiting, reps, callbacks at risk). Each
page is a frame the browser fills from the JSON API (`/api/me`, `/api/cases/<ref>`,
`/api/floor`, `/api/escalations`), so the console can do nothing the API cannot.

Signed out (or idle too long), a page sends the browser to sign in; a rep opening a
supervisors' page or another rep's case gets a page saying so, with 403."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, redirect, render_template, url_for

from crm.call_reports import calls_by_tier
from crm.case_reports import case_report, recurring_report
from crm.models import utcnow
from ivr.console import bp
from ivr.console.charts import Bar, bar_chart
from ivr.services_access import services
from ivr.staff import csrf_token, signed_in
from voicemail.promises import promise_report


def refused(problem: str, status: int) -> Response:
    """A page saying why this page is not for them (or not there)."""
    return Response(render_template("console/refused.html", problem=problem), status)


def to_sign_in() -> Response:
    """Where a browser without a session goes."""
    return redirect(url_for("console.login_form"), 303)  # type: ignore[return-value]


@bp.get("/")
def home() -> Response:
    """A rep's own screen."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    html = render_template("console/home.html", staff=staff, csrf=csrf_token())
    return Response(html, mimetype="text/html")


@bp.get("/floor")
def floor() -> Response:
    """The supervisors' view of the floor."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    if not staff.is_supervisor:
        return refused(
            f"{staff.name}, you are signed in as a rep: the floor is for supervisors.", 403
        )
    return Response(render_template("console/floor.html", csrf=csrf_token()), mimetype="text/html")


@bp.get("/cases/<reference>")
def case(reference: str) -> Response:
    """A case its owner (or a supervisor) works on: timeline, notes, closing. Another rep gets a
    page saying whose it is, with 403; a case there is none of, 404."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    found = services().cases.get(reference)
    if found is None:
        return refused(f"There is no case {reference}.", 404)
    if found.owner != staff.id and not staff.is_supervisor:
        problem = (
            f"Case {found.reference} is {found.owner}'s: only they or a supervisor work on it."
        )
        return Response(render_template("console/refused.html", problem=problem), 403)
    html = render_template("console/case.html", reference=found.reference, csrf=csrf_token())
    return Response(html, mimetype="text/html")


@bp.get("/reports")
def reports() -> Response:
    """The reports as charts, for supervisors: callers who waited and hung up, by tier;
    promises kept and broken (callbacks this week, cases); recurring problems by category."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    if not staff.is_supervisor:
        return refused(
            f"{staff.name}, you are signed in as a rep: reports are for supervisors.", 403
        )
    redis, keys, now = services().redis, services().keys, utcnow()
    tiers = calls_by_tier(redis, keys)
    cases = case_report(redis, keys)
    week = promise_report(services().callbacks, now - timedelta(days=7), now)
    recurring: dict[str, int] = {}
    for row in recurring_report(redis, keys):
        recurring[row.category] = recurring.get(row.category, 0) + row.cases
    charts = [
        bar_chart("Callers who waited, by tier", [Bar(t.tier, t.calls) for t in tiers]),
        bar_chart(
            "Callers who hung up before a person took them, by tier",
            [Bar(t.tier, t.abandoned) for t in tiers],
        ),
        bar_chart(
            "Mean wait by tier", [Bar(t.tier, round(t.mean_wait_seconds)) for t in tiers], " s"
        ),
        bar_chart(
            "Promises of the last 7 days: callbacks",
            [Bar("kept", week.kept), Bar("broken", week.broken)],
        ),
        bar_chart(
            "Promises of closed cases",
            [Bar(answer, n) for answer, n in sorted(cases.promises.items())],
        ),
        bar_chart(
            "Recurring problems, by category", [Bar(c, n) for c, n in sorted(recurring.items())]
        ),
    ]
    return Response(render_template("console/reports.html", charts=charts), mimetype="text/html")
