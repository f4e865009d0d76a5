"""Signing staff in to the console, as a browser would (from a Flask test client, or over HTTP):
the form's CSRF token read from the page, then the form posted."""

from __future__ import annotations

import re

import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from crm.models import Rep, Role
from crm.passwords import hash_password
from ivr.services import Services

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page: TestResponse) -> str:
    """The CSRF token a console page's forms carry."""
    found = CSRF_INPUT.search(page.get_data(as_text=True))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def try_login(client: FlaskClient, rep_id: str, password: str) -> TestResponse:
    """Fill in and post the sign-in form."""
    token = form_token(client.get("/console/login"))
    return client.post(
        "/console/login", data={"id": rep_id, "password": password, "csrf_token": token}
    )


def signed_in_as(client: FlaskClient, rep_id: str, password: str) -> str:
    """Sign in (it must work); the session's CSRF token, for the API's unsafe requests."""
    answer = try_login(client, rep_id, password)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return form_token(client.get("/console/"))


def browser(base_url: str, rep_id: str, password: str) -> tuple[requests.Session, str]:
    """A browser signed in to the console over HTTP: its cookies, and the CSRF token its
    scripts send with every unsafe API request."""
    session = requests.Session()
    page = session.get(f"{base_url}/console/login", timeout=10).text
    signed = session.post(
        f"{base_url}/console/login",
        data={"id": rep_id, "password": password, "csrf_token": CSRF_INPUT.findall(page)[0]},
        timeout=10,
    )
    assert signed.status_code == 200 and "Hello," in signed.text, signed.text
    return session, CSRF_INPUT.findall(signed.text)[0]


PASSWORD = "a long enough password"
# The staff the console and API tests sign in as: two reps and a supervisor.
STAFF = {
    "sam": Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x"),
    "kim": Rep(id="kim", name="Kim Lee", endpoint="+14155550201", password_hash="x"),
    "mia": Rep(
        id="mia", name="Mia Chen", endpoint="+14155550300", password_hash="x", role=Role.SUPERVISOR
    ),
}


def hire(services: Services, *rep_ids: str) -> None:
    """Save these of `STAFF` (all, when none is named), each with `PASSWORD`."""
    hashed = hash_password(PASSWORD)
    services.reps.save_all(
        [STAFF[rep_id].model_copy(update={"password_hash": hashed}) for rep_id in rep_ids or STAFF]
    )
