"""Speak to a manager, always: calls through the simulator over real HTTP, with supervisors
taking manager calls, accepting escalations by the API, and the managers' voicemail when
nobody comes in time."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from crm.models import Customer, Presence, Rep, Role
from crm.passwords import hash_password
from ivr.settings import Settings
from simulator.script import Call
from tests.conftest import Line, running_line
from tests.staff_session import browser

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
MO = Rep(id="mo", name="Mo Diaz", endpoint="+14155550300", password_hash="x", role=Role.SUPERVISOR)
JO = Rep(id="jo", name="Jo Park", endpoint="+14155550301", password_hash="x", role=Role.SUPERVISOR)
# A manager call waits 3 s for a supervisor before the managers' voicemail is offered.
ROUTING = """
routing:
  manager_wait_seconds: 3
  wrap_up_seconds: 30
"""


@pytest.fixture
def floor(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    """The line with Ada, Sam (a rep, on a call) and Mo and Jo (supervisors, away from the
    phone's rotation but watching escalations)."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(Path("callflows/default.yaml").read_text() + ROUTING)
    with running_line(settings.model_copy(update={"ivr_callflow": flow})) as line:
        line.services.customers.save_all([ADA])
        line.services.reps.save_all([SAM, MO, JO])
        line.services.presence.set(SAM.id, Presence.BUSY)
        for rep in (SAM, MO, JO):
            line.sim.add_person(rep.endpoint, name=rep.id)
        for supervisor in (MO, JO):
            line.services.presence.set(supervisor.id, Presence.AWAY)
        yield line


def api(line: Line, method: str, path: str, **json: str) -> requests.Response:
    """Call the line's JSON API with its token, as the console or an integration would."""
    token = line.services.settings.ivr_api_token
    return requests.request(
        method,
        f"{line.url}/api{path}",
        json=json or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def asks_for_a_manager(line: Line) -> Call:
    """Ada calls and presses 9 for a manager."""
    call = line.call(ADA.phone)
    call.press("9")
    call.expect_say("Connecting you to a manager")
    return call


def test_a_free_supervisor_is_rung_for_a_manager_call_and_hears_why(floor: Line) -> None:
    floor.services.presence.set("mo", Presence.AVAILABLE)
    call = asks_for_a_manager(floor)
    call.expect_bridged("mo")
    (mo,) = floor.sim.switch.legs_to("mo")
    mo.expect_say("Ada Lovelace is calling.")
    mo.expect_say("Gold customer, for managers.")


def test_an_escalation_is_listed_and_the_first_supervisor_to_accept_gets_it(floor: Line) -> None:
    call = asks_for_a_manager(floor)
    call.expect_enqueue("managers")
    (waiting,) = api(floor, "GET", "/escalations").json()["escalations"]
    assert waiting["id"] == call.sid
    assert (waiting["name"], waiting["reason"]) == ("Ada Lovelace", "asked for a manager")
    first = api(floor, "POST", f"/escalations/{call.sid}/accept", supervisor="jo")
    second = api(floor, "POST", f"/escalations/{call.sid}/accept", supervisor="mo")
    assert first.status_code == 200, first.json()
    assert second.status_code == 409
    assert second.json() == {"error": f"escalation {call.sid} was already taken by jo"}
    call.expect_bridged("jo")
    assert floor.sim.switch.legs_to("mo") == []
    assert api(floor, "GET", "/escalations").json()["escalations"] == []


def test_only_a_supervisor_accepts_and_only_a_waiting_escalation(floor: Line) -> None:
    call = asks_for_a_manager(floor)
    call.expect_enqueue("managers")
    by_a_rep = api(floor, "POST", f"/escalations/{call.sid}/accept", supervisor="sam")
    assert by_a_rep.status_code == 403
    unknown = api(floor, "POST", "/escalations/CA0000/accept", supervisor="mo")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "no escalation CA0000 is waiting"}
    assert api(floor, "GET", "/escalations").json()["escalations"][0]["id"] == call.sid


def test_nobody_accepting_in_time_offers_the_managers_voicemail(floor: Line) -> None:
    call = asks_for_a_manager(floor)
    call.expect_enqueue("managers")
    call.expect_say("no manager is free right now")
    call.expect_say("We will call you back by")
    call.expect_record()
    assert "no-manager" in floor.services.calls.get(call.sid).path


def test_a_rep_hands_a_live_call_up_to_a_manager(floor: Line) -> None:
    floor.services.presence.set("sam", Presence.AVAILABLE)
    call = floor.call(ADA.phone)
    call.press("0")
    call.expect_bridged("sam")
    handed = api(floor, "POST", f"/calls/{call.sid}/escalate", reason="wants a refund")
    assert handed.status_code == 200
    call.expect_say("passing you to a manager")
    call.expect_enqueue("managers")
    (waiting,) = api(floor, "GET", "/escalations").json()["escalations"]
    assert waiting["reason"] == "wants a refund"
    assert floor.services.presence.states()["sam"] is Presence.WRAP_UP
    again = api(floor, "POST", f"/calls/{call.sid}/escalate", reason="again")
    assert again.status_code == 409


def console(line: Line, rep: Rep, password: str) -> tuple[requests.Session, str]:
    """`rep`, with `password`, signed in to the console in a browser of their own."""
    line.services.reps.save_all([rep.model_copy(update={"password_hash": hash_password(password)})])
    return browser(line.url, rep.id, password)


def test_two_signed_in_supervisors_accept_at_once_and_only_the_first_gets_the_call(
    floor: Line,
) -> None:
    (mo, mo_token), (jo, jo_token) = console(floor, MO, "mo-pass"), console(floor, JO, "jo-pass")
    call = asks_for_a_manager(floor)
    call.expect_enqueue("managers")
    accept = f"{floor.url}/api/escalations/{call.sid}/accept"
    first = jo.post(accept, json={}, headers={"X-CSRF-Token": jo_token}, timeout=10)
    second = mo.post(accept, json={}, headers={"X-CSRF-Token": mo_token}, timeout=10)
    assert (first.status_code, first.json()) == (200, {"id": call.sid, "accepted_by": "jo"})
    assert second.status_code == 409
    call.expect_bridged("jo")


def test_a_signed_in_rep_neither_accepts_for_managers_nor_for_someone_else(floor: Line) -> None:
    sam, sam_token = console(floor, SAM, "sam-pass")
    mo, mo_token = console(floor, MO, "mo-pass")
    call = asks_for_a_manager(floor)
    call.expect_enqueue("managers")
    accept = f"{floor.url}/api/escalations/{call.sid}/accept"
    by_rep = sam.post(accept, json={}, headers={"X-CSRF-Token": sam_token}, timeout=10)
    assert (by_rep.status_code, by_rep.json()) == (
        403,
        {"error": "sam is not a supervisor; only supervisors take manager calls"},
    )
    for_jo = mo.post(accept, json={"supervisor": "jo"}, headers={"X-CSRF-Token": mo_token})
    assert (for_jo.status_code, for_jo.json()) == (
        403,
        {"error": "mo may accept a manager call only for themselves"},
    )
    forged = mo.post(accept, json={}, timeout=10)  # another site's page has no token
    assert forged.status_code == 403
    assert api(floor, "GET", "/escalations").json()["escalations"][0]["id"] == call.sid
