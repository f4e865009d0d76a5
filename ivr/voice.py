"""Twilio voice webhooks: what each caller hears, step by step."""

from __future__ import annotations

from flask import Blueprint, Response, request
from redis import RedisError
from twilio.twiml.voice_response import VoiceResponse

from crm.directory import Caller
from crm.models import CallRecord
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.webhooks import TwilioCall

bp = Blueprint("voice", __name__, url_prefix="/voice")

# Callers waiting for the next free person; routing assigns them to reps.
SUPPORT_QUEUE = "support"


def connect_to_person(document: VoiceResponse) -> VoiceResponse:
    """End a document by putting the caller in line for the next free person."""
    document.say("Connecting you to a person now.")
    document.enqueue(SUPPORT_QUEUE)
    return document


def greeting(caller: Caller) -> VoiceResponse:
    """Greet a known caller by first name, anyone else warmly all the same."""
    document = VoiceResponse()
    if caller.customer is not None:
        first_name = caller.customer.name.split()[0]
        document.say(f"Hello {first_name}, thanks for calling.")
    else:
        document.say("Thanks for calling.")
    return connect_to_person(document)


@bp.post("/incoming")
@twilio_signed
def incoming() -> Response:
    """A new call: recognise the caller, log the call, greet them."""
    call = TwilioCall.from_form(request.form, services().settings.region)
    try:
        caller = services().directory.identify(call.from_number)
        services().calls.start(
            CallRecord(
                call_sid=call.call_sid,
                from_number=call.from_number,
                caller_id=call.caller_id,
                to=call.to,
                customer_phone=caller.phone if caller.known else None,
                path=["incoming"],
            )
        )
    except RedisError:
        return fallback_answer()
    return twiml(greeting(caller))


def fallback_answer() -> Response:
    """What a caller hears when the line cannot look anything up: still a person, never silence."""
    document = VoiceResponse()
    document.say("Thanks for calling.")
    return twiml(connect_to_person(document))


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL: static, needs no Redis, so it works when everything else fails."""
    return fallback_answer()
