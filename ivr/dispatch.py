"""The worker's dispatcher, wired: a claimed caller's call is moved by Twilio's REST API to our
`/voice/connect` step, which rings the rep (whisper first), and the line is reconciled with
the members of Twilio's queues."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ivr import callback_calls
from ivr.links import link
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.twilio_rest import call_ended
from queues.dispatcher import Dispatcher, Moved
from queues.reconcile import RECONCILE_SECONDS, Reconciler
from queues.routing_results import Claim
from queues.routing_script import LINES
from voicemail.models import is_callback_id

log = logging.getLogger(__name__)


def move_call(app: Flask, call_sid: str, endpoint: str, **params: str) -> Moved:
    """Move a live call to our step `endpoint` (Twilio's REST call update)."""
    with app.app_context():
        url = link(endpoint, **params)
    try:
        app.extensions[EXTENSION].twilio.calls(call_sid).update(url=url, method="POST")
    except TwilioRestException as exc:
        if exc.status >= 500:
            log.warning("Twilio failed to move call %s: %s", call_sid, exc.msg)
            return Moved.UNREACHABLE
        log.info("cannot move call %s: %s", call_sid, exc.msg)  # it ended (404, not in progress)
        return Moved.GONE
    except OSError as exc:  # no answer from Twilio (connection refused, timeout)
        log.warning("cannot reach Twilio to move call %s: %s", call_sid, exc)
        return Moved.UNREACHABLE
    return Moved.MOVED


def connect(app: Flask, claim: Claim) -> Moved:
    """Have a claimed caller ring the rep claimed for them; for a callback, ring the rep,
    who then calls the customer."""
    if is_callback_id(claim.call_sid):
        return callback_calls.start_attempt(app, claim)
    return move_call(
        app, claim.call_sid, "voice.connect", rep=claim.rep_id, line=claim.line, call=claim.call_sid
    )


def queue_members(twilio: Client) -> set[str] | None:
    """The CallSids waiting in Twilio's queues of our lines; None when Twilio cannot be asked."""
    try:
        return {
            member.call_sid
            for queue in twilio.queues.list()
            if queue.friendly_name in LINES
            for member in twilio.queues(queue.sid).members.list()
        }
    except (TwilioRestException, OSError) as exc:
        log.warning("cannot list Twilio's queue members: %s", exc)
        return None


def dispatcher(app: Flask, reconcile_seconds: float = RECONCILE_SECONDS) -> Dispatcher:
    """A dispatcher for `app`'s line that rings claimed callers through Twilio's REST API and
    reconciles the line with Twilio's queues every `reconcile_seconds`."""
    services = app.extensions[EXTENSION]
    return Dispatcher(
        services.router,
        services.blocking_redis,
        services.keys,
        connect=lambda claim: connect(app, claim),
        no_manager=lambda call_sid: move_call(app, call_sid, "voice.no_manager"),
        reconciler=reconciler(services, reconcile_seconds),
    )


def reconciler(services: Services, interval_seconds: float = RECONCILE_SECONDS) -> Reconciler:
    """Reconciles the line of `services` with the members of Twilio's queues."""
    return Reconciler(
        services.router,
        members=lambda: queue_members(services.twilio),
        ended=lambda call_sid: call_ended(services.twilio, call_sid),
        interval_seconds=interval_seconds,
    )


class Running:
    """A dispatcher running in a background thread of this process."""

    def __init__(self, app: Flask) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=dispatcher(app).run, args=(self._stop,), name="dispatcher", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current turn (at most a tick away), and wait for it."""
        self._stop.set()
        self._thread.join()


def start(app: Flask) -> Running:
    """Run `app`'s dispatcher in a background thread until `stop()`."""
    return Running(app)
