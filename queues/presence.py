"""Rep presence as a state machine: the changes a rep makes by hand, checked and atomic.

available -> offered -> busy -> wrap-up (timed) -> available is driven by routing; a rep sets
available, busy, wrap-up, away or offline themselves (CLI, API, console). Offered and missed
are routing's alone: a rep cannot pretend a call rang them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis import Redis

from crm.keys import Keys
from crm.models import Presence
from crm.reps import RepRepository
from queues.routing_script import RoutingScript

SET_BY_HAND = frozenset(
    {Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP, Presence.AWAY, Presence.OFFLINE}
)


class PresenceRefused(ValueError):
    """A presence change that the state machine does not allow now (said in plain words)."""


class PresenceBoard:
    """Sets reps' presence; a rep who becomes available is announced to the router."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        reps: RepRepository,
        wrap_up_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._script = RoutingScript(redis, keys)
        self._redis = redis
        self._keys = keys
        self._reps = reps
        self._wrap_up_seconds = wrap_up_seconds
        self._clock = clock

    def set(self, rep_id: str, state: Presence) -> Presence:
        """Change a rep's presence by hand; returns the one they had.

        `UnknownRep` for nobody; `PresenceRefused` for a state only routing sets, or while a
        call rings them or they are on one (it ends in wrap-up by itself).
        """
        self._reps.require(rep_id)
        if state not in SET_BY_HAND:
            raise PresenceRefused(f"{state.value} is set by routing, not by hand")
        now = self._clock()
        outcome, detail = self._script.run(
            "presence", now, rep_id, state.value, now + self._wrap_up_seconds
        )
        if outcome == "refused":
            raise PresenceRefused(detail)
        if state is Presence.AVAILABLE:
            self._script.wake(rep_id)
        return Presence(detail)

    def states(self) -> dict[str, Presence]:
        """Every rep's presence, by rep id (a rep never seen is offline)."""
        raw: dict[str, str] = self._redis.hgetall(self._keys.presence)  # type: ignore[assignment]
        return {rep.id: Presence(raw.get(rep.id, "offline")) for rep in self._reps.all()}
