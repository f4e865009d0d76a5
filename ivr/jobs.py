"""Background jobs of the line, run by `ivr worker` (rq): acknowledge a message by text, put a
callback in line when it is due, and sweep up callbacks whose job or attempt was lost.

Jobs run inside the app of the worker's process (`bind`); a job run anywhere else builds one
from the settings. Every job may run twice (a retry, the sweeper): each step it takes is one of
the callback book's atomic transitions, so running again changes nothing twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from rq import Queue, Retry

from callflows import prompts
from callflows.promises import spoken_time
from callflows.render import CUSTOMER_RING_SECONDS
from crm.case_rules import CaseNews
from crm.models import Case, CaseStatus, utcnow
from crm.phones import takes_texts
from ivr import callback_calls
from ivr.case_story import owner_and_promise, story_of
from ivr.links import link
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.settings import Settings
from voicemail.models import Callback

# A text Twilio could not take is tried again a little later, then a little later still.
TEXT_RETRY = Retry(max=3, interval=[10, 60, 300])
# A case this near its promised time, still open, is flagged and its customer told.
CASE_AT_RISK = timedelta(hours=2)
# Due callbacks one job puts in line: enough that rq's own cost per job is small beside theirs.
DUE_BATCH = 200
_app: Flask | None = None


def bind(app: Flask) -> None:
    """Run this process's jobs inside `app`."""
    global _app
    _app = app


def _the_app() -> Flask:
    global _app
    if _app is None:
        from ivr import create_app

        _app = create_app(Settings.load())
    return _app


def _services() -> Services:
    return _the_app().extensions[EXTENSION]


def schedule_callback(services: Services, due: datetime) -> None:
    """Have callbacks due at `due` join the line then (the sweeper catches them if this job is
    lost). One job a second, for every callback due in it: thousands due at once (messages left
    overnight, all due when the line opens) are a few jobs taking them in batches, not
    thousands of jobs. rq releases jobs on the whole second, so the job's is the next one: never
    before the callbacks are due."""
    if due <= utcnow():
        services.jobs.enqueue(ring_due)
        return
    second = math.ceil(due.timestamp())
    services.jobs.enqueue_at(
        datetime.fromtimestamp(second, UTC), ring_due, job_id=f"callbacks-due-{second}"
    )


def _text_customer(callback_id: str, body: Callable[[Callback, Services], str]) -> None:
    """Text a callback's customer, when their number takes texts."""
    services = _services()
    callback = services.callbacks.get(callback_id)
    if callback is None or not takes_texts(callback.phone):
        return
    _text(services, callback.phone, body(callback, services))


def _text(services: Services, phone: str, body: str) -> None:
    """One text from the line's number."""
    services.twilio.messages.create(to=phone, from_=services.settings.support_number, body=body)


def acknowledge(callback_id: str, merged: bool) -> None:
    """Text the customer the reference and the promised time."""

    def body(callback: Callback, services: Services) -> str:
        said = spoken_time(callback.promised_by, utcnow(), services.flow)
        return (prompts.merged_sms if merged else prompts.acknowledgement_sms)(callback.id, said)

    _text_customer(callback_id, body)


def ring_due() -> None:
    """Callbacks due now join their line, a batch at a time, and free reps are rung. A full
    batch leaves more due: another job, queued first, takes the next batch on whichever worker
    is free, so workers share a burst."""
    services = _services()
    taken = services.callbacks.take_due(DUE_BATCH, callback_calls.TAKE_HOLD_SECONDS)
    if len(taken) == DUE_BATCH:
        services.jobs.enqueue(ring_due)
    callback_calls.join_line(_the_app(), *taken)


def text_failure(callback_id: str) -> None:
    """Tell the customer by text that every try to call them back failed."""
    _text_customer(callback_id, lambda callback, _: prompts.callback_failed_sms(callback.id))


def queue_failure_text(services: Services, callback_id: str) -> None:
    """Text the failure from the worker."""
    services.jobs.enqueue(text_failure, callback_id, retry=TEXT_RETRY)


def sweep() -> None:
    """Put every due callback in line, move those near their promise to the front, settle
    attempts Twilio no longer knows of, close resolved cases whose customer said nothing in
    time, and flag open cases near their promise (their customers told where they stand)."""
    services = _services()
    callback_calls.defend_promises(_the_app())
    callback_calls.join_line(
        _the_app(), *services.callbacks.take_due(DUE_BATCH, callback_calls.TAKE_HOLD_SECONDS)
    )
    for callback_id in services.callbacks.stuck():
        callback_calls.settle_stuck(_the_app(), callback_id)
    services.case_rules.close_unanswered()
    services.case_rules.defend_promises(CASE_AT_RISK)


def _text_case_customer(
    reference: str, body: Callable[[Case, Services], str], open_only: bool = False
) -> None:
    """Text a case's customer (while it is open, with `open_only`), when their number takes
    texts."""
    services = _services()
    case = services.cases.get(reference)
    if case is None or not takes_texts(case.customer_phone):
        return
    if open_only and case.status is not CaseStatus.OPEN:
        return
    _text(services, case.customer_phone, body(case, services))


def case_opened(reference: str) -> None:
    """Tell the customer, by text, that their case is open: who owns it and by when."""
    _text_case_customer(
        reference,
        lambda case, services: prompts.case_opened_sms(
            case.reference, *owner_and_promise(services, case)
        ),
    )


def touch_base(reference: str) -> None:
    """Tell the customer of a case near its promised time that it is still being worked on."""
    _text_case_customer(
        reference,
        lambda case, services: prompts.touch_base_sms(
            case.reference, *owner_and_promise(services, case)
        ),
        open_only=True,
    )


def case_changed(reference: str) -> None:
    """Touch base: tell the customer, by text, where their case stands after a change (a new
    owner, closed by the staff)."""
    _text_case_customer(reference, lambda case, services: story_of(services, case).text())


def ask_sign_off(reference: str) -> None:
    """Ask the customer of a resolved case whether it is sorted: by text, or by a call with a
    one-key question to a number that cannot take texts."""
    services = _services()
    case = services.cases.get(reference)
    if case is None or case.status is not CaseStatus.RESOLVED:
        return
    if takes_texts(case.customer_phone):
        _text(services, case.customer_phone, prompts.sign_off_sms(case.reference, case.subject))
        return
    with _the_app().app_context():
        question = link("voice.sign_off", case=case.reference)
    services.twilio.calls.create(
        to=case.customer_phone,
        from_=services.settings.support_number,
        url=question,
        method="POST",
        timeout=CUSTOMER_RING_SECONDS,
    )


def telling_customers(queue: Queue) -> Callable[[CaseNews, str], None]:
    """How the case rules have a case's customer told of a change: a text (a call, for a
    sign-off to a number that cannot take texts) from the worker, retried as texts are; a
    request never waits on Twilio's REST."""
    jobs: dict[CaseNews, Callable[[str], None]] = {
        CaseNews.OPENED: case_opened,
        CaseNews.RESOLVED: ask_sign_off,
        CaseNews.CHANGED: case_changed,
        CaseNews.AT_RISK: touch_base,
    }

    def tell(news: CaseNews, reference: str) -> None:
        queue.enqueue(jobs[news], reference, retry=TEXT_RETRY)

    return tell


def queue_acknowledgement(services: Services, callback_id: str, merged: bool) -> None:
    """Text the acknowledgement from the worker (a webhook does not wait on Twilio's REST)."""
    services.jobs.enqueue(acknowledge, callback_id, merged, retry=TEXT_RETRY)
