"""Cases for staff and integrations: read one with its timeline, list them (by owner, status,
category; a page at a time), open one, add a note, and, its owner or a supervisor only,
close, resolve, reassign it or change its promise. And a customer with their open cases.

Every refusal is JSON with the reason: 404 for no such case or rep, 403 for someone else's
case, 409 for a change its state does not allow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import Response, jsonify
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from crm.case_rules import Actor, CaseDetails, NotAllowed, NotNow
from crm.cases import CaseFilter, UnknownCase
from crm.models import Case, CaseEvent, CaseStatus, explain
from crm.phones import InvalidPhoneNumber, to_e164
from crm.reps import UnknownRep
from ivr.api import bp
from ivr.api.auth import asking, body, error
from ivr.api.paging import Paging, page_of, query
from ivr.services_access import services

T = TypeVar("T")


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class NewCase(Strict):
    """`{"phone": ..., "subject": ..., "category": ..., "owner": ...}`; the owner is the rep
    asking unless named (a rep may name only themselves; the token must name someone)."""

    phone: str = Field(min_length=1, max_length=32)
    subject: str = Field(min_length=1, max_length=500)
    category: str = Field(default="general", min_length=1, max_length=64)
    owner: str | None = Field(default=None, min_length=1, max_length=64)


class NewNote(Strict):
    text: str = Field(min_length=1, max_length=2000)


class Closing(Strict):
    reason: str = Field(default="", max_length=500)


class Resolution(Strict):
    summary: str = Field(default="", max_length=500)


class Reassignment(Strict):
    to: str = Field(min_length=1, max_length=64)


class PromiseChange(Strict):
    by: AwareDatetime


class Description(Strict):
    """`{"subject": ..., "category": ..., "recurring": true, "problem": ...}`, any of them."""

    subject: str | None = Field(default=None, min_length=1, max_length=500)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    recurring: bool | None = None
    problem: str | None = Field(default=None, min_length=1, max_length=100)


class CaseQuery(Paging):
    """`?owner=&status=&category=&page=&per_page=`."""

    owner: str | None = None
    status: CaseStatus | None = None
    category: str | None = None


def case_json(case: Case, timeline: list[CaseEvent] | None = None) -> dict[str, object]:
    """What the API shows of a case (with its timeline, when given)."""
    shown: dict[str, object] = {
        "reference": case.reference,
        "phone": case.customer_phone,
        "subject": case.subject,
        "category": case.category,
        "status": case.status.value,
        "owner": case.owner,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "promised_by": case.promised_by.isoformat() if case.promised_by else None,
        "time_spent_seconds": case.time_spent_seconds,
        "satisfaction": case.satisfaction.value if case.satisfaction else None,
        "flagged": case.flagged,
        "recurring": case.recurring,
        "problem": case.problem,
    }
    if timeline is not None:
        shown["timeline"] = [
            {"at": e.at.isoformat(), "kind": e.kind, "by": e.by, "text": e.text} for e in timeline
        ]
    return shown


def actor() -> Actor:
    """The asker, as the case rules know them."""
    staff = asking()
    return Actor(id=staff.id, supervisor=staff.is_supervisor)


def ruled(change: Callable[[], T]) -> T | Response:
    """Run a change by the case rules; their refusals as JSON errors."""
    try:
        return change()
    except (UnknownCase, UnknownRep) as exc:
        return error(404, str(exc.args[0]))
    except NotAllowed as exc:
        return error(403, str(exc))
    except NotNow as exc:
        return error(409, str(exc))
    except ValidationError as exc:
        return error(400, explain(exc))


def changed(change: Callable[[], Case]) -> Response:
    """The case after a change, or why it was refused."""
    result = ruled(change)
    return result if isinstance(result, Response) else jsonify(case_json(result))


@bp.get("/cases/<reference>")
def get_case(reference: str) -> Response:
    """One case with its timeline."""
    case = services().cases.get(reference)
    if case is None:
        return error(404, f"no case {reference}")
    return jsonify(case_json(case, services().cases.timeline(case.reference)))


@bp.get("/cases")
def list_cases() -> Response:
    """Cases, newest first, a page at a time, filtered by owner, status and category."""
    asked = query(CaseQuery)
    which = CaseFilter(owner=asked.owner, status=asked.status, category=asked.category)
    found = services().cases.page(which, asked.offset, asked.per_page)
    return page_of("cases", [case_json(case) for case in found.cases], asked, found.total)


@bp.post("/cases")
def open_case() -> Response:
    """Open a case; 201 with it."""
    new = body(NewCase)
    staff = asking()
    owner = new.owner or (None if staff.by_token else staff.id)
    if owner is None:
        return error(400, 'name the case\'s owner: {"owner": "<rep id>"}')
    if owner != staff.id and not staff.is_supervisor:
        return error(403, f"{staff.id} may open cases only for themselves")
    try:
        phone = to_e164(new.phone, services().settings.region)
        case = services().case_rules.open(phone, owner, new.subject, new.category)
    except InvalidPhoneNumber as exc:
        return error(400, f"phone: {exc}")
    except ValidationError as exc:
        return error(400, explain(exc))
    except UnknownRep as exc:
        return error(404, str(exc.args[0]))
    response = jsonify(case_json(case, services().cases.timeline(case.reference)))
    response.status_code = 201
    return response


@bp.post("/cases/<reference>/notes")
def add_note(reference: str) -> Response:
    """Add a note to a case's timeline; 201 with it."""
    text = body(NewNote).text
    noted = ruled(lambda: services().case_rules.note(reference, actor(), text))
    if isinstance(noted, Response):
        return noted
    response = jsonify(at=noted.at.isoformat(), kind=noted.kind, by=noted.by, text=noted.text)
    response.status_code = 201
    return response


@bp.post("/cases/<reference>/close")
def close_case(reference: str) -> Response:
    """Close a case: its owner or a supervisor."""
    reason = body(Closing).reason
    return changed(lambda: services().case_rules.close(reference, actor(), reason))


@bp.post("/cases/<reference>/resolve")
def resolve_case(reference: str) -> Response:
    """Mark a case resolved (its owner or a supervisor): the customer is asked whether it is
    sorted."""
    summary = body(Resolution).summary
    return changed(lambda: services().case_rules.resolve(reference, actor(), summary))


@bp.post("/cases/<reference>/reassign")
def reassign_case(reference: str) -> Response:
    """Hand a case to another rep: its owner or a supervisor."""
    to = body(Reassignment).to
    return changed(lambda: services().case_rules.reassign(reference, to, actor()))


@bp.post("/cases/<reference>/details")
def describe_case(reference: str) -> Response:
    """Say what the case is about (subject, category, recurring or one-off, the known problem
    it is): its owner or a supervisor."""
    details = CaseDetails(**body(Description).model_dump())
    if details == CaseDetails():
        return error(400, "say what to change: subject, category, recurring or problem")
    return changed(lambda: services().case_rules.describe(reference, actor(), details))


@bp.post("/cases/<reference>/promise")
def change_promise(reference: str) -> Response:
    """Change the case's promised time: its owner or a supervisor."""
    by: datetime = body(PromiseChange).by
    return changed(lambda: services().case_rules.promise(reference, by, actor()))


@bp.get("/customers/<phone>")
def get_customer(phone: str) -> Response:
    """A customer by phone (any spelling): who they are and their open cases."""
    try:
        number = to_e164(phone, services().settings.region)
    except InvalidPhoneNumber as exc:
        return error(400, f"phone: {exc}")
    customer = services().customers.get(number)
    cases = services().cases.open_for_caller(number)
    if customer is None and not cases:
        return error(404, f"no customer at {number}")
    return jsonify(
        phone=number,
        name=customer.name if customer else None,
        account=customer.account if customer else None,
        open_cases=[case_json(case) for case in cases],
    )
