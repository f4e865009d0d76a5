"""The console in a real browser (Debian's Chromium, headless, driven by Playwright), against the
line served over HTTP with the simulator playing Twilio: a rep signs in, goes available, and
sees a call pop up with the caller's case before answering, without a reload, takes it and
sees it on the case's timeline, and adds a note; two supervisors
accept one escalation at once and only one gets it, the other is told. Each view is kept as a
screenshot in `screenshots/` (not committed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from crm.models import Customer, Presence, Rep, Role
from crm.passwords import hash_password
from tests.conftest import Line

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
PASSWORD = "a long enough password"
SHOWN_WITHIN_MS = 10_000  # two polls of the page, and the call's way through the line


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browsers are not downloaded)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is not installed: `apt-get install chromium` (.ci/run does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def floor(line: Line) -> Line:
    hashed = hash_password(PASSWORD)
    line.services.customers.save_all([ADA])
    line.services.reps.save_all(
        [
            Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash=hashed),
            Rep(
                id="mo",
                name="Mo Diaz",
                endpoint="+14155550300",
                password_hash=hashed,
                role=Role.SUPERVISOR,
            ),
            Rep(
                id="jo",
                name="Jo Park",
                endpoint="+14155550301",
                password_hash=hashed,
                role=Role.SUPERVISOR,
            ),
        ]
    )
    line.sim.add_person("+14155550200", name="sam", presses=None)  # hears the whisper, waits
    line.sim.add_person("+14155550300", name="mo")
    line.sim.add_person("+14155550301", name="jo")
    for supervisor in ("mo", "jo"):
        line.services.presence.set(supervisor, Presence.AWAY)  # watching, not on the phones
    return line


def signed_in(browser: Browser, line: Line, rep_id: str) -> Page:
    """A browser context of its own, signed in as `rep_id` through the form."""
    page = browser.new_context().new_page()
    page.goto(f"{line.url}/console/login")
    page.fill("#id", rep_id)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Hello,")
    return page


def test_a_call_pops_up_with_the_callers_case_and_taking_it_shows_on_the_case(
    chromium: Browser, floor: Line
) -> None:
    reference = floor.services.case_rules.open(ADA.phone, "sam", "Router drops").reference
    page = signed_in(chromium, floor, "sam")
    page.click("text=Available")
    expect(page.locator("#presence")).to_have_text("available", timeout=SHOWN_WITHIN_MS)
    floor.call(ADA.phone)  # Ada's case is Sam's: the call goes to him first
    call = page.locator("#call")
    expect(call).to_contain_text("Calling: Ada Lovelace", timeout=SHOWN_WITHIN_MS)
    expect(call).to_contain_text(f"Case {reference}: Router drops")
    expect(call).to_contain_text("Tier: gold. Line: support.")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rep-view.png"), full_page=True)

    floor.sim.switch.legs_to("sam")[0].press("1")  # Sam takes it: the call goes on the case
    page.click(f"#cases a:has-text('{reference}')")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("call by sam", timeout=SHOWN_WITHIN_MS)
    page.fill("#note-text", "Firmware update sent")
    page.click("#note button")
    expect(timeline).to_contain_text("note by sam — Firmware update sent", timeout=SHOWN_WITHIN_MS)
    page.screenshot(path=str(SCREENSHOTS / "case-view.png"), full_page=True)


def test_two_supervisors_accept_one_escalation_and_only_one_gets_it(
    chromium: Browser, floor: Line
) -> None:
    mo, jo = signed_in(chromium, floor, "mo"), signed_in(chromium, floor, "jo")
    for page in (mo, jo):
        page.goto(f"{floor.url}/console/floor")
    call = floor.call(ADA.phone)
    call.press("9")
    call.expect_enqueue("managers")
    for page in (mo, jo):
        expect(page.locator("#escalations")).to_contain_text(
            "Ada Lovelace", timeout=SHOWN_WITHIN_MS
        )
    SCREENSHOTS.mkdir(exist_ok=True)
    mo.screenshot(path=str(SCREENSHOTS / "supervisor-floor.png"), full_page=True)
    jo.click("#escalations button")
    mo.click("#escalations button")
    expect(mo.locator("#escalation-problem")).to_contain_text("already taken by jo")
    call.expect_bridged("jo")
    expect(mo.locator("#escalations")).to_contain_text(
        "Nobody is waiting for a manager.", timeout=SHOWN_WITHIN_MS
    )
