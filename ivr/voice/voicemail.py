"""A message recorded: the promised callback time is confirmed before the caller hangs up."""

from __future__ import annotations

from flask import Response

from callflows import prompts, render
from callflows.promises import spoken_time
from crm import call_steps
from crm.calls import OUTCOME
from crm.models import utcnow
from ivr.degrade import degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call
from ivr.webhooks import PromiseStep, Recorded, form, query


def thank_and_confirm() -> Response:
    """Thank the caller and repeat the promised time; needs no Redis.

    The message is Twilio's: its recording status callback keeps trying until it is stored.
    """
    flow = services().flow
    said = spoken_time(query(PromiseStep).by, utcnow(), flow)
    return twiml(render.goodbye(flow, prompts.recorded(said)))


@bp.post("/voicemail")
@twilio_signed
@degrades_to(thank_and_confirm)
def voicemail_recorded() -> Response:
    """The caller finished their message: keep it with the call, confirm the time, say goodbye."""
    call = current_call()
    promise = query(PromiseStep)
    recorded = form(Recorded)
    services().calls.record_step(
        call.call_sid,
        call_steps.VOICEMAIL,
        {
            "promised_by": promise.by.isoformat(),
            "recording": recorded.recording_url,
            OUTCOME: "voicemail",
        },
    )
    return thank_and_confirm()
