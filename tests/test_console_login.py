"""Signing in to the console: the right password gives a session (a cookie scripts cannot
read and other sites cannot send), a wrong one or an unknown id the same refusal, a form
without its CSRF token nothing, and failed logins are throttled per account and per address.
Against the suite's real Redis."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm.models import Rep, Role
from crm.passwords import hash_password
from ivr import create_app
from ivr.services import Services
from ivr.settings import Settings
from ivr.staff import IDLE_SECONDS, SESSION_SEEN
from tests.staff_session import CSRF_INPUT, form_token, signed_in_as, try_login

SAM_PASSWORD = "correct horse battery"
MIA_PASSWORD = "staple and more"


@pytest.fixture
def staffed(services: Services) -> Services:
    services.reps.save_all(
        [
            Rep(
                id="sam",
                name="Sam Rivera",
                endpoint="+14155550200",
                password_hash=hash_password(SAM_PASSWORD),
            ),
            Rep(
                id="mia",
                name="Mia Chen",
                endpoint="+14155550300",
                password_hash=hash_password(MIA_PASSWORD),
                role=Role.SUPERVISOR,
            ),
        ]
    )
    return services


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser at `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_right_password_gives_a_session_cookie_and_the_rep_their_page(
    client: FlaskClient, staffed: Services
) -> None:
    answer = try_login(client, "sam", SAM_PASSWORD)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/console/")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/console/").get_data(as_text=True)
    assert "Hello, Sam Rivera" in page and "a rep" in page


def test_the_cookie_is_sent_over_https_only_where_the_line_is_served_over_it(
    settings: Settings, staffed: Services
) -> None:
    secure = create_app(settings.model_copy(update={"public_base_url": "https://line.example"}))
    answer = try_login(secure.test_client(), "sam", SAM_PASSWORD)
    assert "Secure" in answer.headers["Set-Cookie"]


def test_a_wrong_password_and_an_unknown_id_get_the_same_refusal(
    app: Flask, staffed: Services
) -> None:
    answers = [
        try_login(app.test_client(), "sam", "not it"),
        try_login(app.test_client(), "nobody", "not it"),
    ]
    assert [a.status_code for a in answers] == [401, 401]
    pages = [CSRF_INPUT.sub("", a.get_data(as_text=True)) for a in answers]
    assert "Wrong id or password." in pages[0]
    assert pages[0].replace('value="sam"', 'value="nobody"') == pages[1]


def test_a_login_without_the_forms_csrf_token_signs_nobody_in(
    client: FlaskClient, staffed: Services
) -> None:
    client.get("/console/login")
    answer = client.post("/console/login", data={"id": "sam", "password": SAM_PASSWORD})
    assert answer.status_code == 400
    assert "This form had expired" in answer.get_data(as_text=True)
    assert client.get("/console/").status_code == 303  # still signed out


def test_three_typos_are_forgiven_but_a_guessing_script_is_held_off(
    app: Flask, staffed: Services
) -> None:
    person = from_address(app, "198.51.100.7")
    for _ in range(3):
        assert try_login(person, "sam", "typo").status_code == 401
    assert try_login(person, "sam", SAM_PASSWORD).status_code == 303

    script = from_address(app, "203.0.113.9")
    for _ in range(2):  # with the person's three, five failures for sam this minute
        assert try_login(script, "sam", "guess").status_code == 401
    refused = try_login(script, "sam", SAM_PASSWORD)  # even the right password, now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # The account is held off from any address; another account is not.
    assert try_login(from_address(app, "192.0.2.1"), "sam", SAM_PASSWORD).status_code == 429
    assert try_login(script, "mia", MIA_PASSWORD).status_code == 303


def test_an_address_trying_many_accounts_is_held_off_for_all_of_them(
    app: Flask, staffed: Services
) -> None:
    script = from_address(app, "203.0.113.10")
    for n in range(30):
        assert try_login(script, f"someone-{n}", "guess").status_code == 401
    assert try_login(script, "mia", MIA_PASSWORD).status_code == 429
    assert try_login(from_address(app, "192.0.2.2"), "mia", MIA_PASSWORD).status_code == 303


def test_signing_out_ends_the_session(client: FlaskClient, staffed: Services) -> None:
    signed_in_as(client, "sam", SAM_PASSWORD)
    token = form_token(client.get("/console/"))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console/").headers["Location"] == "/console/login"


def test_an_idle_session_is_signed_out(client: FlaskClient, staffed: Services) -> None:
    signed_in_as(client, "sam", SAM_PASSWORD)
    with client.session_transaction() as session:
        session[SESSION_SEEN] = int(time.time()) - IDLE_SECONDS - 1
    assert client.get("/console/").headers["Location"] == "/console/login"
    assert client.get("/api/reps").status_code == 401
