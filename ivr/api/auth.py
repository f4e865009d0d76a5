"""Who may use the API: `Authorization: Bearer $IVR_API_TOKEN`, a service identity with
supervisor rights. Without a configured token the API is closed rather than open."""

from __future__ import annotations

import hmac
from typing import TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from crm.models import explain
from ivr.api import bp
from ivr.services_access import services

M = TypeVar("M", bound=BaseModel)


def error(status: int, message: str) -> Response:
    """A JSON error the way every API answer fails: `{"error": "..."}`."""
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.before_request
def require_token() -> Response | None:
    """Refuse any request without the API token (compared in constant time)."""
    token = services().settings.ivr_api_token
    if not token:
        return error(401, "the API is closed: IVR_API_TOKEN is not configured")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(
        given.removeprefix("Bearer ").encode(), token.encode()
    ):
        return error(401, "a valid 'Authorization: Bearer <token>' header is required")
    return None


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
