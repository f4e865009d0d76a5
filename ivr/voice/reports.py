"""Twilio's reports about a call (recording, transcription, status): stored, or refused with 503.

These are not heard by anyone, so there is nothing to degrade to: a report that cannot be stored
answers 503, which Twilio retries and shows in its debugger, instead of vanishing.
"""

from __future__ import annotations

import logging

from flask import Response

from crm import call_steps
from crm.calls import CALL_STATUS
from ivr.degrade import degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twilio_rest import ENDED_STATUSES
from ivr.voice import bp
from ivr.voice.answers import current_call
from ivr.voice.voicemail import keep_message
from ivr.webhooks import CallStatusReport, RecordingStatus, Transcription, form
from voicemail.messages import is_a_message

log = logging.getLogger(__name__)


def not_stored() -> Response:
    """Tell Twilio the report was not kept, so it is retried and the loss is visible."""
    log.error("report of %s not stored", current_call().call_sid)
    return Response("storage unavailable\n", 503, mimetype="text/plain")


@bp.post("/recording")
@twilio_signed
@degrades_to(not_stored)
def recording() -> Response:
    """Twilio's recording status callback: the recording is kept with the call, and a message
    becomes a callback if the `<Record>` action did not already make it one."""
    report = form(RecordingStatus)
    if report.status == "completed" and is_a_message(report.duration):
        call_sid = current_call().call_sid
        record = services().calls.get(call_sid)
        keep_message(
            call_sid,
            record.from_number if record else None,
            report.recording_sid,
            report.recording_url,
            report.duration,
        )
    return keep(
        call_steps.RECORDING,
        {
            "recording_sid": report.recording_sid,
            "recording_url": report.recording_url,
            "recording_status": report.status,
            "recording_seconds": str(report.duration),
        },
    )


@bp.post("/transcription")
@twilio_signed
@degrades_to(not_stored)
def transcription() -> Response:
    """Twilio's transcription callback: the text (or that there is none) is kept with the call."""
    report = form(Transcription)
    return keep(
        call_steps.TRANSCRIPTION,
        {"transcript": report.text, "transcription_status": report.status},
    )


@bp.post("/status")
@twilio_signed
@degrades_to(not_stored)
def status() -> Response:
    """Twilio's call status callback: the call's outcome goes into its log, and a caller whose
    call ended leaves the line (if anything before missed it), freeing a rep rung for them, and
    is counted in the calls report by tier."""
    report = form(CallStatusReport)
    if report.status in ENDED_STATUSES:
        call = current_call()
        services().router.release(call.call_sid, call.customer_number)
    answer = keep(
        call_steps.call_status(report.status),
        {CALL_STATUS: report.status, "duration": str(report.duration)},
    )
    if report.status in ENDED_STATUSES:  # its outcome is known now: counted by tier, once
        services().calls.count_ended(current_call().call_sid, services().flow.zone)
    return answer


def keep(step: str, facts: dict[str, str]) -> Response:
    """Store what a report says with its call."""
    services().calls.record_step(current_call().call_sid, step, facts)
    return Response(status=204)
