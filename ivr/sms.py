"""Inbound SMS: a reply of STOP or CANCEL calls off the sender's open callback; YES or NO signs
off the sender's resolved case (sorted: closed; not sorted: reopened with its owner); a text
naming a case reference gets the case's status, when the sender's number is the case's; any
other text gets a one-line pointer to call instead (the number takes calls).

A case asked about from another number gets the same answer as a case that does not exist, and
such misses are throttled as the status page's are: a text cannot find out which references
exist, nor read someone else's case.

STOP and CANCEL are also Twilio's opt-out words: Twilio confirms the opt-out itself and would
not deliver a reply of ours, so the callback is cancelled and nothing more is said.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response
from twilio.twiml.messaging_response import MessagingResponse

from callflows import prompts
from crm.case_rules import NotAllowed, NotNow
from crm.phones import caller_e164
from ivr.case_lookup import look_up
from ivr.case_story import owner_and_promise, story_of
from ivr.degrade import answer_anyway, degrades_to
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.throttle import try_again_in
from ivr.twiml import twiml
from ivr.webhooks import SmsMessage, form
from voicemail.book import CallbackRefused

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)
CANCEL_WORDS = frozenset({"stop", "cancel"})
YES_WORDS = frozenset({"yes", "y", "yes.", "yes!", "sorted"})
NO_WORDS = frozenset({"no", "n", "no.", "not sorted"})
CASE_REFERENCE = re.compile(r"\bC-?(\d{1,12})\b", re.IGNORECASE)


def call_us() -> Response:
    """Reply once, pointing to the line; needs no Redis."""
    return reply(prompts.SMS_CALL_US.format(number=services().settings.support_number))


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


def reply(text: str) -> Response:
    """One text back."""
    answer = MessagingResponse()
    answer.message(text)
    return twiml(answer)


def case_status(sender: str | None, reference: str) -> Response:
    """The status of the case named, to the number on it; the same miss for anyone else."""
    found = look_up(services(), reference, sender or "", sender or "withheld")
    if found.wait_seconds:
        return reply(f"{prompts.SMS_TOO_MANY_TRIES} {try_again_in(found.wait_seconds)}")
    if found.case is None:
        log.info("status by text: %s not found for %s", reference, sender)
        return reply(prompts.sms_no_such_case(services().settings.support_number))
    return reply(story_of(services(), found.case).text())


def sign_off(sender: str | None, sorted_out: bool) -> Response:
    """The sender's answer to the sign-off question of their resolved case."""
    reference = services().cases.awaiting_sign_off_from(sender) if sender else None
    number = services().settings.support_number
    if reference is None:
        log.info("sign-off by text from %s: no case awaits it", sender)
        return reply(prompts.nothing_to_sign_off_sms(number))
    assert sender is not None  # only a known number has a case awaiting its answer
    try:
        case = services().case_rules.signed_off(reference, sender, sorted_out)
    except (NotAllowed, NotNow) as exc:  # answered or closed a moment ago
        log.info("sign-off by text: %s", exc)
        return reply(prompts.nothing_to_sign_off_sms(number))
    if sorted_out:
        return reply(prompts.signed_off_sms(case.reference))
    return reply(prompts.reopened_sms(case.reference, *owner_and_promise(services(), case)))


@bp.post("/incoming")
@twilio_signed
@degrades_to(call_us)
def incoming() -> Response:
    """A text to the line's number."""
    message = form(SmsMessage)
    sender = caller_e164(message.sender, services().settings.region)
    words = message.body.strip().lower()
    if words in CANCEL_WORDS:
        return cancel_callback(sender)
    if words in YES_WORDS or words in NO_WORDS:
        return sign_off(sender, words in YES_WORDS)
    if named := CASE_REFERENCE.search(message.body):
        return case_status(sender, f"C-{int(named.group(1))}")
    return call_us()


answer_anyway(bp, last_resort=call_us)
