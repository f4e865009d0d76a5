"""Waiting in line: the hold step, a key pressed on hold, and what happens when the wait ends."""

from __future__ import annotations

from flask import Response

from callflows import render
from crm import call_steps
from crm.calls import WAIT_SECONDS
from crm.models import utcnow
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import ask_callback_number, current_call, voicemail
from ivr.webhooks import HoldState, KeepPlaceStep, MenuAnswer, QueueExit, QueueStep, form, query
from queues import lines
from queues.outcomes import AfterQueue, after_queue
from queues.router import KEEP_PLACE
from queues.routing_script import LINES


def hold_in_twilio_order() -> Response:
    """The hold step from what Twilio tells us alone: the caller keeps their place."""
    position = form(HoldState).position
    return twiml(render.hold(services().flow, position, link("voice.hold_choice")))


@bp.post("/hold")
@twilio_signed
@degrades_to(hold_in_twilio_order)
def hold() -> Response:
    """The hold step, replayed while the caller waits: their place in our order (not Twilio's
    first-in, first-out one) and the message offer."""
    standing = services().router.hold(current_call().call_sid)
    return twiml(
        render.hold(
            services().flow, standing.position, link("voice.hold_choice"), standing.expected_seconds
        )
    )


def hold_choice_answer() -> Response:
    """1 (a message) and 2 (keep my place) leave the queue, via the Enqueue action; any other
    key keeps holding."""
    if form(MenuAnswer).digits in ("1", "2"):
        return twiml(render.leave_queue())
    return twiml(render.stay_in_queue())


@bp.post("/hold/choice")
@twilio_signed
@degrades_to(hold_choice_answer)
def hold_choice() -> Response:
    """A key pressed on hold: 2 is kept with the caller, so that leaving the queue leads to
    their callback instead of a message."""
    if form(MenuAnswer).digits == "2":
        services().router.wants_callback(current_call().call_sid)
    return hold_choice_answer()


def after_the_wait() -> Response:
    """What leaving the queue means for the caller: goodbye after a conversation, else a message."""
    if after_queue(form(QueueExit).result) is AfterQueue.GOODBYE:
        return twiml(render.goodbye(services().flow))
    line = query(QueueStep).queue
    return twiml(voicemail(utcnow(), line=line if line in LINES else lines.SUPPORT))


# QueueResult when our REST redirect took the caller out of the queue to ring a rep.
MOVED_TO_A_REP = frozenset({"redirected", "redirected-from-bridged"})


@bp.post("/queue-result")
@twilio_signed
@degrades_to(after_the_wait)
def queue_result() -> Response:
    """The caller left a queue: moved to a rep (by REST), chose a message, hung up, or the queue
    failed them. Only a caller moved to a rep is still routed; anyone else leaves our line."""
    call = current_call()
    exit_ = form(QueueExit)
    line = query(QueueStep).queue
    keeps_place = (
        exit_.result == "leave"
        and services().router.entry(call.call_sid).get(KEEP_PLACE) == "1"
        and line in LINES
    )
    if exit_.result not in MOVED_TO_A_REP and not keeps_place:
        services().router.release(call.call_sid, call.customer_number)
    services().calls.record_step(
        call.call_sid,
        call_steps.queue_result(exit_.result),
        {"queue": line, WAIT_SECONDS: str(exit_.seconds)},
    )
    if keeps_place:
        return ask_callback_number(call, KeepPlaceStep.model_validate({"line": line}))
    return after_the_wait()
