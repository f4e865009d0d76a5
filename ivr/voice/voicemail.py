"""A message recorded becomes a callback, written before the caller hears its promise.

A recording too short to hold a message is not a callback: the caller is asked once more,
then put through to a person. The callback is made by whichever of Twilio's two reports comes
first (the `<Record>` action, or the recording status callback, which Twilio retries until it
is stored), and the same recording reported twice makes one callback.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Response

from callflows import prompts, render
from callflows.promises import callback_times, spoken_time
from crm import call_steps
from crm.calls import OUTCOME
from crm.models import utcnow
from ivr import jobs
from ivr.degrade import degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import ask_callback_number, current_call, voicemail
from ivr.voice.connecting import to_line
from ivr.webhooks import KeepPlaceStep, PromiseStep, Recorded, form, query
from queues import lines
from voicemail.book import Requested
from voicemail.messages import LeftMessage, is_a_message, take_message

log = logging.getLogger(__name__)


def thank_and_confirm() -> Response:
    """Thank the caller and repeat the promised time; needs no Redis.

    The message is Twilio's: its recording status callback keeps trying until it is stored.
    """
    flow = services().flow
    said = spoken_time(query(PromiseStep).by, utcnow(), flow)
    return twiml(render.goodbye(flow, prompts.recorded(said)))


def keep_message(
    call_sid: str, phone: str | None, recording_sid: str, url: str, seconds: int
) -> Requested | None:
    """Make the recording a callback (due at the line's next opening), have it join the line
    then, and text the acknowledgement. None for a caller with no number to call back."""
    if phone is None or not recording_sid:
        log.info("message on %s kept with the call only: no number to call back", call_sid)
        return None
    step = query(PromiseStep)
    flow = services().flow
    now = utcnow()
    record = services().calls.get(call_sid)
    due = callback_times(flow, now, phone, manager=step.line == lines.MANAGERS).due
    requested = take_message(
        services().callbacks,
        services().cases,
        LeftMessage(
            recording_sid=recording_sid,
            recording_url=url,
            seconds=seconds,
            call_sid=call_sid,
            phone=phone,
            line=step.line,
            path=" > ".join(record.path) if record else "",
            at=now,
        ),
        due=due,
        promised_by=step.by,
        max_attempts=flow.promises.attempts,
    )
    if not requested.repeat:
        if requested.outcome == "created":
            jobs.schedule_callback(services(), due)
        jobs.queue_acknowledgement(
            services(), requested.callback_id, merged=requested.outcome == "merged"
        )
    return requested


def confirmation(requested: Requested | None, by: datetime) -> str:
    """The thanks the caller hears: the promise of their callback (an earlier one if this
    message joined it)."""
    flow = services().flow
    if requested is None:
        return prompts.recorded(spoken_time(by, utcnow(), flow))
    said = spoken_time(requested.promised_by, utcnow(), flow)
    if requested.outcome == "merged":
        return prompts.recorded_with_earlier(said)
    return prompts.recorded(said)


@bp.post("/voicemail")
@twilio_signed
@degrades_to(thank_and_confirm)
def voicemail_recorded() -> Response:
    """The caller finished their message: it becomes a callback, then they hear its promise.
    A message too short to be one is asked for once more, then a person takes the call."""
    call = current_call()
    step = query(PromiseStep)
    recorded = form(Recorded)
    if not is_a_message(recorded.duration):
        if step.again:
            return twiml(to_line(call, step.line, [prompts.NO_MESSAGE]))
        return twiml(voicemail(utcnow(), prompts.MESSAGE_TOO_SHORT, line=step.line, again=True))
    if call.customer_number is None:  # nobody to call back yet: they type the number once
        return ask_callback_number(
            call,
            KeepPlaceStep(
                line=step.line,
                recording=recorded.recording_sid,
                recording_url=recorded.recording_url,
                seconds=recorded.duration,
                by=step.by,
            ),
            prompts.NUMBER_FOR_MESSAGE,
        )
    requested = keep_message(
        call.call_sid,
        call.customer_number,
        recorded.recording_sid,
        recorded.recording_url,
        recorded.duration,
    )
    services().calls.record_step(
        call.call_sid,
        call_steps.VOICEMAIL,
        {
            "promised_by": (requested.promised_by if requested else step.by).isoformat(),
            "recording": recorded.recording_url,
            "callback": requested.callback_id if requested else "",
            OUTCOME: "voicemail",
        },
    )
    return twiml(render.goodbye(services().flow, confirmation(requested, step.by)))
