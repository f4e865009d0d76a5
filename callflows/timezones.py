"""The time zone a line lives in, when its call flow does not say: from the line's own number.

Promises are spoken in local time ("by 3:30 pm"), so a wrong zone breaks every promise. A number
whose prefix spans several zones (toll-free, mobile ranges in large countries) gives no answer
to trust: the flow must then state its zone, and start-up says so rather than guess.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as number_zones

_UNKNOWN = "Etc/Unknown"


class ZoneUnknown(ValueError):
    """The line's number does not tell its time zone; the message lists what it could be."""


def zone_of_number(e164: str) -> str:
    """The one IANA time zone of an E.164 number, or `ZoneUnknown` saying why not."""
    try:
        zones = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException as exc:
        raise ZoneUnknown(f"{e164!r} is not a phone number: {exc}") from None
    known = [zone for zone in zones if zone != _UNKNOWN]
    if len(known) == 1:
        return known[0]
    if not known:
        raise ZoneUnknown(f"the time zone of {e164} is not known; state `timezone:` in the flow")
    shown = ", ".join(known[:5]) + (f" and {len(known) - 5} more" if len(known) > 5 else "")
    raise ZoneUnknown(
        f"{e164} may be in any of {len(known)} time zones ({shown}); "
        "state the line's zone as `timezone:` in the flow"
    )
