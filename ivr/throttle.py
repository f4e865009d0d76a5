"""Failed attempts counted in moving windows (the `limits` library, in the line's Redis), and
how long the next attempt must wait: console sign-ins by account and address, status-page
lookups by reference and address.

Only failures count, and a throttled attempt is refused before anything is checked: a script
learns nothing and costs nothing; a person who mistypes a few times is not held up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis import Redis

# Sign-ins: an account gets five tries a minute, twenty an hour, fifty a day; an address (an
# office's staff may share one) more, but still few for a script.
LOGINS = {
    "account": parse_many("5/minute;20/hour;50/day"),
    "address": parse_many("30/minute;200/hour;1000/day"),
}
# Status lookups: a reference gets a few wrong phones (a customer unsure which number they gave);
# an address a few dozen wrong pairs an hour.
STATUS_LOOKUPS = {
    "reference": parse_many("5/minute;10/hour;20/day"),
    "address": parse_many("10/minute;30/hour;100/day"),
}


class Throttle:
    """Failures by each of a few keys (account, address, ...), each with its own limits."""

    def __init__(
        self, redis: Redis, prefix: str, rules: Mapping[str, Sequence[RateLimitItem]]
    ) -> None:
        storage = RedisStorage("redis://", connection_pool=redis.connection_pool, key_prefix=prefix)
        self._limiter = MovingWindowRateLimiter(storage)
        self._rules = rules

    def _limits(self, keys: Mapping[str, str]) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (limit, kind, keys[kind].casefold())
            for kind, limits in self._rules.items()
            for limit in limits
        ]

    def wait_seconds(self, **keys: str) -> int:
        """Seconds until an attempt with these keys may be made; 0 for now."""
        waits = [
            self._limiter.get_window_stats(limit, kind, key).reset_time - time.time()
            for limit, kind, key in self._limits(keys)
            if not self._limiter.test(limit, kind, key)
        ]
        return max(0, math.ceil(max(waits, default=0)))

    def failed(self, **keys: str) -> None:
        """Count a failed attempt against each of its keys."""
        for limit, kind, key in self._limits(keys):
            self._limiter.hit(limit, kind, key)


def try_again_in(wait_seconds: int) -> str:
    """The sentence telling a throttled person when to try again, in whole minutes."""
    minutes = max(1, round(wait_seconds / 60))
    return f"Please try again in {minutes} minute{'s' if minutes > 1 else ''}."
