"""The customer's status page: `GET /status` asks for a case reference and the phone number
given with it, `POST /status` shows that case in plain words (status, the owner's first name,
the promise, what happened) only when both match.

A wrong phone and a reference that does not exist get the same answer after the same work (the
case is read either way), so the page does not tell which references exist; failed lookups are
throttled per reference and per address, so neither can be guessed at speed.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, render_template, request
from pydantic import BaseModel, Field, ValidationError

from crm.phones import InvalidPhoneNumber, to_e164
from ivr.case_story import first_names, tell
from ivr.services_access import services

bp = Blueprint("status", __name__)

NOT_FOUND = (
    "We couldn't find a case with that reference and phone number. Please check both and try again."
)
INCOMPLETE = "Please give your case reference and the phone number you gave us."


class Lookup(BaseModel):
    """The form's fields."""

    reference: str = Field(min_length=1, max_length=32)
    phone: str = Field(min_length=1, max_length=32)


def page(template: str, status: int = 200, **shown: object) -> Response:
    """A status page, never cached nor passed on as a referrer (it names a case)."""
    response = Response(render_template(template, **shown), status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/status")
def form() -> Response:
    """The lookup form."""
    return page("status/form.html", problem="", reference="")


@bp.post("/status")
def look_up() -> Response:
    """The case, when its reference and phone match; otherwise the form, saying so."""
    try:
        given = Lookup.model_validate(request.form.to_dict())
    except ValidationError:
        return page("status/form.html", 400, problem=INCOMPLETE, reference="")
    reference = given.reference.strip().upper()
    address = request.remote_addr or ""
    lookups = services().status_lookups
    wait = lookups.wait_seconds(reference=reference, address=address)
    if wait:
        minutes = max(1, round(wait / 60))
        problem = (
            f"Too many tries. Please try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        response = page("status/form.html", 429, problem=problem, reference=reference)
        response.headers["Retry-After"] = str(wait)
        return response
    case = services().cases.get(reference)
    try:
        phone = to_e164(given.phone, services().settings.region)
    except InvalidPhoneNumber:
        phone = ""
    stored = case.customer_phone if case else ""
    if case is None or not hmac.compare_digest(stored.encode(), phone.encode()):
        lookups.failed(reference=reference, address=address)
        return page("status/form.html", 404, problem=NOT_FOUND, reference="")
    timeline = services().cases.timeline(case.reference)
    names = {rep.id: rep.name for rep in services().reps.all()}
    story = tell(case, timeline, first_names(names), services().flow)
    return page("status/case.html", story=story)
