"""What the router is asked and what it answers: a caller to place, a rep offered or a place
in line, a claim, a refusal, what a waiting caller is told. Plain values, no Redis."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from crm.models import Rep


@dataclass(frozen=True)
class Caller:
    """A caller who needs a person: on which line, from which number, with which case owner."""

    call_sid: str
    line: str
    phone: str | None = None
    tier: str = "standard"  # at least this tier (the number called); their spend may raise it
    owner: str | None = None
    skip: str | None = None  # a rep who just missed this caller: not offered them again


@dataclass(frozen=True)
class Offered:
    """A rep was free: ring them now (they are marked offered)."""

    rep: Rep


@dataclass(frozen=True)
class Waiting:
    """Nobody suitable is free: the caller waits, at this place in our order."""

    position: int


Placement = Offered | Waiting


@dataclass(frozen=True)
class Refused:
    """A rep could not take a caller: `taken` (by `detail`), `gone`, or `busy` (the rep)."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Hold:
    """What a waiting caller is told: their place in our order and, when known, the wait."""

    position: int  # 1 is next; 0 when not waiting
    expected_seconds: int | None


def expected_wait(position: int, on_duty: int, handled_total: int, handled: int) -> int | None:
    """Seconds until the caller at `position` is likely answered, or None when unknown.

    Each rep on duty frees up about once per average conversation, so the line moves `on_duty`
    places per average conversation. Unknown without recent conversations or anyone on duty.
    """
    if position <= 0 or on_duty <= 0 or handled <= 0:
        return None
    average = handled_total / handled
    return math.ceil(position * average / on_duty)


@dataclass(frozen=True)
class Claim:
    """A waiting caller claimed for a free rep: move the call to ring them."""

    call_sid: str
    rep_id: str
    line: str


@dataclass(frozen=True)
class Arrival:
    """A new call in one step: who is calling, and a caller with an open case placed."""

    found: list[Any]  # what crm's `Directory.caller_from` reads
    placement: Placement | None  # None: no open case, the caller goes to the menu
    line: str  # the line they were placed on: their case's, else the number's
