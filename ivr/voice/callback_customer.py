"""A callback rung customer first (the flow's `promises.order`): the customer's phone rings
with the line's number; once they answer, their call takes the callback's place in line and
rings the rep kept for it, as any caller's would (the whisper tells who and why, a rep who
does not take it passes them to the next). A customer who does not answer costs a try, and the
rep kept for them is free at once.

Every URL carries the attempt's id: a report of an older attempt, or the same report twice,
changes nothing.
"""

from __future__ import annotations

import logging

from flask import Response

from callflows import prompts, render
from ivr.degrade import degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue
from ivr.voice.callbacks import follow_up
from ivr.voice.connecting import answer_placement, ring
from ivr.voice.reports import not_stored
from ivr.webhooks import CallbackStep, CallStatusReport, form, query
from queues.routing_results import Caller
from voicemail.models import CallbackState

log = logging.getLogger(__name__)


def to_the_line() -> Response:
    """Without Redis the customer who answered still reaches a person: into the line's queue."""
    return twiml(enqueue(query(CallbackStep).line, prompts.RETURNING_YOUR_CALL))


@bp.post("/callback/customer")
@twilio_signed
@degrades_to(to_the_line)
def callback_customer() -> Response:
    """The customer answered: the callback is done (its promise kept or not, by the time they
    answered), and their call rings the rep kept for it, keeping its place should that rep
    not take it."""
    call = current_call()
    step = query(CallbackStep)
    callbacks = services().callbacks
    callbacks.connected(step.callback, step.attempt)  # a try spent, if the worker has not yet
    callback = callbacks.get(step.callback)
    if (
        callback is None
        or callback.state is not CallbackState.CONNECTED
        or callback.attempt != step.attempt
    ):
        return twiml(render.goodbye(services().flow, prompts.NOTHING_TO_RETURN))
    kept = services().router.swap(callback.id, call.call_sid, callback.phone)
    callbacks.finish(
        callback.id, step.attempt, "answered", "", services().flow.promises.backoff_seconds()
    )
    done = callbacks.get(callback.id)
    assert done is not None  # it was read a moment ago; callbacks are never deleted
    follow_up(done, step.rep)
    rep = services().reps.get(step.rep)
    greeting = [prompts.RETURNING_YOUR_CALL]
    if kept and rep is not None:
        return twiml(ring(call.call_sid, rep, step.line, greeting))
    caller = Caller(
        call_sid=call.call_sid,
        line=step.line,
        phone=callback.phone,
        owner=callback.owner or None,
    )
    placed = services().router.place(caller)
    return twiml(answer_placement(call, step.line, placed, greeting))


@bp.post("/callback/customer-ended")
@twilio_signed
@degrades_to(not_stored)
def callback_customer_ended() -> Response:
    """The call to the customer ended. Unanswered (busy, no answer, failed), or answered with
    no word from our answer step: a try is spent, the retry waits its back-off (or the customer
    is texted after the last), and the rep kept for them is free for the next caller. Answered
    and taken in, it changes nothing: the callback is done already."""
    step = query(CallbackStep)
    status = form(CallStatusReport).status
    outcome = "lost" if status == "completed" else status
    services().callbacks.connected(step.callback, step.attempt)  # a try spent, as above
    state = services().callbacks.finish(
        step.callback,
        step.attempt,
        outcome,
        f"customer {outcome}",
        services().flow.promises.backoff_seconds(),
    )
    callback = services().callbacks.get(step.callback)
    if state is None or callback is None:
        log.info("end of %s attempt %s changed nothing", step.callback, step.attempt)
        return Response(status=204)
    services().router.release(step.callback, None)
    follow_up(callback, step.rep)
    return Response(status=204)
