"""The console's pages: a rep's own screen (presence, the call ringing them with who and why,
their cases and callbacks), a case's page (timeline, notes, closing) for its owner, and, for
supervisors, the floor (escalations to accept, callers waiting, reps, callbacks at risk). Each
page is a frame the browser fills from the JSON API (`/api/me`, `/api/cases/<ref>`,
`/api/floor`, `/api/escalations`), so the console can do nothing the API cannot.

Signed out (or idle too long), a page sends the browser to sign in; a rep opening a
supervisors' page or another rep's case gets a page saying so, with 403."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for

from ivr.console import bp
from ivr.console.report_charts import report_charts
from ivr.services_access import services
from ivr.staff import Staff, csrf_token, signed_in


def refused(problem: str, status: int) -> Response:
    """A page saying why this page is not for them (or not there)."""
    return Response(render_template("console/refused.html", problem=problem), status)


def staff_page(for_supervisors: str = "") -> Staff | Response:
    """Who opens a page: the signed-in rep, or where to send the browser instead (to sign in;
    a 403 page for a rep opening a page `for_supervisors`, which names it)."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    if for_supervisors and not staff.is_supervisor:
        return refused(
            f"{staff.name}, you are signed in as a rep: {for_supervisors} for supervisors.", 403
        )
    return staff


def to_sign_in() -> Response:
    """Where a browser without a session goes."""
    return redirect(url_for("console.login_form"), 303)  # type: ignore[return-value]


@bp.get("/")
def home() -> Response:
    """A rep's own screen."""
    staff = staff_page()
    if isinstance(staff, Response):
        return staff
    html = render_template("console/home.html", staff=staff, csrf=csrf_token())
    return Response(html, mimetype="text/html")


@bp.get("/floor")
def floor() -> Response:
    """The supervisors' view of the floor."""
    if isinstance(staff := staff_page(for_supervisors="the floor is"), Response):
        return staff
    return Response(render_template("console/floor.html", csrf=csrf_token()), mimetype="text/html")


@bp.get("/cases/<reference>")
def case(reference: str) -> Response:
    """A case its owner (or a supervisor) works on: timeline, notes, closing. Another rep gets a
    page saying whose it is, with 403; a case there is none of, 404."""
    staff = staff_page()
    if isinstance(staff, Response):
        return staff
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
    """The reports as charts, for supervisors (`ivr.console.report_charts`)."""
    if isinstance(staff := staff_page(for_supervisors="reports are"), Response):
        return staff
    charts = report_charts(services())
    return Response(render_template("console/reports.html", charts=charts), mimetype="text/html")
