"""A callback: the promise made to a caller, kept as one record with explicit states."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Callback ids ("CB-12") share the routing line with Twilio's CallSids ("CA..."); the prefix
# tells them apart (lua/callbacks.lua makes them).
CALLBACK_ID_PREFIX = "CB-"


def is_callback_id(routed: str) -> bool:
    """Whether a routed id is a callback rather than a live call."""
    return routed.startswith(CALLBACK_ID_PREFIX)


class CallbackState(StrEnum):
    """Where a callback stands; only pending and retry-wait ones are dialled."""

    PENDING = "pending"
    DIALLING = "dialling"  # one live attempt: the rep is rung first
    CONNECTED = "connected"  # the rep took it; the customer is dialled and bridged
    RETRY_WAIT = "retry-wait"  # an attempt failed; due again after the back-off
    DONE = "done"
    FAILED = "failed"  # the last attempt failed
    CANCELLED = "cancelled"


class Message(BaseModel):
    """One request behind a callback: a voicemail, or a caller who chose to be called back."""

    model_config = ConfigDict(extra="forbid")

    at: datetime
    call_sid: str = ""
    recording_url: str = ""
    seconds: int = 0
    transcript: str = ""


class Callback(BaseModel):
    """One callback as stored: who to call, why, by when, and how the attempts went."""

    model_config = ConfigDict(extra="ignore")

    id: str
    phone: str
    line: str = "support"
    case: str = ""
    owner: str = ""  # the rep who owns the callback (the case owner), if any
    path: str = ""  # what the caller chose in the menu
    created: datetime
    due: datetime
    promised_by: datetime
    state: CallbackState
    attempts: int = 0
    max_attempts: int
    attempt: str = ""  # the live attempt's id, matched against Twilio's reports
    leg: str = ""  # the CallSid ringing the rep for the live attempt
    last_outcome: str = ""
    reason: str = ""  # why it failed or was cancelled
    escalated: int = 0  # 1: offered to any free rep of its line; 2: to the supervisors
    closed: datetime | None = None
    kept: bool | None = None  # done by the promised time
    margin: float | None = Field(default=None, description="seconds to spare (negative: late)")
    messages: list[Message] = Field(default_factory=list)

    @classmethod
    def from_stored(cls, fields: dict[str, str], messages: list[str]) -> Callback:
        """A callback from its Redis hash (times as epoch seconds) and its messages (JSON)."""
        values: dict[str, object] = {k: v for k, v in fields.items() if v != ""}
        for name in ("created", "due", "promised_by", "closed"):
            if name in values:
                values[name] = datetime.fromtimestamp(float(str(values[name])), UTC)
        if "kept" in values:
            values["kept"] = values["kept"] == "1"
        values["messages"] = [Message.model_validate_json(raw) for raw in messages]
        return cls.model_validate(values)
