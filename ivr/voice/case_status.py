"""Principle 2 for case status: a known caller hears their cases; a stranger types a number once."""

from __future__ import annotations

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from callflows import prompts, render
from crm import call_steps
from crm.disclosure import may_hear_details
from crm.models import Case, Rep
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue
from ivr.voice.connecting import rep_name
from ivr.webhooks import MenuAnswer, MenuStep, TwilioCall, form, query
from queues import lines

# A caller hears their newest few cases; the rest are counted, so the answer stays short to
# hear and far below Twilio's 64 kB limit on a TwiML document however many cases are open.
CASES_READ_OUT = 3
CASE_REFERENCE_DETAIL = "case_reference"


def case_status(call: TwilioCall, menu_name: str) -> VoiceResponse:
    """Read the caller's open cases; an unknown caller is asked for a case number, once."""
    caller = services().directory.identify(call.customer_number)
    again = link("voice.menu", menu=menu_name)
    flow = services().flow
    if caller.open_cases:
        newest = caller.open_cases[-CASES_READ_OUT:]
        statuses = [status_of(case, caller.owner_of(case).rep) for case in reversed(newest)]
        hidden = len(caller.open_cases) - len(newest)
        if hidden:
            statuses.append(prompts.more_open_cases(hidden))
        return render.menu(flow, menu_name, again, statuses)
    typed = services().calls.details(call.call_sid).get(CASE_REFERENCE_DETAIL)
    if typed:
        return read_typed_case(call, typed, menu_name)
    if caller.known:
        return render.menu(flow, menu_name, again, [prompts.NO_OPEN_CASES])
    return render.ask_case_reference(flow, link("voice.case_reference", menu=menu_name))


def typed_case_unreadable() -> Response:
    """Without Redis no case can be looked up: the caller goes to a person instead."""
    return twiml(enqueue(lines.SUPPORT, prompts.TO_A_PERSON))


@bp.post("/case-reference")
@twilio_signed
@degrades_to(typed_case_unreadable)
def case_reference() -> Response:
    """The caller typed a case number; it is kept, so they are never asked for it again."""
    call = current_call()
    step = query(MenuStep)
    digits = "".join(ch for ch in form(MenuAnswer).digits if ch.isdigit())
    reference = f"C-{digits}" if digits else ""
    services().calls.record_step(
        call.call_sid, call_steps.CASE_REFERENCE, {CASE_REFERENCE_DETAIL: reference or "none"}
    )
    return twiml(read_typed_case(call, reference, step.menu))


def read_typed_case(call: TwilioCall, reference: str, menu_name: str) -> VoiceResponse:
    """The status of a case the caller typed, or a person if there is no such case."""
    case = services().cases.get(reference) if reference.startswith("C-") else None
    if case is None:
        return enqueue(lines.SUPPORT, prompts.CASE_NOT_FOUND, prompts.TO_A_PERSON)
    if may_hear_details(case, call.customer_number):
        status = status_of(case, services().reps.get(case.owner))
    else:
        status = prompts.case_status_to_stranger(render.spelled(case.reference), case.status.value)
    flow = services().flow
    return render.menu(flow, menu_name, link("voice.menu", menu=menu_name), [status])


def status_of(case: Case, owner: Rep | None) -> str:
    """One of the caller's own cases as a sentence: reference, subject, status, owner."""
    return prompts.case_status(
        render.spelled(case.reference), case.subject, case.status.value, rep_name(owner)
    )
