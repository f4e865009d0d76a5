"""Twilio's webhook parameters as pydantic models: each request checked once, at the edge.

Views read these models, never `request.form[...]`: a malformed request is refused with 400
naming the field, and caller IDs become E.164 here and nowhere else. Twilio adds parameters
over time, so unknown ones are ignored; the ones a step relies on are required.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from crm.models import CaseReference
from crm.phones import caller_e164
from ivr.errors import parsed

# SIP callers are never refused, and SIP URIs (with their parameters) can be long.
MAX_ADDRESS_LENGTH = 4096


class Webhook(BaseModel):
    """Base of the request models: Twilio's parameter names, unknown parameters ignored."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")


M = TypeVar("M", bound=Webhook)


def form(model: type[M]) -> M:
    """This request's form as `model`, or 400 naming the fields that are wrong."""
    return parsed(lambda: model.model_validate(request.form.to_dict()))


def query(model: type[M]) -> M:
    """This request's query string (our own links' parameters) as `model`, or 400."""
    return parsed(lambda: model.model_validate(request.args.to_dict()))


class TwilioCall(Webhook):
    """The parameters Twilio sends with every voice webhook."""

    call_sid: str = Field(alias="CallSid", min_length=2, max_length=64)
    account_sid: str = Field(alias="AccountSid", min_length=2, max_length=64)
    caller_id: str = Field(alias="From", default="", max_length=MAX_ADDRESS_LENGTH)
    to: str = Field(alias="To", default="", max_length=MAX_ADDRESS_LENGTH)
    call_status: str = Field(alias="CallStatus", default="")
    direction: str = Field(alias="Direction", default="inbound")
    customer_number: str | None = None

    @classmethod
    def from_form(cls, fields: Mapping[str, str], region: str) -> TwilioCall:
        """Parse a webhook form; `customer_number` is the customer's E.164 number, None if
        unknown: who called in, or who a call we placed (a callback, customer first) rang."""
        call = cls.model_validate(dict(fields))
        customer = call.to if call.direction.startswith("outbound") else call.caller_id
        return call.model_copy(update={"customer_number": caller_e164(customer, region)})


class MenuAnswer(Webhook):
    """What a caller did at a `<Gather>`: keys, words, or nothing (both empty)."""

    digits: str = Field(alias="Digits", default="", max_length=64)
    speech: str = Field(alias="SpeechResult", default="", max_length=2000)


class DialResult(Webhook):
    """The `<Dial>` action: how ringing a person ended.

    `bridged` is Twilio's `DialBridged`: whether the two legs were ever connected. A leg that
    answered but hung up during its whisper was never bridged, whatever `DialCallStatus` says.
    """

    status: str = Field(alias="DialCallStatus", min_length=1, max_length=32)
    bridged: bool = Field(alias="DialBridged", default=False)
    duration: int = Field(alias="DialCallDuration", default=0, ge=0)
    dialled_sid: str = Field(alias="DialCallSid", default="", max_length=64)


class QueueExit(Webhook):
    """The `<Enqueue>` action: why the caller left the queue, and how long they waited."""

    result: str = Field(alias="QueueResult", min_length=1, max_length=64)
    seconds: int = Field(alias="QueueTime", default=0, ge=0)


class HoldState(Webhook):
    """The `<Enqueue>` waitUrl request: where the caller is in Twilio's queue."""

    position: int = Field(alias="QueuePosition", default=0, ge=0)


class Recorded(Webhook):
    """The `<Record>` action: the caller finished (or hung up on) their message."""

    recording_sid: str = Field(alias="RecordingSid", default="", max_length=64)
    recording_url: str = Field(alias="RecordingUrl", default="", max_length=2048)
    duration: int = Field(alias="RecordingDuration", default=0, ge=0)


class RecordingStatus(Webhook):
    """Twilio's recording status callback."""

    recording_sid: str = Field(alias="RecordingSid", min_length=2, max_length=64)
    recording_url: str = Field(alias="RecordingUrl", default="", max_length=2048)
    status: str = Field(alias="RecordingStatus", min_length=1, max_length=32)
    duration: int = Field(alias="RecordingDuration", default=0, ge=0)


class Transcription(Webhook):
    """Twilio's transcription callback: the text, or that there is none."""

    text: str = Field(alias="TranscriptionText", default="", max_length=100_000)
    status: str = Field(alias="TranscriptionStatus", min_length=1, max_length=32)


class CallStatusReport(Webhook):
    """Twilio's call status callback."""

    status: str = Field(alias="CallStatus", min_length=1, max_length=32)
    duration: int = Field(alias="CallDuration", default=0, ge=0)


class SmsMessage(Webhook):
    """An inbound SMS."""

    message_sid: str = Field(alias="MessageSid", min_length=2, max_length=64)
    sender: str = Field(alias="From", default="", max_length=MAX_ADDRESS_LENGTH)
    body: str = Field(alias="Body", default="", max_length=10_000)


class MenuStep(Webhook):
    """Where in the flow a menu answer belongs (our own action URL's query)."""

    menu: str = Field(min_length=1, max_length=64)
    attempt: int = Field(default=1, ge=1, le=10)


class RingStep(Webhook):
    """Which rep is rung for which caller on which line (a ring, its whisper, its result)."""

    rep: str = Field(min_length=1, max_length=64)
    line: Literal["support", "tech", "billing", "managers"]
    call: str = Field(min_length=2, max_length=64, description="the caller's CallSid")


class KeepPlaceStep(Webhook):
    """A caller choosing the number to be called back on: their line, a second try, and the
    typed number being confirmed."""

    line: Literal["support", "tech", "billing", "managers"] = "support"
    again: bool = False
    number: str = Field(default="", max_length=20)
    # For a message left with a withheld number: the recording and the promise already made.
    recording: str = Field(default="", max_length=64)
    recording_url: str = Field(default="", max_length=2048)
    seconds: int = Field(default=0, ge=0)
    by: datetime | None = None

    def carried(self) -> dict[str, str]:
        """What every link of these steps carries on: the line, and the message if any."""
        if not self.recording:
            return {"line": self.line}
        return {
            "line": self.line,
            "recording": self.recording,
            "recording_url": self.recording_url,
            "seconds": str(self.seconds),
            "by": self.by.isoformat() if self.by else "",
        }


class CallbackStep(Webhook):
    """One attempt of a callback: which callback, which attempt, the rep rung, the line."""

    callback: str = Field(min_length=2, max_length=64)
    attempt: str = Field(min_length=2, max_length=64)
    rep: str = Field(min_length=1, max_length=64)
    line: Literal["support", "tech", "billing", "managers"]


class SignOffStep(Webhook):
    """Which resolved case a sign-off call asks about (our own link's query)."""

    case: CaseReference


class Escalation(Webhook):
    """Who handed a caller up to a manager, and why (our own link's query)."""

    by: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=500)


class QueueStep(Webhook):
    """Which of our lines a queue result is about."""

    queue: str = Field(default="", max_length=64)


class PromiseStep(Webhook):
    """The callback time promised before a message was recorded, the line it is left on, and
    whether the caller is trying a second time (after a message too short to be one)."""

    by: datetime
    line: Literal["support", "tech", "billing", "managers"] = "support"
    again: bool = False
