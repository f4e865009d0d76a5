"""Connecting a caller to a rep: the line decides who, the rep hears who and why, and each
ring's end is settled (a conversation wraps the rep up; a missed ring puts the caller back in
their place and tries the next rep)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from callflows import prompts, render
from callflows.promises import spoken_time
from crm import call_steps
from crm.calls import ANSWERED_BY
from crm.models import Case, CaseStatus, Rep, utcnow
from ivr.call_cases import case_of_taken_call
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue
from ivr.voice.callback_whisper import whisper_about
from ivr.webhooks import DialResult, MenuAnswer, RingStep, TwilioCall, form, query
from queues import lines
from queues.outcomes import talked
from queues.routing_results import Caller, Offered, Placement
from voicemail.models import is_callback_id

# Where the rep's acceptance in the whisper is kept with the caller's call.
ACCEPTED_BY = "accepted_by"


def tier_floor(call: TwilioCall) -> str:
    """The tier the number called gives its callers (a premium line), else standard."""
    number = services().flow.routing.numbers.get(call.to)
    return number.tier if number and number.tier else "standard"


def line_called(call: TwilioCall) -> str:
    """The line a caller reaches by the number they called (support unless the flow maps it)."""
    number = services().flow.routing.numbers.get(call.to)
    return number.queue if number else lines.SUPPORT


def to_line(
    call: TwilioCall,
    line: str,
    before: Sequence[str],
    owner: str | None = None,
    skip: str | None = None,
) -> VoiceResponse:
    """Ring the best free rep of `line` at once, or put the caller in line, after `before`."""
    caller = Caller(
        call_sid=call.call_sid,
        line=line,
        phone=call.customer_number,
        tier=tier_floor(call),
        owner=owner,
        skip=skip,
    )
    return answer_placement(call, line, services().router.place(caller), before)


def answer_placement(
    call: TwilioCall, line: str, placement: Placement, before: Sequence[str]
) -> VoiceResponse:
    """Ring the rep the caller was offered to, or let them wait in `line` with our hold step."""
    if isinstance(placement, Offered):
        return ring(call.call_sid, placement.rep, line, before)
    return enqueue(line, *before)


def ring(call_sid: str, rep: Rep, line: str, before: Sequence[str]) -> VoiceResponse:
    """Ring `rep` for the caller; the rep hears the whisper and presses 1 to take the call."""
    step = {"rep": rep.id, "line": line, "call": call_sid}
    return render.dial(
        services().flow,
        rep.endpoint,
        action_url=link("voice.ring_result", **step),
        whisper_url=link("voice.whisper", **step),
        before=before,
    )


def rep_name(rep: Rep | None) -> str:
    """How the caller hears of a rep: their first name."""
    return render.first_name(rep.name) if rep else prompts.UNNAMED_OWNER


def whisper_without_details() -> Response:
    """Without Redis the rep still hears that a caller waits, and can take the call."""
    accept_url = link("voice.whisper_answer", **query(RingStep).model_dump())
    return twiml(render.whisper(services().flow, [prompts.A_CALLER_IS_WAITING], accept_url))


@bp.post("/whisper")
@twilio_signed
@degrades_to(whisper_without_details)
def whisper() -> Response:
    """Played to the rep who answers, before hello: who is calling, their tier, why."""
    step = query(RingStep)
    entry = services().router.entry(step.call)
    phone = entry.get("phone", "")
    customer = services().customers.get(phone) if phone else None
    who = customer.name if customer else prompts.UNNAMED_CALLER
    case = services().cases.get(entry["case"]) if entry.get("case") else None
    # A callback's customer who answered (customer first): what the callback was about.
    was = entry.get("was", "")
    callback = services().callbacks.get(was) if is_callback_id(was) else None
    if callback:
        about = whisper_about(callback)
    elif case:
        about = [prompts.whisper_about_case(who, render.spelled(case.reference), case.subject)]
    else:
        about = [prompts.whisper_caller(who)]
    about.append(prompts.whisper_route(entry.get("tier", "standard"), step.line))
    accept_url = link("voice.whisper_answer", **step.model_dump())
    return twiml(render.whisper(services().flow, about, accept_url))


def answer_unrecorded() -> Response:
    """Without Redis the rep's answer still connects or declines the call."""
    return twiml(render.accepted(form(MenuAnswer).digits))


@bp.post("/whisper/answer")
@twilio_signed
@degrades_to(answer_unrecorded)
def whisper_answer() -> Response:
    """The rep pressed a key after the whisper: 1 takes the call, and that is kept with it; the
    call then belongs to the caller's open case, or to a new one the rep owns."""
    step = query(RingStep)
    digits = form(MenuAnswer).digits
    accepted = digits == "1"
    services().calls.record_step(
        step.call,
        call_steps.whisper_answer(step.rep, accepted),
        {ACCEPTED_BY: step.rep} if accepted else None,
    )
    if accepted:
        services().router.accepted(step.call, step.rep)
        case_of_taken_call(services(), step.call, step.rep, step.line)
    return twiml(render.accepted(digits))


def over_or_next_person() -> Response:
    """Without Redis: a bridged call is over; otherwise the caller waits for the next person."""
    if form(DialResult).bridged:
        return twiml(render.goodbye(services().flow))
    could_not = prompts.owner_could_not_pick_up(prompts.UNNAMED_OWNER)
    return twiml(enqueue(query(RingStep).line, could_not, prompts.CONNECTING))


@bp.post("/ring-result")
@twilio_signed
@degrades_to(over_or_next_person)
def ring_result() -> Response:
    """After ringing a rep: over if they talked; else they are missed and the next rep tried,
    the caller keeping their place. A caller who hung up meanwhile frees the rep."""
    call = current_call()
    step = query(RingStep)
    result = form(DialResult)
    router = services().router
    details = services().calls.details(call.call_sid)
    conversation = talked(result.bridged, details.get(ACCEPTED_BY), step.rep)
    case = router.entry(call.call_sid).get("case")
    services().calls.record_step(
        call.call_sid,
        call_steps.ring_result(step.rep, result.status),
        ({ANSWERED_BY: step.rep} if conversation else {}) | ({"case": case} if case else {}),
    )
    if conversation:
        router.finished(call.call_sid, step.rep, step.line, result.duration)
        if taken_for := details.get("case"):
            spent = services().case_rules.talked(taken_for, step.rep, result.duration)
            return twiml(render.goodbye(services().flow, *case_told(spent)))
        return twiml(render.goodbye(services().flow))
    if call.call_status == "completed":  # the caller hung up while the rep was rung
        router.release(call.call_sid, call.customer_number)
        return twiml(render.goodbye(services().flow))
    router.missed(call.call_sid, step.rep)
    could_not = prompts.owner_could_not_pick_up(rep_name(services().reps.get(step.rep)))
    return twiml(to_line(call, step.line, [could_not, prompts.CONNECTING], skip=step.rep))


def case_told(case: Case) -> list[str]:
    """What a caller hears of their case as the conversation ends: its reference and, while
    it is open, when we promised to get back to them."""
    if case.status is not CaseStatus.OPEN or case.promised_by is None:
        return []
    by = spoken_time(case.promised_by, utcnow(), services().flow)
    return [prompts.case_reference_told(render.spelled(case.reference), by)]


def connect_without_details() -> Response:
    """Without Redis a caller taken out of line still reaches a person: back in the queue."""
    return twiml(enqueue(query(RingStep).line, prompts.CONNECTING))


@bp.post("/connect")
@twilio_signed
@degrades_to(connect_without_details)
def connect() -> Response:
    """Where a waiting caller is moved (by REST) when a rep was claimed for them: ring that rep.

    An offer that no longer stands (the rep went away meanwhile) puts the caller back in line.
    """
    call = current_call()
    step = query(RingStep)
    entry = services().router.entry(call.call_sid)
    rep = services().reps.get(step.rep)
    if rep is None or entry.get("state") != "offered" or entry.get("rep") != step.rep:
        return twiml(to_line(call, step.line, [prompts.CONNECTING]))
    return twiml(ring(call.call_sid, rep, step.line, [prompts.CONNECTING]))
