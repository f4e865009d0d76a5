"""The customer's status page: their case in plain words when the reference and phone both
match; for a real reference with a wrong phone and for a made-up reference the same answer,
byte for byte, in about the same time; failed lookups throttled by reference and by address.
Against the suite's real Redis."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from crm.case_rules import Actor
from ivr.services import Services
from tests.staff_session import STAFF

ADA = "+14155550100"
SAM = Actor(id="sam", supervisor=False)


@pytest.fixture
def case(services: Services) -> str:
    services.reps.save_all(list(STAFF.values()))
    reference = services.cases.open(ADA, "sam", "Router drops every evening").reference
    rules = services.case_rules
    rules.note(reference, SAM, "Customer sounded annoyed; check the firmware")
    rules.promise(reference, datetime.now(UTC) + timedelta(days=1), SAM)
    rules.reassign(reference, "kim", SAM)
    return reference


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def look_up(client: FlaskClient, reference: str, phone: str) -> TestResponse:
    return client.post("/status", data={"reference": reference, "phone": phone})


def test_the_customer_sees_their_case_in_plain_words(app: Flask, case: str) -> None:
    client = from_address(app, "198.51.100.1")
    assert "Where is my case?" in client.get("/status").get_data(as_text=True)
    answer = look_up(client, case.lower(), "(415) 555-0100")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert f"Case {case}" in page and "About: Router drops every evening" in page
    assert "open: we&#39;re working on it" in page and "Kim is looking after it." in page
    assert "We promised an answer by <strong>tomorrow at" in page
    assert "Opened: Router drops every evening" in page and "Now looked after by Kim" in page
    assert "firmware" not in page  # the staff's own notes stay with the staff


def test_a_wrong_phone_and_a_made_up_reference_get_the_same_answer(app: Flask, case: str) -> None:
    wrong_phone = look_up(from_address(app, "198.51.100.2"), case, "+14155550199")
    made_up = look_up(from_address(app, "198.51.100.3"), "C-9999", ADA)
    assert (wrong_phone.status_code, made_up.status_code) == (404, 404)
    assert wrong_phone.get_data() == made_up.get_data()
    assert wrong_phone.headers == made_up.headers
    assert b"couldn&#39;t find a case with that reference and phone number" in made_up.get_data()


def test_the_time_taken_does_not_tell_a_real_reference_from_a_made_up_one(
    app: Flask, services: Services, case: str
) -> None:
    real_references = [services.cases.open(ADA, "sam", f"Problem {n}").reference for n in range(40)]
    real: list[float] = []
    made_up: list[float] = []
    for n, reference in enumerate(real_references):  # interleaved; each tried once, from an
        for tried, times in ((reference, real), (f"C-{9000 + n}", made_up)):  # address of its own
            client = from_address(app, f"10.0.{n}.{len(times)}")
            started = time.perf_counter()
            assert look_up(client, tried, "+14155550199").status_code == 404
            times.append(time.perf_counter() - started)
    gap = abs(statistics.median(real) - statistics.median(made_up))
    quartiles = [statistics.quantiles(times, n=4) for times in (real, made_up)]
    noise = max(upper - lower for lower, _, upper in quartiles)
    assert gap <= max(noise, 0.0005), (
        f"medians {gap * 1000:.2f} ms apart, noise {noise * 1000:.2f} ms"
    )


def test_guessing_a_phone_for_a_reference_is_held_off_from_any_address(
    app: Flask, case: str
) -> None:
    for n in range(5):
        assert (
            look_up(from_address(app, f"203.0.113.{n}"), case, f"+1415555{n:04d}").status_code
            == 404
        )
    held = look_up(from_address(app, "203.0.113.99"), case, ADA)  # the right phone, now
    assert held.status_code == 429
    assert "Too many tries. Please try again in 1 minute." in held.get_data(as_text=True)
    assert int(held.headers["Retry-After"]) <= 60


def test_an_address_trying_many_references_is_held_off(app: Flask, case: str) -> None:
    script = from_address(app, "203.0.113.200")
    for n in range(10):
        assert look_up(script, f"C-{7000 + n}", ADA).status_code == 404
    assert look_up(script, case, ADA).status_code == 429
    assert look_up(from_address(app, "192.0.2.5"), case, ADA).status_code == 200


def test_a_lookup_without_both_fields_is_asked_again(client: FlaskClient, case: str) -> None:
    answer = client.post("/status", data={"reference": case})
    assert answer.status_code == 400
    assert "Please give your case reference and the phone number" in answer.get_data(as_text=True)
