"""The customer's status page: `GET /status` asks for a case reference and the phone number
given with it, `POST /status` shows that case in plain words (status, the owner's first name,
the promise, what happened) only when both match.

A wrong phone and a reference that does not exist get the same answer (`ivr.case_lookup`).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from pydantic import BaseModel, Field, ValidationError

from crm.phones import InvalidPhoneNumber, to_e164
from ivr import case_lookup
from ivr.case_story import story_of
from ivr.services_access import services
from ivr.throttle import try_again_in

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
    try:
        phone = to_e164(given.phone, services().settings.region)
    except InvalidPhoneNumber:
        phone = ""
    found = case_lookup.look_up(services(), reference, phone, request.remote_addr or "")
    if found.wait_seconds:
        problem = f"Too many tries. {try_again_in(found.wait_seconds)}"
        response = page("status/form.html", 429, problem=problem, reference=reference)
        response.headers["Retry-After"] = str(found.wait_seconds)
        return response
    if found.case is None:
        return page("status/form.html", 404, problem=NOT_FOUND, reference="")
    return page("status/case.html", story=story_of(services(), found.case))
