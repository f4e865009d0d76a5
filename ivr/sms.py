"""Inbound SMS: the number takes calls, so a text gets a one-line pointer to call instead."""

from __future__ import annotations

from flask import Blueprint, Response
from twilio.twiml.messaging_response import MessagingResponse

from callflows import prompts
from ivr.degrade import answer_anyway, degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.webhooks import SmsMessage, form

bp = Blueprint("sms", __name__, url_prefix="/sms")


def call_us() -> Response:
    """Reply once, pointing to the line; needs no Redis."""
    reply = MessagingResponse()
    reply.message(prompts.SMS_CALL_US.format(number=services().settings.support_number))
    return twiml(reply)


@bp.post("/incoming")
@twilio_signed
@degrades_to(call_us)
def incoming() -> Response:
    """A text to the line's number."""
    form(SmsMessage)  # a request Twilio would never send is refused, not answered
    return call_us()


answer_anyway(bp, last_resort=call_us)
