"""The sign-off call, for a customer whose number cannot take texts: the line rings them about
their resolved case, 1 says it is sorted (closed), 2 that it is not (reopened with its owner,
promised again soon); any other key asks again, and silence leaves it to the flow's window."""

from __future__ import annotations

import logging

from flask import Response

from callflows import prompts, render
from crm.case_rules import NotAllowed, NotNow
from crm.models import CaseStatus
from ivr.case_story import owner_and_promise
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call
from ivr.webhooks import MenuAnswer, SignOffStep, form, query

log = logging.getLogger(__name__)


def answer_later() -> Response:
    """Without Redis the answer cannot be kept: say so; silence closes it later if need be."""
    return twiml(render.goodbye(services().flow, prompts.SIGN_OFF_LATER))


def ask(reference: str, subject: str) -> Response:
    """The one-key question about the case."""
    return twiml(
        render.question(
            services().flow,
            [prompts.sign_off_question(render.spelled(reference), subject)],
            link("voice.sign_off_answer", case=reference),
        )
    )


@bp.post("/sign-off")
@twilio_signed
@degrades_to(answer_later)
def sign_off() -> Response:
    """The customer answered the sign-off call: the question, if the case still awaits it."""
    step = query(SignOffStep)
    case = services().cases.get(step.case)
    if (
        case is None
        or case.status is not CaseStatus.RESOLVED
        or case.customer_phone != current_call().customer_number
    ):
        return twiml(render.goodbye(services().flow, prompts.NOTHING_TO_RETURN))
    return ask(case.reference, case.subject)


@bp.post("/sign-off/answer")
@twilio_signed
@degrades_to(answer_later)
def sign_off_answer() -> Response:
    """1: sorted, closed; 2: not sorted, reopened; anything else: the question again."""
    step = query(SignOffStep)
    digits = form(MenuAnswer).digits
    flow = services().flow
    case = services().cases.get(step.case)
    if case is None:
        return twiml(render.goodbye(flow, prompts.NOTHING_TO_RETURN))
    if digits not in ("1", "2"):
        return ask(case.reference, case.subject)
    phone = current_call().customer_number or ""
    try:
        changed = services().case_rules.signed_off(case.reference, phone, digits == "1")
    except (NotAllowed, NotNow) as exc:
        log.info("sign-off by call: %s", exc)
        return twiml(render.goodbye(flow, prompts.NOTHING_TO_RETURN))
    if digits == "1":
        return twiml(render.goodbye(flow, prompts.SIGNED_OFF))
    told = prompts.reopened_said(*owner_and_promise(services(), changed))
    return twiml(render.goodbye(flow, told))
