"""The cases API: the rep who opens a case owns it; only the owner or a supervisor closes,
resolves, reassigns it or changes its promise (from a session or with the token), anyone on
the staff adds a note; every change is on the timeline with who made it; lists filter and
page; each refusal has its status and reason and changes nothing. Against the real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm.case_rules import Actor
from crm.models import CaseStatus, Customer
from ivr.services import Services
from tests.staff_session import PASSWORD, hire, signed_in_as

TOKEN = {"Authorization": "Bearer test-api-token-0123456789"}
ADA = "+14155550100"


@pytest.fixture
def staffed(services: Services) -> Services:
    hire(services)
    services.customers.save_all([Customer(phone=ADA, name="Ada Lovelace", spend=Decimal(10))])
    return services


class Desk:
    """A signed-in browser: get and post with the session's CSRF token."""

    def __init__(self, app: Flask, rep_id: str) -> None:
        self.client: FlaskClient = app.test_client()
        self.csrf = {"X-CSRF-Token": signed_in_as(self.client, rep_id, PASSWORD)}

    def post(self, path: str, **json: object) -> tuple[int, dict[str, object]]:
        answer = self.client.post(f"/api{path}", json=json, headers=self.csrf)
        return answer.status_code, answer.json

    def get(self, path: str) -> tuple[int, dict[str, object]]:
        answer = self.client.get(f"/api{path}")
        return answer.status_code, answer.json


def sams_case(app: Flask) -> str:
    status, case = Desk(app, "sam").post("/cases", phone="(415) 555-0100", subject="No dial tone")
    assert status == 201, case
    return str(case["reference"])


def test_the_rep_who_opens_a_case_owns_it_and_it_starts_its_timeline(
    app: Flask, staffed: Services
) -> None:
    status, case = Desk(app, "sam").post(
        "/cases", phone="(415) 555-0100", subject="No dial tone", category="line"
    )
    assert status == 201
    assert (case["phone"], case["owner"], case["status"], case["category"]) == (
        ADA,
        "sam",
        "open",
        "line",
    )
    assert [(e["kind"], e["by"]) for e in case["timeline"]] == [("opened", "sam")]
    assert [c.reference for c in staffed.cases.open_for_owner("sam")] == [case["reference"]]


@pytest.mark.parametrize(
    ("path", "body", "doing"),
    [
        ("close", {}, "close"),
        ("resolve", {}, "resolve"),
        ("reassign", {"to": "kim"}, "reassign"),
        ("promise", {"by": "2099-01-01T12:00:00+00:00"}, "change the promise of"),
    ],
)
def test_only_the_owner_or_a_supervisor_changes_a_case(
    app: Flask, staffed: Services, path: str, body: dict[str, str], doing: str
) -> None:
    reference = sams_case(app)
    before = staffed.cases.timeline(reference)
    promised = staffed.cases.get(reference).promised_by  # type: ignore[union-attr]
    status, refused = Desk(app, "kim").post(f"/cases/{reference}/{path}", **body)
    assert (status, refused) == (
        403,
        {"error": f"only sam or a supervisor may {doing} case {reference}"},
    )
    case = staffed.cases.get(reference)
    assert case is not None and (case.status, case.owner, case.promised_by) == (
        CaseStatus.OPEN,
        "sam",
        promised,
    )
    assert staffed.cases.timeline(reference) == before
    status, _ = Desk(app, "mia").post(f"/cases/{reference}/{path}", **body)
    assert status == 200
    assert staffed.cases.timeline(reference)[-1].by == "mia"


def test_the_token_acts_as_a_supervisor(client: FlaskClient, app: Flask, staffed: Services) -> None:
    reference = sams_case(app)
    answer = client.post(f"/api/cases/{reference}/close", json={"reason": "dup"}, headers=TOKEN)
    assert (answer.status_code, answer.json["status"]) == (200, "closed")
    assert staffed.cases.timeline(reference)[-1].by == "api-token"


def test_a_reassigned_case_is_the_new_owners_and_the_change_says_who_made_it(
    app: Flask, staffed: Services
) -> None:
    reference = sams_case(app)
    sam = Desk(app, "sam")
    status, case = sam.post(f"/cases/{reference}/reassign", to="kim")
    assert (status, case["owner"]) == (200, "kim")
    last = staffed.cases.timeline(reference)[-1]
    assert (last.kind, last.by, last.text) == ("reassigned", "sam", "sam to kim")
    assert [c.reference for c in staffed.cases.open_for_owner("kim")] == [reference]
    assert staffed.cases.open_for_owner("sam") == []
    assert sam.post(f"/cases/{reference}/close")[0] == 403  # no longer Sam's
    assert Desk(app, "kim").post(f"/cases/{reference}/close", reason="fixed")[0] == 200


def test_changes_the_state_does_not_allow_are_refused_with_the_reason(
    app: Flask, staffed: Services
) -> None:
    reference = sams_case(app)
    sam = Desk(app, "sam")
    assert sam.post(f"/cases/{reference}/reassign", to="nobody") == (
        404,
        {"error": "no rep with id 'nobody'"},
    )
    assert sam.post("/cases/C-9999/close") == (404, {"error": "no case C-9999"})
    assert sam.post(f"/cases/{reference}/promise", by="2000-01-01T00:00:00+00:00") == (
        409,
        {"error": "a promise must be in the future"},
    )
    assert sam.post(f"/cases/{reference}/close")[0] == 200
    assert sam.post(f"/cases/{reference}/close") == (
        409,
        {"error": f"case {reference} is closed; it cannot be closed again"},
    )
    assert sam.post(f"/cases/{reference}/resolve") == (
        409,
        {"error": f"case {reference} is closed, not open"},
    )


def test_anyone_on_the_staff_adds_a_note(app: Flask, staffed: Services) -> None:
    reference = sams_case(app)
    status, note = Desk(app, "kim").post(f"/cases/{reference}/notes", text="Customer rang again")
    assert (status, note["by"], note["kind"]) == (201, "kim", "note")
    status, case = Desk(app, "sam").get(f"/cases/{reference}")
    assert [(e["kind"], e["by"], e["text"]) for e in case["timeline"]][-1] == (
        "note",
        "kim",
        "Customer rang again",
    )


def test_lists_filter_by_owner_status_and_category_newest_first_a_page_at_a_time(
    client: FlaskClient, staffed: Services
) -> None:
    opened = []
    for n, (owner, category) in enumerate(
        [("sam", "billing"), ("kim", "billing"), ("sam", "line"), ("sam", "billing")]
    ):
        case = staffed.cases.open(ADA, owner, f"Problem {n}", category)
        case.created_at = datetime.now(UTC) + timedelta(seconds=n)  # a clear order
        staffed.cases.save(case)
        opened.append(case.reference)
    staffed.case_rules.close(opened[3], Actor(id="mia", supervisor=True))

    def listed(query: str) -> tuple[list[str], int]:
        answer = client.get(f"/api/cases?{query}", headers=TOKEN)
        assert answer.status_code == 200, answer.json
        return [c["reference"] for c in answer.json["cases"]], answer.json["total"]

    assert listed("") == (opened[::-1], 4)
    assert listed("owner=sam") == ([opened[3], opened[2], opened[0]], 3)
    assert listed("owner=sam&category=billing&status=open") == ([opened[0]], 1)
    assert listed("category=BILLING&per_page=2") == ([opened[3], opened[1]], 3)
    assert listed("category=billing&per_page=2&page=2") == ([opened[0]], 3)
    for bad in ("status=lost", "per_page=0", "page=0", "colour=red"):
        answer = client.get(f"/api/cases?{bad}", headers=TOKEN)
        assert answer.status_code == 400, bad


def test_a_customer_is_found_by_any_spelling_of_their_number_with_open_cases(
    client: FlaskClient, app: Flask, staffed: Services
) -> None:
    reference = sams_case(app)
    answer = client.get("/api/customers/(415)%20555-0100", headers=TOKEN)
    assert answer.status_code == 200
    assert (answer.json["name"], [c["reference"] for c in answer.json["open_cases"]]) == (
        "Ada Lovelace",
        [reference],
    )
    assert client.get("/api/customers/+14155550177", headers=TOKEN).status_code == 404
    assert client.get("/api/customers/banana", headers=TOKEN).status_code == 400


def test_bad_input_opens_nothing(app: Flask, staffed: Services) -> None:
    sam = Desk(app, "sam")
    assert sam.post("/cases", phone="banana", subject="x")[0] == 400
    assert sam.post("/cases", phone=ADA, subject="bad\x07bell")[0] == 400
    assert sam.post("/cases", phone=ADA, subject="x", colour="red")[0] == 400
    assert sam.post("/cases", phone=ADA, subject="x", owner="kim") == (
        403,
        {"error": "sam may open cases only for themselves"},
    )
    assert staffed.cases.open_for_caller(ADA) == []


def test_the_owner_says_what_the_case_is_about_and_whether_it_recurs(
    app: Flask, staffed: Services
) -> None:
    reference = sams_case(app)
    details = {"subject": "Router reboots at 9 pm", "category": "line", "recurring": True}
    assert Desk(app, "kim").post(f"/cases/{reference}/details", **details)[0] == 403
    status, case = Desk(app, "sam").post(
        f"/cases/{reference}/details", **details, problem="Firmware 2.1 watchdog"
    )
    assert status == 200
    assert (case["subject"], case["category"], case["recurring"], case["problem"]) == (
        "Router reboots at 9 pm",
        "line",
        True,
        "Firmware 2.1 watchdog",
    )
    last = staffed.cases.timeline(reference)[-1]
    assert (last.kind, last.by) == ("described", "sam")
    assert [c["reference"] for c in Desk(app, "sam").get("/cases?category=line")[1]["cases"]] == [
        reference
    ]
    assert Desk(app, "sam").post(f"/cases/{reference}/details")[0] == 400
    assert Desk(app, "sam").post(f"/cases/{reference}/details", subject="bad\x07")[0] == 400
