"""A message left on the line becomes a callback, tied to the caller's open case.

A message of under two seconds is a caller who hung up or said nothing: no callback is owed
for it, and the caller is asked once more instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.cases import CaseRepository
from voicemail.book import CallbackBook, Request, Requested
from voicemail.models import Message

MIN_MESSAGE_SECONDS = 2


@dataclass(frozen=True)
class LeftMessage:
    """A recording a caller left, as Twilio reports it."""

    recording_sid: str
    recording_url: str
    seconds: int
    call_sid: str
    phone: str
    line: str
    path: str
    at: datetime


def is_a_message(seconds: int) -> bool:
    """Whether a recording this long holds a message worth a callback."""
    return seconds >= MIN_MESSAGE_SECONDS


def take_message(
    book: CallbackBook,
    cases: CaseRepository,
    message: LeftMessage,
    due: datetime,
    promised_by: datetime,
    max_attempts: int,
) -> Requested:
    """Make the message a callback (or add it to the caller's open one). The owner of their
    newest open case owns it; the same recording reported again changes nothing."""
    open_cases = cases.open_for_caller(message.phone)
    newest = max(open_cases, key=lambda case: case.created_at) if open_cases else None
    return book.request(
        Request(
            origin=message.recording_sid,
            phone=message.phone,
            due=due,
            promised_by=promised_by,
            message=Message(
                at=message.at,
                call_sid=message.call_sid,
                recording_url=message.recording_url,
                seconds=message.seconds,
            ),
            line=message.line,
            case=newest.reference if newest else "",
            owner=newest.owner if newest else "",
            path=message.path,
        ),
        max_attempts,
    )
