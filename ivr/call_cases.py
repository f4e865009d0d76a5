"""Every call a rep takes belongs to a case, and so does every callback a rep makes: the
customer's open case, or a new one owned by the rep who took it, its category the line the
caller chose (the rep corrects it, and writes the subject, from the console). Either way the
call is on the case's timeline, and the case on the call's record, so time spent and reports
add up per case.

A retried webhook, or two processes, never open two cases for one call: the call's record takes
its case once.
"""

from __future__ import annotations

from crm.models import CaseEvent
from ivr.services import Services
from voicemail.models import Callback

OPENING = "opening"


def case_of_taken_call(services: Services, call_sid: str, rep_id: str, line: str) -> str | None:
    """The case the call the rep just took belongs to (opened now if the caller had none);
    None for a caller whose number is withheld, who cannot be given a case."""
    entry = services.router.entry(call_sid)
    phone = entry.get("phone", "")
    reference = entry.get("case", "")
    if not reference and not phone:
        return None
    if not services.calls.keep_once(call_sid, "case", reference or OPENING):
        return services.calls.details(call_sid).get("case") or None
    if reference:
        services.cases.note(reference, CaseEvent(kind="call", by=rep_id, text="took a call"))
        return reference
    case = services.case_rules.open(phone, rep_id, f"Call on the {line} line", category=line)
    services.calls.record_step(call_sid, "case-opened", {"case": case.reference})
    return case.reference


def case_of_callback(services: Services, callback: Callback, rep_id: str) -> str:
    """The case a callback the rep just took belongs to: its own, or one opened now that the
    rep owns, filed with the callback (once, whoever files first)."""
    if callback.case:
        return callback.case
    case = services.case_rules.open(
        callback.phone, rep_id, "Callback about a message", category=callback.line
    )
    return services.callbacks.file_case(callback.id, case.reference) or case.reference
