"""Answers several steps share: put the caller in line, offer a message, read the call."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callflows import prompts, render
from callflows.promises import callback_times, spoken_time
from ivr.errors import parsed
from ivr.links import link
from ivr.services_access import services
from ivr.twiml import twiml
from ivr.webhooks import KeepPlaceStep, TwilioCall
from queues import lines


def current_call() -> TwilioCall:
    """The call this webhook is about, with its caller ID as E.164 (or None)."""
    return parsed(lambda: TwilioCall.from_form(request.form, services().settings.region))


def enqueue(queue: str, *before: str) -> VoiceResponse:
    """Put the caller in line for `queue`, with our hold step and result handling."""
    return render.enqueue(
        services().flow,
        queue,
        wait_url=link("voice.hold"),
        action_url=link("voice.queue_result", queue=queue),
        before=before,
    )


def to_a_person_now() -> Response:
    """The way to a person that needs nothing but the flow: the last resort of every step."""
    return twiml(enqueue(lines.SUPPORT, prompts.THANKS_FOR_CALLING, prompts.CONNECTING))


def voicemail(
    now: datetime, *before: str, line: str = lines.SUPPORT, again: bool = False
) -> VoiceResponse:
    """Offer to record a message for `line`, with the time we promise to call back by (the
    managers' line promises sooner; the caller's night, in their own zone, later, and they
    are told why).

    Needs no Redis: the recording is Twilio's, and its callbacks retry until stored, each
    carrying the promise and the line so that either makes the callback.
    """
    flow = services().flow
    times = callback_times(
        flow, now, current_call().customer_number, manager=line == lines.MANAGERS
    )
    deadline = times.promised_by
    if times.after_quiet_hours and flow.promises.quiet_hours:
        before = (*before, prompts.quiet_hours(flow.promises.quiet_hours))
    promise = {"by": deadline.isoformat(), "line": line}
    links = render.VoicemailLinks(
        recorded=link("voice.voicemail_recorded", **promise, **({"again": "1"} if again else {})),
        recording_status=link("voice.recording", **promise),
        transcription=link("voice.transcription"),
        no_message=link("voice.person"),
    )
    return render.voicemail(flow, spoken_time(deadline, now, flow), links, before)


def ask_callback_number(call: TwilioCall, step: KeepPlaceStep, *before: str) -> Response:
    """Offer the number they call from (press 1), or ask them to type one."""
    ask = prompts.CALLBACK_NUMBER_OFFER if call.customer_number else prompts.CALLBACK_NUMBER_ASK
    number_url = link("voice.keep_place_number", **step.carried())
    return twiml(render.ask_number(services().flow, number_url, [*before, ask], number_url))
