"""The simulated Twilio account: its settings, its API version and the shape of its SIDs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class LineConfig:
    """The Twilio account and phone number as configured in Twilio's console."""

    account_sid: str
    auth_token: str
    number: str
    voice_url: str
    status_callback_url: str | None = None
    # The number's messaging webhook: where texts to the line are posted.
    sms_url: str | None = None
    # Seconds of simulated time per real second: 0 runs pauses and rings instantly (tests).
    time_scale: float = 0.0
    # Shortest real time between two rounds of hold music, so a held call never spins.
    hold_round_seconds: float = 0.05
    # How long a scripted leg waits for its script before it hangs up by itself.
    idle_timeout_seconds: float = 60.0
