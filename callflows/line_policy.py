"""How a line treats its callers, as the flow states it: the tiers spend earns, the callback
promises and how hard they are tried, and the routing order (head starts, the fairness cap,
the waits for an owner, a manager, a redial).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, cast

from pydantic import Field, field_validator

from callflows.model import FlowModel
from callflows.quiet_hours import QuietHours


class Tiers(FlowModel):
    """Minimum spend for each tier above standard."""

    silver: int = Field(default=1000, ge=0)
    gold: int = Field(default=10000, ge=0)


class CallbackOrder(StrEnum):
    """Who a callback rings first when its turn comes and a rep is free.

    Rep first: the rep hears who and why and accepts before the customer's phone rings, so no
    customer answers to silence. Customer first: the customer is rung, and their call then
    rings the rep kept for them, as any caller's does; the rep's time is not spent on
    customers who do not answer."""

    REP_FIRST = "rep-first"
    CUSTOMER_FIRST = "customer-first"


class Promises(FlowModel):
    """How soon, in minutes, a callback is promised (a manager's promise is the shorter), how
    hard it is tried (calls to the customer at most, and the waits between them), and who is
    rung first."""

    callback_minutes: int = Field(default=120, gt=0)
    manager_callback_minutes: int = Field(default=30, gt=0)
    attempts: int = Field(default=3, ge=1, le=10, description="calls to the customer at most")
    quiet_hours: QuietHours | None = Field(
        default=None, description="the customer's night, in their zone: no callback rings then"
    )
    retry_minutes: list[float] = Field(
        default_factory=lambda: [5.0, 15.0, 30.0],
        min_length=1,
        description="wait after the first failed call, the second, ...; the last repeats",
    )
    order: CallbackOrder = CallbackOrder.REP_FIRST

    @field_validator("retry_minutes")
    @classmethod
    def _positive_waits(cls, value: list[float]) -> list[float]:
        if any(minutes <= 0 for minutes in value):
            raise ValueError("every wait between attempts must be longer than zero")
        return value

    def backoff_seconds(self) -> list[int]:
        """The waits between attempts, in whole seconds (at least one)."""
        return [max(1, round(minutes * 60)) for minutes in self.retry_minutes]


DEFAULT_TURNAROUND_HOURS = 48.0


class CasePolicy(FlowModel):
    """How soon a new case is promised an answer (by category), how long the customer of a
    resolved case has to say whether it is sorted (silence closes it), and how soon a case
    they say is not sorted is promised again."""

    sign_off_hours: float = Field(default=72, gt=0, description="silence this long closes it")
    reopened_promise_hours: float = Field(
        default=24, gt=0, description="a case the customer says is not sorted is promised again"
    )
    turnaround_hours: dict[str, float] = Field(
        default_factory=lambda: {"default": 48.0},
        description="how soon a new case is promised an answer, by category ('default': others)",
    )

    @field_validator("turnaround_hours")
    @classmethod
    def _positive_turnarounds(cls, value: dict[str, float]) -> dict[str, float]:
        if any(hours <= 0 for hours in value.values()):
            raise ValueError("every turnaround must be longer than zero")
        return {category.casefold(): hours for category, hours in value.items()}

    def turnaround(self, category: str) -> float:
        """Hours a new case of `category` is promised an answer within."""
        hours = self.turnaround_hours
        return hours.get(category.casefold(), hours.get("default", DEFAULT_TURNAROUND_HOURS))


# The lines callers wait in, each answered by the reps of its team; managers by supervisors.
TEAM_LINES: tuple[str, ...] = ("support", "tech", "billing")
TierName = Literal["standard", "silver", "gold"]
_HEAD_STARTS: dict[TierName, int] = {"standard": 0, "silver": 45, "gold": 90}


class CalledNumber(FlowModel):
    """A number of the line's own that leads to a line of its own, or counts as a tier."""

    queue: Literal["support", "tech", "billing"] = "support"
    tier: TierName | None = Field(default=None, description="callers on it count as this tier")


class Routing(FlowModel):
    """How the line orders its callers and paces its reps.

    A caller's place is their arrival time, moved earlier by a head start: for their tier, for
    an open case. The head start is capped by `fairness_cap_seconds`, so nobody ever waits more
    than that much longer than they would in plain arrival order: priority never starves anyone.
    """

    head_start_seconds: dict[TierName, int] = Field(
        default_factory=lambda: dict(_HEAD_STARTS),
        description="how much earlier than their arrival each tier is placed in line",
    )
    open_case_seconds: int = Field(default=30, ge=0, description="head start of an open case")
    fairness_cap_seconds: int = Field(default=120, ge=0, description="largest head start")
    owner_wait_seconds: int = Field(
        default=60, ge=0, description="how long a caller waits for their case owner first"
    )
    wrap_up_seconds: int = Field(default=30, ge=0, description="a rep's pause after each call")
    manager_wait_seconds: int = Field(
        default=120, gt=0, description="how long a manager call waits before voicemail"
    )
    rejoin_seconds: int = Field(
        default=300, ge=0, description="a caller who hangs up and calls back this soon resumes"
    )
    numbers: dict[str, CalledNumber] = Field(
        default_factory=dict, description="numbers of the line (E.164) with a line or tier"
    )

    def head_start(self, tier: str, open_case: bool) -> int:
        """Seconds earlier than their arrival a caller is placed; never over the fairness cap."""
        earned = self.head_start_seconds.get(cast(TierName, tier), 0)
        earned += self.open_case_seconds if open_case else 0
        return min(earned, self.fairness_cap_seconds)
