"""The worker's dispatcher, wired: a claimed caller's call is moved by Twilio's REST API to our
`/voice/connect` step, which rings the rep (whisper first)."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from twilio.base.exceptions import TwilioRestException

from ivr.links import link
from ivr.services_access import EXTENSION
from queues.dispatcher import Dispatcher
from queues.router import Claim

log = logging.getLogger(__name__)


def move_call(app: Flask, call_sid: str, endpoint: str, **params: str) -> bool:
    """Move a live call to our step `endpoint` (Twilio's REST call update); False if it ended."""
    with app.app_context():
        url = link(endpoint, **params)
    try:
        app.extensions[EXTENSION].twilio.calls(call_sid).update(url=url, method="POST")
    except TwilioRestException as exc:  # the call ended (404, or no longer in progress)
        log.info("cannot move call %s: %s", call_sid, exc.msg)
        return False
    return True


def connect(app: Flask, claim: Claim) -> bool:
    """Have a claimed caller ring the rep claimed for them."""
    return move_call(
        app, claim.call_sid, "voice.connect", rep=claim.rep_id, line=claim.line, call=claim.call_sid
    )


def dispatcher(app: Flask) -> Dispatcher:
    """A dispatcher for `app`'s line that rings claimed callers through Twilio's REST API."""
    services = app.extensions[EXTENSION]
    return Dispatcher(
        services.router,
        services.blocking_redis,
        services.keys,
        connect=lambda claim: connect(app, claim),
        no_manager=lambda call_sid: move_call(app, call_sid, "voice.no_manager"),
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
