"""Twilio voice webhooks: what each caller hears, step by step.

One blueprint; each module holds the views of one part of a call. A view parses Twilio's
request into a model (`ivr.webhooks`), asks the domain, and answers TwiML; it declares next to
it what it answers when it fails (`ivr.degrade`), so a caller never hears an error.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voice", __name__, url_prefix="/voice")

# The views register themselves on `bp` when their modules are imported.
from ivr.degrade import answer_anyway  # noqa: E402
from ivr.voice import (  # noqa: E402
    arrival,
    callback_customer,
    callbacks,
    case_status,
    connecting,
    keep_place,
    managers,
    queueing,
    reports,
    sign_off,
    voicemail,
)
from ivr.voice.answers import to_a_person_now  # noqa: E402

answer_anyway(bp, last_resort=to_a_person_now)

__all__ = [
    "arrival",
    "bp",
    "callback_customer",
    "callbacks",
    "case_status",
    "connecting",
    "keep_place",
    "managers",
    "queueing",
    "reports",
    "sign_off",
    "voicemail",
]
