"""A callback's calls: the rep rung for it hears who and why (their message as transcribed) and
presses 1; then the customer is dialled from the rep's call, showing the line's number; how
that ends decides the callback (done, another try after the back-off, or failed).

Every URL carries the attempt's id: a report of an older attempt, or the same report twice,
changes nothing.
"""

from __future__ import annotations

import logging

from flask import Response, current_app

from callflows import prompts, render
from callflows.promises import spoken_time
from crm.models import CaseEvent, utcnow
from ivr import callback_calls, jobs
from ivr.call_cases import case_of_callback
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.callback_whisper import whisper_about
from ivr.voice.reports import not_stored
from ivr.webhooks import CallbackStep, DialResult, MenuAnswer, form, query
from voicemail.models import Callback, CallbackState

log = logging.getLogger(__name__)


def goodbye(*sentences: str) -> Response:
    """Last words to the rep, then hang up."""
    return twiml(render.goodbye(services().flow, *sentences))


def without_details() -> Response:
    """Without Redis the attempt cannot be followed: the rep is told, the sweeper retries it."""
    return goodbye(prompts.A_CALLBACK_IS_WAITING, prompts.CALLBACK_PASSED_ON)


@bp.post("/callback/rep")
@twilio_signed
@degrades_to(without_details)
def callback_rep() -> Response:
    """The rep answered the call ringing them for a callback: the whisper, then press 1."""
    step = query(CallbackStep)
    callback = services().callbacks.get(step.callback)
    if (
        callback is None
        or callback.state is not CallbackState.DIALLING
        or callback.attempt != step.attempt
    ):
        return goodbye(prompts.CALLBACK_ALREADY_HANDLED)
    accept_url = link("voice.callback_rep_answer", **step.model_dump())
    return twiml(
        render.whisper(
            services().flow, whisper_about(callback), accept_url, prompts.CALLBACK_ACCEPT
        )
    )


@bp.post("/callback/rep/answer")
@twilio_signed
@degrades_to(without_details)
def callback_rep_answer() -> Response:
    """1: an attempt is spent and the customer dialled; any other key passes it on."""
    step = query(CallbackStep)
    if form(MenuAnswer).digits != "1":
        callback_calls.passed_on(current_app, step.callback, step.attempt, step.rep)
        return goodbye(prompts.CALLBACK_PASSED_ON)
    if not services().callbacks.connected(step.callback, step.attempt):
        return goodbye(prompts.CALLBACK_ALREADY_HANDLED)
    services().router.accepted(step.callback, step.rep)
    callback = services().callbacks.get(step.callback)
    assert callback is not None  # it was connected a moment ago; callbacks are never deleted
    case_of_callback(services(), callback, step.rep)
    return twiml(
        render.call_customer(
            services().flow,
            callback.phone,
            services().settings.support_number,
            link("voice.callback_customer_result", **step.model_dump()),
            [prompts.CALLING_THEM],
        )
    )


@bp.post("/callback/customer-result")
@twilio_signed
@degrades_to(without_details)
def callback_customer_result() -> Response:
    """The call to the customer ended: answered is done; otherwise another try after the
    back-off, or, after the last, a text to the customer."""
    step = query(CallbackStep)
    result = form(DialResult)
    flow = services().flow
    state = services().callbacks.finish(
        step.callback,
        step.attempt,
        "answered" if result.bridged else result.status,
        f"customer {result.status}",
        flow.promises.backoff_seconds(),
    )
    callback = services().callbacks.get(step.callback)
    if state is None or callback is None:
        log.info("report for %s attempt %s changed nothing", step.callback, step.attempt)
        return goodbye()
    # Only the live attempt's end frees its rep: a late or repeated report of an earlier one
    # must not take the retry, waiting in line, out of it.
    services().router.finished(
        step.callback, step.rep, step.line, result.duration if result.bridged else None
    )
    follow_up(callback, step.rep)
    if state is CallbackState.RETRY_WAIT:
        return goodbye(prompts.callback_retry(spoken_time(callback.due, utcnow(), flow)))
    if state is CallbackState.FAILED:
        return goodbye(prompts.CALLBACK_LAST_TRY)
    return goodbye(prompts.CALLBACK_DONE)


def follow_up(callback: Callback, rep_id: str) -> None:
    """After an attempt: the retry scheduled, or the customer texted after the last; and a
    callback done or failed goes on its case's timeline."""
    if callback.state is CallbackState.RETRY_WAIT:
        jobs.schedule_callback(services(), callback.due)
    elif callback.state is CallbackState.FAILED:
        jobs.queue_failure_text(services(), callback.id)
    note_on_case(callback, rep_id)


def note_on_case(callback: Callback, rep_id: str) -> None:
    """Put a callback's end on its case's timeline: done (and by how much), or failed."""
    if not callback.case:
        return
    if callback.state is CallbackState.DONE:
        text = prompts.callback_done_note(callback.id, round((callback.margin or 0) / 60))
        kind = "callback-done"
    elif callback.state is CallbackState.FAILED:
        text = prompts.callback_failed_note(callback.id, callback.attempts)
        kind = "callback-failed"
    else:
        return
    services().cases.note(callback.case, CaseEvent(kind=kind, by=rep_id, text=text))


@bp.post("/callback/rep-ended")
@twilio_signed
@degrades_to(not_stored)
def callback_rep_ended() -> Response:
    """The call ringing the rep ended: if they never took the callback (no answer, busy,
    declined, hung up in the whisper), it goes back in its place for the next rep."""
    step = query(CallbackStep)
    if not callback_calls.passed_on(current_app, step.callback, step.attempt, step.rep):
        log.info("end of %s attempt %s: nothing to pass on", step.callback, step.attempt)
    return Response(status=204)
