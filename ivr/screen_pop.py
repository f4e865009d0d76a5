"""What a rep sees of the call ringing them or in progress, before they say hello: who is
calling (name, number, tier), which line, what they chose in the menu, why they call (a
manager escalation's reason, a callback's messages as transcribed, and links to hear them
through the console), and their open cases with their timelines."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for

from crm.models import Case, CaseEvent
from ivr.services import Services
from voicemail.models import is_callback_id


@dataclass
class OpenCase:
    """One of the caller's open cases, with what happened so far."""

    reference: str
    subject: str
    owner: str
    promised_by: str | None
    flagged: bool
    timeline: list[dict[str, str | None]]


@dataclass
class ScreenPop:
    """The rep's current call."""

    call: str
    kind: str  # "call" or "callback"
    phone: str
    name: str | None
    tier: str
    line: str
    menu_path: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    recordings: list[str] = field(default_factory=list)  # the console's own links, never Twilio's
    cases: list[OpenCase] = field(default_factory=list)


def _open_case(case: Case, timeline: list[CaseEvent]) -> OpenCase:
    return OpenCase(
        reference=case.reference,
        subject=case.subject,
        owner=case.owner,
        promised_by=case.promised_by.isoformat() if case.promised_by else None,
        flagged=case.flagged,
        timeline=[
            {"at": e.at.isoformat(), "kind": e.kind, "by": e.by, "text": e.text} for e in timeline
        ],
    )


def screen_pop(services: Services, rep_id: str) -> ScreenPop | None:
    """The call the rep is rung for or talking to; None when they have none."""
    sid = services.floor.call_of(rep_id)
    if not sid:
        return None
    if is_callback_id(sid):
        callback = services.callbacks.get(sid)
        if callback is None:
            return None
        heard = services.calls.transcripts([m.call_sid for m in callback.messages])
        pop = ScreenPop(
            sid,
            "callback",
            callback.phone,
            None,
            "standard",
            callback.line,
            why=heard,
            recordings=[
                url_for("console.recording", callback_id=callback.id, number=n)
                for n, message in enumerate(callback.messages)
                if message.recording_url
            ],
        )
    else:
        entry = services.router.entry(sid)
        record = services.calls.get(sid)
        details = record.details if record else {}
        reason = details.get("escalation_reason") or entry.get("reason", "")
        pop = ScreenPop(
            sid,
            "call",
            entry.get("phone", ""),
            None,
            entry.get("tier", "standard"),
            entry.get("line", "support"),
            menu_path=record.path if record else [],
            why=[reason] if reason else [],
        )
    customer = services.customers.get(pop.phone) if pop.phone else None
    pop.name = customer.name if customer else None
    if pop.phone:
        pop.cases = [
            _open_case(case, services.cases.timeline(case.reference))
            for case in services.cases.open_for_caller(pop.phone)
        ]
    return pop
