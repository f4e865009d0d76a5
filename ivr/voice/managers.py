"""Principle 6: "speak to a manager" always leads somewhere: a supervisor who takes the call,
or, when none does within the flow's `manager_wait_seconds`, a message with the managers'
shorter callback promise."""

from __future__ import annotations

from flask import Response

from callflows import prompts
from crm import call_steps
from crm.calls import OUTCOME
from crm.models import utcnow
from ivr.degrade import degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue, voicemail
from ivr.voice.connecting import to_line
from ivr.webhooks import Escalation, query
from queues import lines

ASKED_FOR_A_MANAGER = "asked for a manager"


def managers_voicemail() -> Response:
    """The managers' message, with its shorter promise: needs no Redis."""
    return twiml(voicemail(utcnow(), prompts.NO_MANAGER_FREE, line=lines.MANAGERS))


@bp.post("/no-manager")
@twilio_signed
@degrades_to(managers_voicemail)
def no_manager() -> Response:
    """Where a caller for a manager is moved when no supervisor took them in time."""
    services().calls.record_step(current_call().call_sid, call_steps.NO_MANAGER)
    return managers_voicemail()


def to_managers_line() -> Response:
    """Without Redis the caller still waits on the managers' line (Twilio's queue)."""
    return twiml(enqueue(lines.MANAGERS, prompts.TRANSFERRING_TO_MANAGER))


@bp.post("/escalated")
@twilio_signed
@degrades_to(to_managers_line)
def escalated() -> Response:
    """A rep handed the caller up: to a free supervisor at once, or to the managers' line."""
    call = current_call()
    escalation = query(Escalation)
    services().calls.record_step(
        call.call_sid,
        call_steps.escalated(escalation.by),
        {"escalation_reason": escalation.reason, OUTCOME: "escalated"},
    )
    answer = to_line(call, lines.MANAGERS, [prompts.TRANSFERRING_TO_MANAGER])
    services().router.note_reason(call.call_sid, escalation.reason)
    return twiml(answer)
