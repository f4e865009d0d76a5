"""Phone numbers in one shape: every number inside the system is E.164.

Twilio sends caller IDs in many forms (E.164, national digits, `anonymous`, `client:alice`,
`sip:bob@example.com`); the directory can only match what it can compare, so everything is
normalised here once, at the edge.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

# Twilio's stand-ins for a withheld or unavailable caller ID. `+266696687` spells "ANONYMOUS"
# on a keypad and is what Twilio sends for some withheld callers.
_WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687"}


class InvalidPhoneNumber(ValueError):
    """Raised when text that must be a phone number is not a valid one."""


@lru_cache(maxsize=65536)  # parsing is slow and callers call again: remember recent numbers
def to_e164(raw: str, region: str = "US") -> str:
    """Return `raw` as an E.164 number, or raise `InvalidPhoneNumber` saying why.

    `region` is used for numbers written without a country code, e.g. the support line's own
    country, so `(415) 555-0100` and `+14155550100` are the same customer.
    """
    text = raw.strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def caller_e164(raw: str | None, region: str = "US") -> str | None:
    """Return a caller's number as E.164, or None when the caller has no usable number.

    Withheld numbers, browser (`client:`) and SIP callers are unknown callers, not errors:
    they still reach a person, they are just not matched to a customer by caller ID.
    """
    if raw is None:
        return None
    text = raw.strip()
    if text.lower() in _WITHHELD or ":" in text:
        return None
    try:
        return to_e164(text, region)
    except InvalidPhoneNumber:
        return None


@lru_cache(maxsize=256)
def region_of(e164: str) -> str:
    """Return the ISO region of an E.164 number (e.g. `US`), used as the default for others."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or "US"


# Kinds of number a text message reaches; a landline (or one phonenumbers cannot tell) is not.
_TEXTABLE = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def takes_texts(e164: str) -> bool:
    """Whether an SMS to this number can reach its owner (a mobile, or a number that may be)."""
    return phonenumbers.number_type(phonenumbers.parse(e164)) in _TEXTABLE
