"""Who may use the API: a rep or supervisor signed in to the console (their unsafe requests
carry the session's CSRF token), or `Authorization: Bearer $IVR_API_TOKEN`, a service identity
with supervisor rights. Without a configured token, only signed-in staff get in."""

from __future__ import annotations

from typing import TypeVar, cast

from flask import Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from crm.models import explain
from ivr.api import bp
from ivr.services_access import services
from ivr.staff import Staff, csrf_refused, signed_in, token_holder

M = TypeVar("M", bound=BaseModel)


def error(status: int, message: str) -> Response:
    """A JSON error the way every API answer fails: `{"error": "..."}`."""
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.before_request
def require_staff() -> Response | None:
    """Refuse anyone but signed-in staff and the token's holder, and a session's unsafe
    request without its CSRF token."""
    if request.headers.get("Authorization"):
        if not services().settings.ivr_api_token:
            return error(401, "the API takes no token: IVR_API_TOKEN is not configured")
        staff = token_holder()
        if staff is None:
            return error(401, "a valid 'Authorization: Bearer <token>' header is required")
    else:
        staff = signed_in()
        if staff is None:
            return error(
                401, "sign in to the console, or send an 'Authorization: Bearer <token>' header"
            )
        if refused := csrf_refused():
            return error(403, refused)
    g.staff = staff
    return None


def asking() -> Staff:
    """Who this API request acts for (the guard above let them in)."""
    return cast(Staff, g.staff)


def not_theirs(owner: str, what: str) -> Response | None:
    """403 unless the asker is `owner` or a supervisor (anyone may act on what has no owner)."""
    staff = asking()
    if not owner or staff.is_supervisor or staff.id == owner:
        return None
    return error(403, f"only {owner} or a supervisor may {what}")


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response | HTTPException:
    """Flask's own errors (404, 405, ...) under /api/ as JSON too, even for unknown paths."""
    if not request.path.startswith(bp.url_prefix or "/api"):
        return exc
    return error(exc.code or 500, exc.description or exc.name)


def body(model: type[M]) -> M:
    """The request's JSON body as `model`, or a 400 naming what is wrong."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadInput("the body must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise BadInput(explain(exc)) from None


class BadInput(ValueError):
    """Request input the API cannot use: answered 400."""


@bp.errorhandler(BadInput)
def bad_input(exc: BadInput) -> Response:
    """A 400 with what to fix."""
    return error(400, str(exc))
