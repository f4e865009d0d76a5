"""Principle 3: a caller with an open case rings its owner, who hears who and why before hello."""

from __future__ import annotations

from datetime import datetime

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from callflows import prompts, render
from callflows.promises import spoken_time
from crm import call_steps
from crm.calls import ANSWERED_BY
from crm.models import Rep
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue
from ivr.webhooks import DialResult, MenuAnswer, OwnerStep, TwilioCall, form, query
from queues import lines
from queues.fast_track import OwnerRoute
from queues.outcomes import talked

# Where the rep's acceptance in the whisper is kept with the caller's call.
ACCEPTED_BY = "accepted_by"


def to_case_owner(
    call: TwilioCall, route: OwnerRoute, greeting: str, now: datetime
) -> VoiceResponse:
    """Ring the case's owner (with the case's status said on the way), or the line if not free."""
    flow = services().flow
    case = route.case
    promised = spoken_time(case.promised_by, now, flow) if case.promised_by else None
    about = prompts.open_case_on_arrival(case.subject, case.status.value, promised)
    name = owner_name(route.owner)
    if route.owner is None or not route.free:
        return enqueue(
            lines.SUPPORT, greeting, about, prompts.owner_not_free(name), prompts.CONNECTING
        )
    step = {"case": case.reference, "owner": route.owner.id, "call": call.call_sid}
    return render.dial(
        flow,
        route.owner.endpoint,
        action_url=link("voice.owner_result", **step),
        whisper_url=link("voice.whisper", **step),
        before=[greeting, about, prompts.connecting_to_owner(name)],
    )


def owner_name(rep: Rep | None) -> str:
    """How the caller hears of the rep on their case."""
    return render.first_name(rep.name) if rep else prompts.UNNAMED_OWNER


def whisper_without_details() -> Response:
    """Without Redis the rep still hears that a caller waits, and can take the call."""
    step = query(OwnerStep)
    accept_url = link("voice.whisper_answer", **step.model_dump())
    return twiml(render.whisper(services().flow, prompts.A_CALLER_IS_WAITING, accept_url))


@bp.post("/whisper")
@twilio_signed
@degrades_to(whisper_without_details)
def whisper() -> Response:
    """Played to the rep who answers: who is calling and about which case, before hello."""
    step = query(OwnerStep)
    case = services().cases.get(step.case) if step.case else None
    if case is None:
        about = prompts.A_CALLER_IS_WAITING
    else:
        customer = services().customers.get(case.customer_phone)
        who = customer.name if customer else prompts.UNNAMED_CALLER
        about = prompts.whisper_about_case(who, render.spelled(case.reference), case.subject)
    accept_url = link("voice.whisper_answer", **step.model_dump())
    return twiml(render.whisper(services().flow, about, accept_url))


def answer_unrecorded() -> Response:
    """Without Redis the rep's answer still connects or declines the call."""
    return twiml(render.accepted(form(MenuAnswer).digits))


@bp.post("/whisper/answer")
@twilio_signed
@degrades_to(answer_unrecorded)
def whisper_answer() -> Response:
    """The rep pressed a key after the whisper: 1 takes the call, and that is kept with it."""
    step = query(OwnerStep)
    digits = form(MenuAnswer).digits
    accepted = digits == "1"
    if step.call and step.owner:
        services().calls.record_step(
            step.call,
            call_steps.whisper_answer(step.owner, accepted),
            {ACCEPTED_BY: step.owner} if accepted else None,
        )
    return twiml(render.accepted(digits))


def over_or_next_person() -> Response:
    """Without Redis: a bridged call is over; otherwise the caller goes to the next person."""
    if form(DialResult).bridged:
        return twiml(render.goodbye(services().flow))
    could_not = prompts.owner_could_not_pick_up(prompts.UNNAMED_OWNER)
    return twiml(enqueue(lines.SUPPORT, could_not, prompts.CONNECTING))


@bp.post("/owner-result")
@twilio_signed
@degrades_to(over_or_next_person)
def owner_result() -> Response:
    """After ringing the case owner: done if they talked, else the next free person."""
    call = current_call()
    step = query(OwnerStep)
    result = form(DialResult)
    accepted_by = services().calls.details(call.call_sid).get(ACCEPTED_BY)
    conversation = talked(result.bridged, accepted_by, step.owner)
    details = {"case": step.case} | ({ANSWERED_BY: step.owner} if conversation else {})
    services().calls.record_step(
        call.call_sid, call_steps.owner_result(step.owner, result.status), details
    )
    if conversation:
        return twiml(render.goodbye(services().flow))
    rep = services().reps.get(step.owner) if step.owner else None
    could_not = prompts.owner_could_not_pick_up(owner_name(rep))
    return twiml(enqueue(lines.SUPPORT, could_not, prompts.CONNECTING))
