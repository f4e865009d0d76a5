"""What a rep hears about a callback before they take it, whether it rings them first or
the customer it rings already waits: who, how long since they asked, their case, their words."""

from __future__ import annotations

from callflows import prompts, render
from crm.models import utcnow
from ivr.services_access import services
from voicemail.models import Callback


def whisper_about(callback: Callback) -> list[str]:
    """Who the callback is for, how long they have waited, their case, and what they said."""
    customer = services().customers.get(callback.phone)
    who = customer.name if customer else prompts.UNNAMED_CALLER
    minutes = int((utcnow() - callback.created).total_seconds() // 60)
    about = [prompts.callback_whisper(who, minutes)]
    case = services().cases.get(callback.case) if callback.case else None
    if case:
        about.append(prompts.whisper_about_case(who, render.spelled(case.reference), case.subject))
    heard = services().calls.transcripts([message.call_sid for message in callback.messages])
    about.extend(prompts.callback_message(transcript) for transcript in heard)
    return about
