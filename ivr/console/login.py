"""Signing in to the console (`id` and `password`, checked against the hashes `ivr import reps`
stored) and out again.

A wrong id and a wrong password get the same answer, after the same work (an unknown id's
password is checked against a hash of nothing), so the form does not tell which ids exist.
"""

from __future__ import annotations

from functools import cache

from flask import Response, redirect, render_template, request, url_for
from pydantic import BaseModel, Field, ValidationError

from crm.passwords import hash_password, verify_password
from ivr.console import bp
from ivr.services_access import services
from ivr.staff import csrf_refused, csrf_token, sign_in, sign_out, signed_in
from ivr.throttle import try_again_in

WRONG = "Wrong id or password."
EXPIRED = "This form had expired. Please sign in again."


class Credentials(BaseModel):
    """The login form's fields."""

    id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


@cache
def _hash_of_nothing() -> str:
    return hash_password("")


def login_page(problem: str = "", rep_id: str = "", status: int = 200) -> Response:
    """The sign-in form, with what went wrong last time."""
    html = render_template("console/login.html", problem=problem, rep_id=rep_id, csrf=csrf_token())
    return Response(html, status, mimetype="text/html")


@bp.get("/login")
def login_form() -> Response:
    """The sign-in form."""
    return login_page()


@bp.post("/login")
def login() -> Response:
    """Check the id and password; a session for the rep, or the form again saying why not."""
    if csrf_refused():
        return login_page(EXPIRED, status=400)
    try:
        given = Credentials.model_validate(request.form.to_dict())
    except ValidationError:
        return login_page("Please give your id and your password.", status=400)
    address = request.remote_addr or ""
    logins = services().logins
    wait = logins.wait_seconds(account=given.id, address=address)
    if wait:
        response = login_page(f"Too many failed sign-ins. {try_again_in(wait)}", given.id, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    rep = services().reps.get(given.id)
    if not verify_password(given.password, rep.password_hash if rep else _hash_of_nothing()):
        logins.failed(account=given.id, address=address)
        return login_page(WRONG, given.id, 401)
    assert rep is not None  # a password checked out against its hash
    sign_in(rep)
    return redirect(url_for("console.home"), 303)  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    """End the session (a form on a page of ours: it carries the CSRF token)."""
    if signed_in() is not None and csrf_refused():
        return login_page(EXPIRED, status=400)
    sign_out()
    return redirect(url_for("console.login_form"), 303)  # type: ignore[return-value]
