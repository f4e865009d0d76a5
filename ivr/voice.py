"""Twilio voice webhooks: what each caller hears, step by step.

Each view parses Twilio's form, asks the domain (crm for who is calling, callflows for what the
menu means and how it sounds) and answers TwiML. If Redis fails mid-call, the blueprint's error
handler still answers: the caller is put through to a person.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from pydantic import BaseModel, Field
from redis import RedisError
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from callflows import (
    CaseStatusOption,
    ManagerOption,
    MenuOption,
    Option,
    PersonOption,
    QueueOption,
    RepeatOption,
    VoicemailOption,
    render,
)
from callflows.navigate import Chosen, ToAPerson, TryAgain, answer
from callflows.promises import callback_deadline, spoken_time
from crm.calls import ANSWERED_BY, OUTCOME, WAIT_SECONDS
from crm.directory import CaseOwner
from crm.models import CallRecord, Case, Presence, Rep, utcnow
from ivr.errors import parsed
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.webhooks import TwilioCall

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)

# Callers waiting for the next free person; routing assigns them to reps.
SUPPORT_QUEUE = "support"
MANAGER_QUEUE = "managers"
WAITING = "A caller is waiting for you."


class MenuStep(BaseModel):
    """Where in the flow a menu answer belongs (from the signed action URL)."""

    menu: str = Field(min_length=1, max_length=64)
    attempt: int = Field(default=1, ge=1, le=10)


def link(endpoint: str, **params: Any) -> str:
    """The absolute public URL of one of our webhooks, as Twilio must be given it."""
    query = f"?{urlencode(params)}" if params else ""
    return f"{services().settings.public_base_url}{_path(endpoint)}{query}"


@lru_cache(maxsize=64)
def _path(endpoint: str) -> str:
    # Routes never change once the app is built, and url_for is costly on every webhook.
    return url_for(endpoint)


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


def fallback_answer() -> Response:
    """What a caller hears when the line cannot look anything up: still a person, never silence."""
    return twiml(enqueue(SUPPORT_QUEUE, "Thanks for calling.", render.CONNECTING))


def degraded_answer() -> Response:
    """The answer when a step fails: straight to a person, in the form the step allows.

    Hold steps run inside <Enqueue> and whispers on the rep's leg, where Twilio accepts no
    <Enqueue>: there the caller keeps their place, and the rep hears a whisper without details.
    """
    if request.endpoint in ("voice.hold", "voice.hold_choice"):
        return twiml(render.stay_in_queue())
    if request.endpoint == "voice.whisper":
        return twiml(render.whisper(services().flow, WAITING, link("voice.whisper_answer")))
    return fallback_answer()


@bp.errorhandler(RedisError)
def redis_unavailable(exc: RedisError) -> Response:
    """Redis is down or slow: answer anyway, with the way to a person that needs no lookup."""
    log.error("Redis unavailable during %s: %s", request.path, exc)
    return degraded_answer()


@bp.errorhandler(Exception)
def unexpected(exc: Exception) -> Response | HTTPException:
    """Anything else that goes wrong mid-call: the caller still reaches a person, never an error.

    HTTP errors (a bad signature, a malformed form) keep their 4xx: not calls going wrong.
    """
    if isinstance(exc, HTTPException):
        return exc
    log.exception("webhook %s failed", request.path)
    return degraded_answer()


@bp.post("/person")
@twilio_signed
def person() -> Response:
    """Put the caller through to the next free person (where a document sends them)."""
    return twiml(enqueue(SUPPORT_QUEUE, render.CONNECTING))


@bp.post("/incoming")
@twilio_signed
def incoming() -> Response:
    """A new call: recognise the caller, then the fast track, the menu, or after-hours voicemail."""
    call = current_call()
    record = CallRecord(
        call_sid=call.call_sid, from_number=call.from_number, caller_id=call.caller_id, to=call.to
    )
    caller = services().directory.receive(record, services().calls, first_step="incoming")
    flow = services().flow
    name = render.first_name(caller.customer.name) if caller.customer else None
    greeting = flow.greeting_for(name)
    now = utcnow()
    if not flow.is_open(now):
        closed = flow.hours.closed_message if flow.hours else ""
        return twiml(voicemail(now, greeting, closed))
    if caller.open_cases:
        case = caller.open_cases[-1]
        return twiml(to_case_owner(case, caller.owner_of(case), greeting))
    return twiml(render.menu(flow, flow.start, link("voice.menu", menu=flow.start), [greeting]))


def to_case_owner(case: Case, owner: CaseOwner, greeting: str) -> VoiceResponse:
    """Principle 3: a caller with an open case goes straight to the rep who owns it."""
    about = f"I see you have an open case about {case.subject}."
    rep = owner.rep
    if rep is None or owner.presence is not Presence.AVAILABLE:
        return enqueue(
            SUPPORT_QUEUE,
            greeting,
            about,
            f"{owner_name(rep)} is not free right now.",
            render.CONNECTING,
        )
    name = owner_name(rep)
    return render.dial(
        services().flow,
        rep.endpoint,
        action_url=link("voice.owner_result", case=case.reference, owner=rep.id),
        whisper_url=link("voice.whisper", case=case.reference),
        before=[greeting, about, f"Connecting you to {name}, who is looking after it."],
    )


@bp.post("/whisper")
@twilio_signed
def whisper() -> Response:
    """Played to the rep who answers: who is calling and about which case, before hello."""
    case = services().cases.get(request.args.get("case", ""))
    if case is None:
        about = WAITING
    else:
        customer = services().customers.get(case.customer_phone)
        who = customer.name if customer else "A caller"
        about = f"{who}, about case {render.spelled(case.reference)}: {case.subject}."
    return twiml(render.whisper(services().flow, about, link("voice.whisper_answer")))


@bp.post("/whisper/answer")
@twilio_signed
def whisper_answer() -> Response:
    """The rep pressed a key after the whisper."""
    return twiml(render.accepted(request.form.get("Digits", "")))


@bp.post("/owner-result")
@twilio_signed
def owner_result() -> Response:
    """After ringing the case owner: done if they talked, else the next free person."""
    call = current_call()
    status = request.form.get("DialCallStatus", "")
    owner = request.args.get("owner", "")
    talked = status == "completed"
    details = {"case": request.args.get("case", "")} | ({ANSWERED_BY: owner} if talked else {})
    services().calls.record_step(call.call_sid, f"owner:{owner}:{status}", details)
    if talked:
        return twiml(render.goodbye(services().flow))
    rep = services().reps.get(owner)
    return twiml(enqueue(SUPPORT_QUEUE, f"{owner_name(rep)} could not pick up.", render.CONNECTING))


def owner_name(rep: Rep | None) -> str:
    """How the caller hears of the rep on their case."""
    return render.first_name(rep.name) if rep else "The person on your case"


@bp.post("/menu")
@twilio_signed
def menu() -> Response:
    """The caller answered a menu (keys, words or silence)."""
    call = current_call()
    step = parsed(lambda: MenuStep.model_validate(request.args.to_dict()))
    flow = services().flow
    if step.menu not in flow.menus:  # a call that began under a flow since replaced
        log.warning("call %s answered unknown menu %r", call.call_sid, step.menu)
        return twiml(enqueue(SUPPORT_QUEUE, render.TO_A_PERSON))
    decision = answer(
        flow,
        step.menu,
        step.attempt,
        request.form.get("Digits", ""),
        request.form.get("SpeechResult", ""),
    )
    match decision:
        case TryAgain(attempt=attempt):
            services().calls.record_step(call.call_sid, f"menu:{step.menu}:missed")
            action = link("voice.menu", menu=step.menu, attempt=attempt)
            return twiml(render.menu(flow, step.menu, action, [render.SORRY]))
        case ToAPerson():
            services().calls.record_step(call.call_sid, f"menu:{step.menu}:missed-twice")
            return twiml(enqueue(SUPPORT_QUEUE, render.TO_A_PERSON))
        case Chosen(option=option, answer=said):
            services().calls.record_step(
                call.call_sid, f"menu:{step.menu}:{option.action}", {f"menu.{step.menu}": said}
            )
            return twiml(perform(call, step.menu, option))


def perform(call: TwilioCall, menu_name: str, option: Option) -> VoiceResponse:
    """Carry out a chosen menu option."""
    flow = services().flow
    match option:
        case PersonOption(queue=queue):
            return enqueue(queue or SUPPORT_QUEUE, render.CONNECTING)
        case QueueOption(queue=queue):
            return enqueue(queue, render.CONNECTING)
        case MenuOption(menu=submenu):
            return render.menu(flow, submenu, link("voice.menu", menu=submenu))
        case CaseStatusOption():
            return case_status(call, menu_name)
        case ManagerOption():
            return enqueue(MANAGER_QUEUE, render.CONNECTING_MANAGER)
        case VoicemailOption():
            return voicemail(utcnow())
        case RepeatOption():
            return render.menu(flow, menu_name, link("voice.menu", menu=menu_name))
    raise TypeError(f"unhandled menu option {option!r}")


def case_status(call: TwilioCall, menu_name: str) -> VoiceResponse:
    """Read the caller's open cases; an unknown caller is asked for a case number, once."""
    caller = services().directory.identify(call.from_number)
    again = link("voice.menu", menu=menu_name)
    flow = services().flow
    if caller.open_cases:
        statuses = [status_of(case, caller.owner_of(case).rep) for case in caller.open_cases]
        return render.menu(flow, menu_name, again, statuses)
    typed = services().calls.details(call.call_sid).get("case_reference")
    if typed:
        return read_typed_case(call, typed, menu_name)
    if caller.known:
        return render.menu(flow, menu_name, again, ["You have no open cases."])
    return render.ask_case_reference(flow, link("voice.case_reference", menu=menu_name))


@bp.post("/case-reference")
@twilio_signed
def case_reference() -> Response:
    """The caller typed a case number; it is kept, so they are never asked for it again."""
    call = current_call()
    step = parsed(lambda: MenuStep.model_validate(request.args.to_dict()))
    digits = "".join(ch for ch in request.form.get("Digits", "") if ch.isdigit())
    reference = f"C-{digits}" if digits else ""
    services().calls.record_step(
        call.call_sid, "case-reference", {"case_reference": reference or "none"}
    )
    return twiml(read_typed_case(call, reference, step.menu))


def read_typed_case(call: TwilioCall, reference: str, menu_name: str) -> VoiceResponse:
    """The status of a case the caller typed, or a person if there is no such case.

    References are easy to guess, so what a case is about and who owns it are said only to
    the number the case belongs to; anyone else hears just whether it is open.
    """
    case = services().cases.get(reference) if reference.startswith("C-") else None
    if case is None:
        return enqueue(SUPPORT_QUEUE, "I couldn't find that case.", render.TO_A_PERSON)
    if case.customer_phone == call.from_number:
        status = status_of(case, services().reps.get(case.owner))
    else:
        status = f"Case {render.spelled(case.reference)} is {case.status}."
    flow = services().flow
    return render.menu(flow, menu_name, link("voice.menu", menu=menu_name), [status])


def status_of(case: Case, rep: Rep | None) -> str:
    """One case's status as a sentence: reference, subject, status and who looks after it."""
    return (
        f"Your case {render.spelled(case.reference)}, about {case.subject}, is {case.status}."
        f" {owner_name(rep)} is looking after it."
    )


def voicemail(now: datetime, *before: str) -> VoiceResponse:
    """Offer to record a message, with the time we promise to call back by."""
    flow = services().flow
    deadline = callback_deadline(flow, now)
    links = render.VoicemailLinks(
        recorded=link("voice.voicemail_recorded", by=deadline.isoformat()),
        recording_status=link("voice.recording"),
        transcription=link("voice.transcription"),
        no_message=link("voice.person"),
    )
    return render.voicemail(flow, spoken_time(deadline, now, flow), links, before)


@bp.post("/voicemail")
@twilio_signed
def voicemail_recorded() -> Response:
    """The caller finished their message: confirm the promised callback time, say goodbye."""
    call = current_call()
    deadline = datetime.fromisoformat(request.args["by"])
    recording_url = request.form.get("RecordingUrl", "")
    try:
        services().calls.record_step(
            call.call_sid,
            "voicemail",
            {"promised_by": deadline.isoformat(), "recording": recording_url},
        )
    except RedisError:
        # The caller has left their message; thank them all the same. Twilio keeps the
        # recording and its status callback will try to store it again.
        log.error("voicemail of %s not logged (Redis down): %s", call.call_sid, recording_url)
    flow = services().flow
    said = spoken_time(deadline, utcnow(), flow)
    return twiml(render.goodbye(flow, render.RECORDED.format(time=said)))


@bp.post("/recording")
@twilio_signed
def recording() -> Response:
    """Twilio's recording status callback: the recording is kept with the call."""
    form = request.form
    return keep_callback(
        "recording",
        {
            "recording_sid": form.get("RecordingSid", ""),
            "recording_url": form.get("RecordingUrl", ""),
            "recording_status": form.get("RecordingStatus", ""),
        },
    )


@bp.post("/transcription")
@twilio_signed
def transcription() -> Response:
    """Twilio's transcription callback: the text (or that there is none) is kept with the call."""
    form = request.form
    return keep_callback(
        "transcription",
        {
            "transcript": form.get("TranscriptionText", ""),
            "transcription_status": form.get("TranscriptionStatus", ""),
        },
    )


def keep_callback(step: str, facts: dict[str, str]) -> Response:
    """Store what a callback reports; 503 if it cannot be stored, so the loss shows in Twilio."""
    call = current_call()
    try:
        services().calls.record_step(call.call_sid, step, facts)
    except RedisError as exc:
        log.error("%s of %s not stored (%s): %s", step, call.call_sid, exc, facts)
        return Response("storage unavailable\n", 503, mimetype="text/plain")
    return Response(status=204)


@bp.post("/hold")
@twilio_signed
def hold() -> Response:
    """The hold step, replayed while the caller waits: place in line and the callback offer.

    Needs no Redis: Twilio tells us the caller's position.
    """
    position = int(request.form.get("QueuePosition", "0") or 0)
    return twiml(render.hold(services().flow, position, link("voice.hold_choice")))


@bp.post("/hold/choice")
@twilio_signed
def hold_choice() -> Response:
    """A key pressed on hold: 1 leaves the queue for voicemail, anything else keeps the place."""
    if request.form.get("Digits") == "1":
        return twiml(render.leave_queue())
    return twiml(render.stay_in_queue())


@bp.post("/queue-result")
@twilio_signed
def queue_result() -> Response:
    """The caller left a queue: talked to someone, chose voicemail, or the queue failed them."""
    call = current_call()
    result = request.form.get("QueueResult", "")
    services().calls.record_step(
        call.call_sid,
        f"queue-result:{result}",
        {"queue": request.args.get("queue", ""), WAIT_SECONDS: request.form.get("QueueTime", "0")},
    )
    if result in ("bridged", "hangup", "redirected", "redirected-from-bridged"):
        return twiml(render.goodbye(services().flow))
    return twiml(voicemail(utcnow()))


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Twilio's call status callback: the call's outcome goes into its log."""
    form = request.form
    status = form.get("CallStatus", "")
    return keep_callback(
        f"status:{status}", {OUTCOME: status, "duration": form.get("CallDuration", "0")}
    )


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL: static, needs no Redis, so it works when everything else fails."""
    return fallback_answer()
