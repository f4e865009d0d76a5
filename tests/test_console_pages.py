"""The console's pages as a browser gets them: signed out, to the sign-in form; a rep gets their
own screen (with the session's CSRF token for its scripts) and a clear 403 page for the
supervisors' floor; a supervisor gets the floor. Against the suite's real Redis."""

from __future__ import annotations

import pytest
from flask import Flask

from crm.case_rules import Actor, CaseDetails
from ivr.services import Services
from tests.staff_session import PASSWORD, hire, signed_in_as


@pytest.fixture
def staffed(services: Services) -> Services:
    hire(services, "sam", "mia")
    return services


@pytest.mark.parametrize("page", ["/console/", "/console/floor"])
def test_signed_out_every_page_sends_the_browser_to_sign_in(
    app: Flask, staffed: Services, page: str
) -> None:
    answer = app.test_client().get(page)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/console/login")


def test_a_rep_gets_their_screen_and_a_clear_refusal_of_the_floor(
    app: Flask, staffed: Services
) -> None:
    sam = app.test_client()
    token = signed_in_as(sam, "sam", PASSWORD)
    screen = sam.get("/console/").get_data(as_text=True)
    assert f'<meta name="csrf-token" content="{token}">' in screen
    assert 'data-presence="available"' in screen and "Your call" in screen
    assert "Watch the floor" not in screen
    refused = sam.get("/console/floor")
    assert refused.status_code == 403
    assert "you are signed in as a rep: the floor is for supervisors" in refused.get_data(
        as_text=True
    )


def test_a_supervisor_gets_the_floor_and_the_pages_script(app: Flask, staffed: Services) -> None:
    mia = app.test_client()
    signed_in_as(mia, "mia", PASSWORD)
    assert "Watch the floor" in mia.get("/console/").get_data(as_text=True)
    floor = mia.get("/console/floor")
    assert floor.status_code == 200
    assert "Waiting for a manager" in floor.get_data(as_text=True)
    script = mia.get("/static/console.js")
    assert script.status_code == 200 and b"function consoleFloor" in script.data


def test_a_case_page_is_its_owners_and_a_supervisors_only(app: Flask, staffed: Services) -> None:
    hire(staffed, "kim")
    reference = staffed.case_rules.open("+14155550100", "sam", "Router drops").reference
    for rep_id in ("sam", "mia"):
        browser = app.test_client()
        signed_in_as(browser, rep_id, PASSWORD)
        page = browser.get(f"/console/cases/{reference}")
        assert page.status_code == 200
        assert f'<meta name="case" content="{reference}">' in page.get_data(as_text=True)
    kim = app.test_client()
    signed_in_as(kim, "kim", PASSWORD)
    refused = kim.get(f"/console/cases/{reference}")
    assert refused.status_code == 403
    assert f"Case {reference} is sam&#39;s: only they or a supervisor work on it." in (
        refused.get_data(as_text=True)
    )
    assert kim.get("/console/cases/C-9999").status_code == 404


def test_a_supervisor_reads_the_reports_as_charts_a_rep_may_not(
    app: Flask, staffed: Services
) -> None:
    reference = staffed.case_rules.open("+14155550100", "sam", "Router drops", "line").reference
    staffed.case_rules.describe(reference, Actor("mia", True), CaseDetails(recurring=True))
    mia = app.test_client()
    signed_in_as(mia, "mia", PASSWORD)
    page = mia.get("/console/reports")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert '<svg role="img" aria-label="Recurring problems, by category: line 1"' in shown
    assert "<figcaption>Callers who waited, by tier</figcaption>" in shown
    sam = app.test_client()
    signed_in_as(sam, "sam", PASSWORD)
    assert sam.get("/console/reports").status_code == 403
