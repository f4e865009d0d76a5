"""Inbound SMS: a reply of STOP or CANCEL calls off the sender's open callback; any other text
gets a one-line pointer to call instead (the number takes calls).

STOP and CANCEL are also Twilio's opt-out words: Twilio confirms the opt-out itself and would
not deliver a reply of ours, so the callback is cancelled and nothing more is said.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from twilio.twiml.messaging_response import MessagingResponse

from callflows import prompts
from crm.phones import caller_e164
from ivr.degrade import answer_anyway, degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.webhooks import SmsMessage, form
from voicemail.book import CallbackRefused

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)
CANCEL_WORDS = frozenset({"stop", "cancel"})


def call_us() -> Response:
    """Reply once, pointing to the line; needs no Redis."""
    reply = MessagingResponse()
    reply.message(prompts.SMS_CALL_US.format(number=services().settings.support_number))
    return twiml(reply)


def cancel_callback(sender: str | None) -> Response:
    """Call off the sender's open callback; say nothing (Twilio answers opt-out words)."""
    callback_id = services().callbacks.open_for(sender) if sender else None
    if callback_id is None:
        log.info("cancel by text from %s: no callback open", sender)
        return twiml(MessagingResponse())
    try:
        services().callbacks.cancel(callback_id, "the customer replied to cancel")
    except CallbackRefused as exc:  # it closed a moment ago
        log.info("cancel by text: %s", exc)
        return twiml(MessagingResponse())
    services().router.release(callback_id, None)
    return twiml(MessagingResponse())


@bp.post("/incoming")
@twilio_signed
@degrades_to(call_us)
def incoming() -> Response:
    """A text to the line's number."""
    message = form(SmsMessage)
    if message.body.strip().lower() in CANCEL_WORDS:
        return cancel_callback(caller_e164(message.sender, services().settings.region))
    return call_us()


answer_anyway(bp, last_resort=call_us)
