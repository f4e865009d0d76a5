"""The people on the far end of simulated calls: reps, supervisors and customers who pick up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Pickup(StrEnum):
    """What happens when a person's phone rings; the values are Twilio's call outcomes."""

    ANSWER = "answer"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"


@dataclass
class Person:
    """Someone reachable at `endpoint` (E.164 or `client:IDENTITY`).

    `presses` is what they key in whenever a call asks them something (a whisper's "press 1
    to accept", a callback's "press 1 to be connected"); None leaves the answer to the test.
    `talks_for` is how many seconds they talk once connected before they hang up; None talks
    until the other side (or the test) hangs up.
    """

    endpoint: str
    name: str = ""
    pickup: Pickup = Pickup.ANSWER
    presses: str | None = "1"
    talks_for: float | None = None
