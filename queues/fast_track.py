"""Principle 3: a caller with an open case goes to the rep who owns it, when that rep is free."""

from __future__ import annotations

from dataclasses import dataclass

from crm.directory import Caller
from crm.models import Case, Presence, Rep


@dataclass(frozen=True)
class OwnerRoute:
    """The case a caller is fast-tracked on, its owner, and whether the owner can be rung now."""

    case: Case
    owner: Rep | None
    free: bool


def owner_route(caller: Caller) -> OwnerRoute | None:
    """The route to the owner of the caller's newest open case; None without an open case."""
    if not caller.open_cases:
        return None
    case = caller.open_cases[-1]
    owner = caller.owner_of(case)
    free = owner.rep is not None and owner.presence is Presence.AVAILABLE
    return OwnerRoute(case=case, owner=owner.rep, free=free)
