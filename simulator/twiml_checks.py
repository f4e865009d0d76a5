"""Checks of TwiML attribute values and text: each says what is wrong with a value, or None.

The vocabulary the schema (`simulator.twiml_schema`) is written in: whole numbers in a range,
one of a few words, patterns, absolute URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

# A check returns what is wrong with a value ("must be ..."), or None when it is fine.
Check = Callable[[str], str | None]

_DIGITS = re.compile(r"[0-9]+")


def integer(low: int, high: int | None = None) -> Check:
    """Whole numbers from `low` (to `high`), written as plain digits."""
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def check(value: str) -> str | None:
        number = int(value) if _DIGITS.fullmatch(value) else None
        if number is None or number < low or (high is not None and number > high):
            return f"must be {expected}"
        return None

    return check


def one_of(*allowed: str) -> Check:
    """Exactly one of the allowed values."""

    def check(value: str) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(repr, allowed))}"

    return check


def words(*allowed: str) -> Check:
    """A space-separated, non-empty list of the allowed values."""

    def check(value: str) -> str | None:
        words = value.split()
        if words and all(word in allowed for word in words):
            return None
        return f"must be space-separated words from {', '.join(allowed)}"

    return check


def pattern(regex: str, expected: str) -> Check:
    """Values matching `regex` entirely."""
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"must be {expected}"

    return check


def url(value: str) -> str | None:
    """Absolute http(s) URLs only: the app always emits them, so a relative one is a bug."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return "must be an absolute http(s) URL"


def any_text(value: str) -> str | None:
    """Free text Twilio passes on without a schema of its own."""
    return None


def required(check: Check) -> Check:
    """Text that must be present and pass `check`."""

    def required(value: str) -> str | None:
        return check(value) if value else "needs text content"

    return required


def optional(check: Check) -> Check:
    """Text that may be absent (a rule of the verb decides), else passes `check`."""

    def optional(value: str) -> str | None:
        return check(value) if value else None

    return optional


METHOD = one_of("GET", "POST")
BOOL = one_of("true", "false")
PHONE = pattern(r"\+?[0-9][0-9 ().-]*", "a phone number")
TONES = pattern(r"[0-9#*wW]+", "DTMF tones: 0-9, #, * and w (a half-second pause)")
CALL_EVENTS = words("initiated", "ringing", "answered", "completed")
RECORDING_EVENTS = words("in-progress", "completed", "absent")
TRIM = one_of("trim-silence", "do-not-trim")
