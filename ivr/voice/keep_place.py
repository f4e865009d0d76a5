"""Keep my place: a caller on hold who pressed 2 is called back when their turn comes, instead
of holding. Their place in line passes to the callback; the number is the one they call from,
or one they type once (checked, read back, confirmed). Until they confirm, they keep their
place as a caller, so a rep who comes free meanwhile still takes them.
"""

from __future__ import annotations

from flask import Response

from callflows import prompts, render
from callflows.promises import callback_times, spoken_time
from crm.models import utcnow
from crm.phones import InvalidPhoneNumber, to_e164
from ivr import jobs
from ivr.callback_calls import IN_LINE_RECHECK_SECONDS
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import ask_callback_number, current_call, voicemail
from ivr.voice.connecting import to_line
from ivr.voice.voicemail import confirmation, keep_message
from ivr.webhooks import KeepPlaceStep, MenuAnswer, TwilioCall, form, query
from queues import lines
from voicemail.book import Request
from voicemail.models import Message


def message_instead() -> Response:
    """Without Redis the place cannot pass to a callback: a message keeps the promise."""
    return twiml(voicemail(utcnow(), line=query(KeepPlaceStep).line))


@bp.post("/keep-place/number")
@twilio_signed
@degrades_to(message_instead)
def keep_place_number() -> Response:
    """The number to call back: 1 (or nothing) for the one they call from; a typed number is
    read back; a number that is no number is asked for once more, then a person takes them."""
    call = current_call()
    step = query(KeepPlaceStep)
    typed = form(MenuAnswer).digits.rstrip("#")
    if typed in ("", "1") and call.customer_number:
        return settle(call, step, call.customer_number)
    try:
        number = to_e164(typed, services().settings.region) if typed not in ("", "1") else None
    except InvalidPhoneNumber:
        number = None
    if number is None:
        if step.again:
            return twiml(to_line(call, step.line, [prompts.NOT_A_NUMBER, prompts.CONNECTING]))
        again_url = link("voice.keep_place_number", **step.carried(), again="1")
        sentences = [prompts.NOT_A_NUMBER, prompts.CALLBACK_NUMBER_ASK]
        return twiml(render.ask_number(services().flow, again_url, sentences, again_url))
    confirm_url = link("voice.keep_place_confirm", **step.carried(), number=number)
    read_back = prompts.read_back_number(" ".join(number.removeprefix("+")))
    return twiml(render.ask_number(services().flow, confirm_url, [read_back], confirm_url))


@bp.post("/keep-place/confirm")
@twilio_signed
@degrades_to(message_instead)
def keep_place_confirm() -> Response:
    """1 confirms the typed number; anything else asks for it again."""
    call = current_call()
    step = query(KeepPlaceStep)
    if form(MenuAnswer).digits.rstrip("#") == "1" and step.number:
        return settle(call, step, step.number)
    return ask_callback_number(call, step)


def settle(call: TwilioCall, step: KeepPlaceStep, number: str) -> Response:
    """The number is known: the waiting caller's place, or their message, becomes a callback."""
    if not step.recording:
        return keep_place(call, step.line, number)
    requested = keep_message(
        call.call_sid, number, step.recording, step.recording_url, step.seconds
    )
    return twiml(render.goodbye(services().flow, confirmation(requested, step.by or utcnow())))


def keep_place(call: TwilioCall, line: str, number: str) -> Response:
    """The callback takes the caller's place (written before its promise is spoken)."""
    flow = services().flow
    now = utcnow()
    times = callback_times(flow, now, number, manager=line == lines.MANAGERS)
    entry = services().router.entry(call.call_sid)
    requested = services().callbacks.request(
        Request(
            origin=call.call_sid,
            phone=number,
            due=times.due,
            promised_by=times.promised_by,
            message=Message(at=now, call_sid=call.call_sid),
            line=line,
            case=entry.get("case", ""),
            owner=entry.get("owner", ""),
        ),
        flow.promises.attempts,
    )
    if requested.outcome == "created" and times.due <= now:
        services().router.swap(call.call_sid, requested.callback_id, number)
        services().callbacks.in_line(requested.callback_id, IN_LINE_RECHECK_SECONDS)
    else:  # their open callback already waits, or it must wait for the customer's morning
        services().router.release(call.call_sid, None)
        if requested.outcome == "created":
            jobs.schedule_callback(services(), times.due)
    if not requested.repeat:
        jobs.queue_acknowledgement(
            services(), requested.callback_id, merged=requested.outcome == "merged"
        )
    said = spoken_time(requested.promised_by, now, flow)
    quiet = flow.promises.quiet_hours
    note = prompts.quiet_hours(quiet) if times.after_quiet_hours and quiet else ""
    return twiml(render.goodbye(flow, note, prompts.kept_place(said)))
