"""Calls for callbacks, by Twilio's REST API: the rep is rung first (they hear who and why,
and press 1), and only then is the customer dialled, from the rep's call.

Each attempt has its own id in every URL Twilio calls back on, so a report of an old attempt
changes nothing; the call ringing the rep is kept with the attempt so that the sweeper can
ask Twilio about an attempt it has not heard from.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import Flask
from twilio.base.exceptions import TwilioRestException

from callflows.line_policy import CallbackOrder
from callflows.quiet_hours import zones_of_customer
from callflows.render import CUSTOMER_RING_SECONDS, RING_SECONDS
from crm.models import Rep, utcnow
from ivr.links import link
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.twilio_rest import CONCURRENT_REQUESTS, call_ended
from queues import lines
from queues.dispatcher import Moved
from queues.routing_results import Caller, Claim, Offered
from queues.routing_script import LINES
from voicemail.book import CallbackRefused
from voicemail.models import CallbackState
from voicemail.promises import AT_RISK

log = logging.getLogger(__name__)
# How long an attempt may go unheard of before the sweeper asks Twilio about its call: the
# rep's ring and whisper, then the customer's ring, with room to spare.
ATTEMPT_LEASE_SECONDS = 180
# With this little time left before its promise, a waiting callback goes to the supervisors.
SUPERVISORS_BEFORE = timedelta(minutes=5)
# A callback in line is looked at again by the sweeper this long after, should the line have
# lost it (placing it again keeps its place; a claim whose ring never began is rung). A worker
# killed between claiming a callback for a rep and starting its attempt leaves both waiting
# until then, so it is a minute, not five.
IN_LINE_RECHECK_SECONDS = 60
# A callback taken from the due list is put in line within this long, or taken again.
TAKE_HOLD_SECONDS = 15
# Reps rung at once for callbacks joining together: Twilio's answers are waited for side by side.
RINGING_AT_ONCE = CONCURRENT_REQUESTS


def start_attempt(app: Flask, claim: Claim) -> Moved:
    """Start an attempt of the claimed callback: ring whoever the flow has rung first, the rep
    (their answer runs our whisper, then dials the customer) or the customer (their answer
    rings the rep kept for them).

    GONE when the callback is closed or already being dialled (it leaves the line);
    UNREACHABLE when Twilio cannot place the call (the attempt is undone, nothing spent).
    """
    services: Services = app.extensions[EXTENSION]
    night_over = customers_night(services, claim.call_sid)
    if night_over is not None:
        services.callbacks.defer(claim.call_sid, night_over)
        log.info("callback %s waits for the customer's morning", claim.call_sid)
        return Moved.GONE
    try:
        attempt = services.callbacks.start(claim.call_sid, ATTEMPT_LEASE_SECONDS, force=True)
    except CallbackRefused as exc:
        log.info("callback not dialled: %s", exc)
        return Moved.GONE
    rep = services.reps.get(claim.rep_id)
    first = _first_call(services, claim.call_sid, rep)
    if rep is None or first is None:
        services.callbacks.requeue(claim.call_sid, attempt)
        return Moved.GONE
    step = {"callback": claim.call_sid, "attempt": attempt, "rep": rep.id, "line": claim.line}
    with app.app_context():
        answered = link(first.answered, **step)
        ended = link(first.ended, **step)
    try:
        call = services.twilio.calls.create(
            to=first.to,
            from_=services.settings.support_number,
            url=answered,
            method="POST",
            status_callback=ended,
            status_callback_method="POST",
            timeout=first.ring_seconds,
        )
    except (TwilioRestException, OSError) as exc:
        log.warning("cannot ring %s for callback %s: %s", first.to, claim.call_sid, exc)
        services.callbacks.requeue(claim.call_sid, attempt)
        return Moved.UNREACHABLE
    services.callbacks.leg(claim.call_sid, attempt, call.sid)
    if first.to != rep.endpoint:  # the customer's phone rings: a try spent (unless their
        services.callbacks.connected(claim.call_sid, attempt)  # answer already recorded it)
    return Moved.MOVED


@dataclass(frozen=True)
class FirstCall:
    """The call an attempt starts with: who it rings, for how long, and our steps for its
    answer and its end."""

    to: str
    ring_seconds: int
    answered: str
    ended: str


def _first_call(services: Services, callback_id: str, rep: Rep | None) -> FirstCall | None:
    """The rep, or (customer first) the customer; None when either is not there."""
    if rep is None:
        return None
    if services.flow.promises.order is CallbackOrder.REP_FIRST:
        return FirstCall(
            rep.endpoint, RING_SECONDS, "voice.callback_rep", "voice.callback_rep_ended"
        )
    callback = services.callbacks.get(callback_id)
    if callback is None:
        return None
    return FirstCall(
        callback.phone,
        CUSTOMER_RING_SECONDS,
        "voice.callback_customer",
        "voice.callback_customer_ended",
    )


def customers_night(services: Services, callback_id: str) -> datetime | None:
    """When the customer's quiet hours end, if it is night for them now; else None."""
    quiet = services.flow.promises.quiet_hours
    if quiet is None:
        return None
    callback = services.callbacks.get(callback_id)
    if callback is None:
        return None
    return quiet.quiet_until(utcnow(), zones_of_customer(callback.phone, services.flow.zone))


def join_line(app: Flask, *callback_ids: str, skip: str | None = None) -> None:
    """Due callbacks join their line, each keeping any place it had; free reps (not `skip`, who
    just passed one on) are rung at once, several at a time: a burst due together (messages
    left overnight, due when the line opens) waits on Twilio's answers side by side.

    Each is placed before it is marked in line (not due until the recheck): a process that dies
    in between leaves it due, and the next sweep places it again, keeping its place. Marked
    first, it would wait out of the line until the recheck."""
    services: Services = app.extensions[EXTENSION]
    offers = []
    for callback in services.callbacks.get_many(callback_ids):
        if callback.state not in (CallbackState.PENDING, CallbackState.RETRY_WAIT):
            continue
        line = callback.line if callback.line in LINES else LINES[0]
        caller = Caller(
            call_sid=callback.id,
            line=line,
            phone=callback.phone,
            owner=callback.owner or None,
            skip=skip,
        )
        placed = services.router.place(caller)
        if isinstance(placed, Offered):  # ringing starts an attempt, taking it off the due list
            offers.append(Claim(call_sid=callback.id, rep_id=placed.rep.id, line=line))
        else:
            services.callbacks.in_line(callback.id, IN_LINE_RECHECK_SECONDS)
    if len(offers) > 1:
        with ThreadPoolExecutor(min(len(offers), RINGING_AT_ONCE)) as pool:
            list(pool.map(partial(_ring_offer, app), offers))
    elif offers:
        _ring_offer(app, offers[0])


def _ring_offer(app: Flask, offer: Claim) -> None:
    """Ring the rep a joining callback was offered to. With Twilio unreachable it stays in line
    and the rep keeps their turn: the dispatcher's next turn tries again. Gone (closed, or
    another joiner's attempt began) it leaves the line."""
    services: Services = app.extensions[EXTENSION]
    moved = start_attempt(app, offer)
    if moved is Moved.UNREACHABLE:
        services.router.unclaim(offer.call_sid, offer.rep_id)
        services.callbacks.in_line(offer.call_sid, IN_LINE_RECHECK_SECONDS)
    elif moved is Moved.GONE and not being_dialled(services, offer.call_sid):
        services.router.release(offer.call_sid, None)


def being_dialled(services: Services, callback_id: str) -> bool:
    """Whether an attempt of the callback is under way. Two joiners (two workers' sweeps) may
    be handed the same offer; the one refused must leave it to the attempt the other began,
    not release it: that would free a rep whose phone is ringing."""
    callback = services.callbacks.get(callback_id)
    return callback is not None and callback.state in (
        CallbackState.DIALLING,
        CallbackState.CONNECTED,
    )


def passed_on(app: Flask, callback_id: str, attempt: str, rep_id: str) -> bool:
    """The rep rung for an attempt never took it: they are missed, the callback back in its
    place for the next rep, no attempt spent. False when the attempt was already settled."""
    services: Services = app.extensions[EXTENSION]
    if not services.callbacks.requeue(callback_id, attempt):
        return False
    services.router.missed(callback_id, rep_id)
    join_line(app, callback_id, skip=rep_id)
    return True


def defend_promises(app: Flask) -> list[str]:
    """Callbacks still waiting near their promised time skip their wait: with 15 minutes left
    any free rep of their line takes them first; with 5 left, the supervisors do. Returns
    those escalated now."""
    services: Services = app.extensions[EXTENSION]
    now = utcnow()
    escalated = []
    near = services.callbacks.near_promise(AT_RISK.total_seconds())
    for callback in services.callbacks.get_many(near):
        if callback.state not in (CallbackState.PENDING, CallbackState.RETRY_WAIT):
            continue
        level = 2 if callback.promised_by - now <= SUPERVISORS_BEFORE else 1
        if not services.callbacks.escalate(callback.id, level):
            continue
        join_line(app, callback.id)
        line = lines.MANAGERS if level == 2 else callback.line
        if services.router.expedite(callback.id, line):
            log.warning("callback %s near its promise: to the front of %s", callback.id, line)
        escalated.append(callback.id)
    return escalated


def settle_stuck(app: Flask, callback_id: str) -> None:
    """An attempt not heard of for its lease: while its call is on, renew the lease; once the
    call is gone (or never began), put the callback back in line and free the rep."""
    services: Services = app.extensions[EXTENSION]
    callback = services.callbacks.get(callback_id)
    if callback is None or not callback.attempt:
        return
    if callback.leg and not call_ended(services.twilio, callback.leg):
        services.callbacks.lease(callback_id, callback.attempt, ATTEMPT_LEASE_SECONDS)
        return
    entry = services.router.entry(callback_id)
    rep = entry.get("rep", "")
    if callback.state is CallbackState.DIALLING:
        services.callbacks.requeue(callback_id, callback.attempt)
        if rep:
            services.router.unclaim(callback_id, rep)
    else:  # the customer was dialled and no outcome came: count it as not answered
        services.callbacks.finish(
            callback_id,
            callback.attempt,
            "lost",
            "no report of the call",
            services.flow.promises.backoff_seconds(),
        )
        if rep:
            services.router.finished(callback_id, rep, entry.get("line", "support"), None)
