"""The floor as it is now, for the people watching it: which call each rep is on or being
rung for, how long their wrap-up still runs, and who waits on each line (by tier, with the
longest wait). Read-only: the router decides; this only shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from redis import Redis

from crm.keys import Keys
from queues.routing_script import LINES


@dataclass(frozen=True)
class LineNow:
    """One line's waiting callers: how many of each tier, and the longest wait (seconds)."""

    line: str
    waiting: int
    by_tier: dict[str, int] = field(default_factory=dict)
    longest_wait_seconds: int = 0


class Floor:
    """Reads of the routing state for the console."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def call_of(self, rep_id: str) -> str | None:
        """The call (or callback) the rep is being rung for or is talking to, if any."""
        return cast(str | None, self._redis.hget(self._keys.offers, rep_id))

    def wrap_up_left(self, rep_id: str, now: float) -> int | None:
        """Seconds of the rep's wrap-up still to run; None when they are not wrapping up."""
        ends = self._redis.zscore(self._keys.wrap_up_ends, rep_id)
        return None if ends is None else max(0, round(float(ends) - now))

    def lines(self, now: float) -> list[LineNow]:
        """Each line's waiting callers, in line order."""
        with self._redis.pipeline(transaction=False) as pipe:
            for line in LINES:
                pipe.zrange(self._keys.line(line), 0, -1)
            waiting = dict(zip(LINES, pipe.execute(), strict=True))
        with self._redis.pipeline(transaction=False) as pipe:
            for sids in waiting.values():
                for sid in sids:
                    pipe.hmget(self._keys.waiting(sid), "tier", "arrived")
            found = iter(pipe.execute())
        shown = []
        for line, sids in waiting.items():
            entries = [next(found) for _ in sids]
            tiers = Counter(tier or "standard" for tier, _ in entries)
            arrivals = [float(arrived) for _, arrived in entries if arrived]
            longest = round(now - min(arrivals)) if arrivals else 0
            shown.append(LineNow(line, len(sids), dict(tiers), max(0, longest)))
        return shown
