"""Who is using the console or the API: a rep or supervisor signed in to the console (a session
cookie, forgotten after an idle hour), or a service with `IVR_API_TOKEN`, which has a
supervisor's rights.

A session is only a rep's id: their role is read from the directory on every request, so a rep
removed or made a supervisor is treated as such at once. Every unsafe request made with a
session carries its CSRF token (a form field or the `X-CSRF-Token` header): another site's page
cannot post as the rep; a token holder has no cookie to abuse and needs none.
"""

from __future__ import annotations

import hmac
import time

from flask import request, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from pydantic import BaseModel, ConfigDict
from wtforms import ValidationError

from crm.models import Rep, Role
from ivr.services_access import services

SESSION_REP = "rep"
SESSION_SEEN = "seen"
IDLE_SECONDS = 60 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Staff(BaseModel):
    """Someone the console and API act for."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role
    by_token: bool = False

    @property
    def is_supervisor(self) -> bool:
        """Supervisors (and the API token) may act on anyone's work."""
        return self.role is Role.SUPERVISOR


SERVICE = Staff(id="api-token", name="API token", role=Role.SUPERVISOR, by_token=True)


def sign_in(rep: Rep) -> None:
    """Start a new session for `rep` (a new CSRF token with it: none from before carries over)."""
    session.clear()
    session[SESSION_REP] = rep.id
    session[SESSION_SEEN] = int(time.time())


def sign_out() -> None:
    """Forget the session."""
    session.clear()


def signed_in() -> Staff | None:
    """The rep of this request's session, if it is theirs and not idle too long."""
    rep_id = session.get(SESSION_REP)
    if not rep_id:
        return None
    now = int(time.time())
    rep = services().reps.get(rep_id)
    if rep is None or now - int(session.get(SESSION_SEEN, 0)) > IDLE_SECONDS:
        sign_out()
        return None
    session[SESSION_SEEN] = now
    return Staff(id=rep.id, name=rep.name, role=rep.role)


def token_holder() -> Staff | None:
    """The service, when the request carries the API token (compared in constant time)."""
    given = request.headers.get("Authorization", "")
    token = services().settings.ivr_api_token
    if not token or not given.startswith("Bearer "):
        return None
    if not hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode()):
        return None
    return SERVICE


def csrf_token() -> str:
    """The token this session's forms and scripts send back with every unsafe request."""
    return str(generate_csrf())


def csrf_refused() -> str | None:
    """Why this unsafe request made with a session is refused: its CSRF token is missing or
    not this session's. None when it is a safe request, or carries the right token."""
    if request.method in SAFE_METHODS:
        return None
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    try:
        validate_csrf(given)  # no time limit of its own: the session's idle hour bounds it
    except ValidationError:
        return f"this request needs the session's CSRF token ({CSRF_HEADER} or {CSRF_FIELD})"
    return None
