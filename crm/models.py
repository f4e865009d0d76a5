"""The records the support line keeps: customers, reps, cases and calls.

All are pydantic models stored as JSON in Redis. Phone numbers are E.164 on the way in, so two
spellings of one number can never become two customers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from crm.phones import to_e164

_CLIENT_IDENTITY = re.compile(r"^client:[A-Za-z0-9_.@-]{1,121}$")
_CASE_REFERENCE = re.compile(r"^C-\d+$")
# What XML 1.0 forbids: C0 controls but tab, LF and CR; U+FFFE and U+FFFF. (Lone surrogates,
# forbidden too, never get this far: pydantic refuses them as not a valid string.)
# Any of them in a name or subject makes every TwiML document that speaks it unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STORED = "stored"
_STORED_CONTEXT: dict[str, Any] = {_STORED: True}


def _e164(value: str) -> str:
    if not value.startswith("+"):
        raise ValueError(f"{value!r} is not in international format (+ and country code)")
    return to_e164(value)


def _endpoint(value: str) -> str:
    if value.startswith("client:"):
        if not _CLIENT_IDENTITY.match(value):
            raise ValueError(f"{value!r} is not a valid client:IDENTITY")
        return value
    return _e164(value)


def _reference(value: str) -> str:
    value = value.strip().upper()
    if not _CASE_REFERENCE.match(value):
        raise ValueError(f"{value!r} is not a case reference like C-1042")
    return value


def _xml_safe(value: str, info: ValidationInfo) -> str:
    found = _NOT_XML.search(value)
    if found is None:
        return value
    if info.context and info.context.get(_STORED):
        # Written before the edge refused such text: read it cleaned rather than lose the record.
        return _NOT_XML.sub("", value)
    code = ord(found.group())
    kind = "a control character" if code < 0x20 else "a non-character"
    raise PydanticCustomError(
        "xml_forbidden_character",
        "contains {kind} ({code})",
        {"kind": kind, "code": f"U+{code:04X}"},
    )


E164 = Annotated[str, AfterValidator(_e164)]
Endpoint = Annotated[str, AfterValidator(_endpoint)]
CaseReference = Annotated[str, AfterValidator(_reference)]
Team = Literal["support", "tech", "billing"]
RepId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
# Free text a caller or rep may later hear or read: never a character XML cannot carry.
Text = Annotated[str, AfterValidator(_xml_safe)]


def explain(error: ValidationError) -> str:
    """A validation error as one line, field by field: `subject: String should have ...`."""
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'value'}: {problem['msg']}"
        for problem in error.errors()
    )


def utcnow() -> datetime:
    """The current time, timezone-aware, so stored times compare across machines."""
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every stored model: strict about unknown fields so typos fail loudly."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @classmethod
    def from_stored(cls, raw: str | bytes) -> Self:
        """Read a record back from Redis: what was valid when written still loads."""
        return cls.model_validate_json(raw, context=_STORED_CONTEXT)


class Tier(StrEnum):
    """Spend tiers; higher tiers are answered first."""

    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"


class TierThresholds(Record):
    """Minimum spend for each tier above standard (set by the call flow)."""

    silver: Decimal = Decimal(1000)
    gold: Decimal = Decimal(10000)

    def tier_for(self, spend: Decimal) -> Tier:
        """The tier a customer with this spend belongs to."""
        if spend >= self.gold:
            return Tier.GOLD
        if spend >= self.silver:
            return Tier.SILVER
        return Tier.STANDARD


class Customer(Record):
    """A customer, found by the number they call from."""

    phone: E164
    name: Text = Field(min_length=1, max_length=200)
    spend: Decimal = Field(default=Decimal(0), ge=0)
    account: Text | None = Field(default=None, min_length=1, max_length=64)


class Role(StrEnum):
    """What a console user may do: supervisors also take manager transfers and close any case."""

    REP = "rep"
    SUPERVISOR = "supervisor"


class Presence(StrEnum):
    """Where a rep is on the floor; only an available rep is offered a call.

    Offered (a call rings them) and missed (an offer went unanswered or was declined: out of
    rotation until they are available again) are set by routing, never by hand.
    """

    AVAILABLE = "available"
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap-up"
    AWAY = "away"
    OFFLINE = "offline"
    MISSED = "missed"


# The lines a rep may answer; supervisors answer the managers' line as well.
TEAMS = ("support", "tech", "billing")
MANAGERS_LINE = "managers"


class Rep(Record):
    """A person who answers calls: a phone number or a browser client."""

    id: RepId
    name: Text = Field(min_length=1, max_length=200)
    endpoint: Endpoint
    role: Role = Role.REP
    password_hash: str
    teams: tuple[Team, ...] = ("support",)

    @property
    def lines(self) -> tuple[str, ...]:
        """The lines whose callers this rep takes: their teams, and managers' if a supervisor."""
        return self.teams + ((MANAGERS_LINE,) if self.role is Role.SUPERVISOR else ())


class CaseStatus(StrEnum):
    """A case is open until resolved; the customer's sign-off closes it or reopens it."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Satisfaction(StrEnum):
    """What the customer said when asked whether their resolved case is sorted."""

    HAPPY = "happy"
    NOT_HAPPY = "not-happy"
    NO_REPLY = "no-reply"


class CaseEvent(Record):
    """One line of a case's timeline."""

    at: datetime = Field(default_factory=utcnow)
    kind: str
    by: str | None = None
    text: Text = ""


class Case(Record):
    """A customer's problem, owned by the rep who took it until it is closed.

    Its timeline of events is kept beside it (`CaseRepository.timeline`), so reading a case on
    every call costs the same however long its history grows.
    """

    reference: CaseReference
    customer_phone: E164
    subject: Text = Field(min_length=1, max_length=500)
    category: Text = Field(default="general", min_length=1, max_length=64)
    status: CaseStatus = CaseStatus.OPEN
    owner: RepId
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    promised_by: datetime | None = None
    time_spent_seconds: int = Field(default=0, ge=0)
    # Resolved: the customer is asked whether it is sorted, and silence until then closes it.
    sign_off_by: datetime | None = None
    satisfaction: Satisfaction | None = None
    # Reopened because the customer said it was not sorted, or near its promised time still
    # open: its owner (and the supervisors) should look first.
    flagged: bool = False
    at_risk: bool = False
    # Whether it is a problem that keeps coming back (None: nobody said yet), and which known
    # problem it is, so product owners see what recurs.
    recurring: bool | None = None
    problem: Text | None = Field(default=None, min_length=1, max_length=100)
    closed_at: datetime | None = None


class CallRecord(Record):
    """One call, by Twilio's CallSid: where it went in the menu, its waits and its outcome."""

    call_sid: str = Field(min_length=1, max_length=64)
    from_number: E164 | None = None
    caller_id: str = ""
    to: str = ""
    started_at: datetime = Field(default_factory=utcnow)
    path: list[str] = Field(default_factory=list)
    details: dict[str, str] = Field(default_factory=dict)
    wait_seconds: float = Field(default=0, ge=0)
    queue: str | None = None
    tier: str | None = None
    position_on_entry: int | None = None
    offered_to: list[str] = Field(default_factory=list)
    answered_by: str | None = None
    outcome: str | None = None  # answered, abandoned, voicemail or escalated
