"""A customer looking up their case by its reference and their phone number (the status page,
a text naming the reference): found only when both match. A wrong phone and a reference that
does not exist miss alike, after the same work (the case is read either way, the numbers
compared in constant time), and misses are throttled per reference and per address, so
neither which references exist nor whose they are can be learnt by trying."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from crm.models import Case
from ivr.services import Services


@dataclass(frozen=True)
class CaseLookup:
    """The case found (None for a miss), or how long to wait before trying again."""

    case: Case | None = None
    wait_seconds: int = 0


def look_up(services: Services, reference: str, phone: str, address: str) -> CaseLookup:
    """The case `reference` when `phone` (E.164, or "" when none) is the one on it."""
    lookups = services.status_lookups
    if wait := lookups.wait_seconds(reference=reference, address=address):
        return CaseLookup(wait_seconds=wait)
    case = services.cases.get(reference)
    stored = case.customer_phone if case else ""
    if case is None or not hmac.compare_digest(stored.encode(), phone.encode()):
        lookups.failed(reference=reference, address=address)
        return CaseLookup()
    return CaseLookup(case=case)
