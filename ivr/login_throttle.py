"""Failed console logins, counted per account and per address in moving windows (the `limits`
library, in the line's Redis): a person who mistypes a password three times is not held up,
and a script trying thousands gets a handful a minute, then a few an hour, then a few a day,
whichever address it tries from and whichever account it tries.

Only failures count, and a throttled attempt is refused before its password is checked: the
script learns nothing, and costs no password hash.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis import Redis

# An account: five tries a minute, twenty an hour, fifty a day.
PER_ACCOUNT = parse_many("5/minute;20/hour;50/day")
# An address (an office's staff may share one): more, but still few for a script.
PER_ADDRESS = parse_many("30/minute;200/hour;1000/day")


class LoginThrottle:
    """Failed logins by account and address, and how long a new try must wait."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        storage = RedisStorage(
            "redis://", connection_pool=redis.connection_pool, key_prefix=f"{prefix}logins"
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def _limits(self, account: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(limit, "account", account.casefold()) for limit in PER_ACCOUNT] + [
            (limit, "address", address) for limit in PER_ADDRESS
        ]

    def wait_seconds(self, account: str, address: str) -> int:
        """Seconds until a login for `account` from `address` may be tried; 0 for now."""
        waits = [
            self._limiter.get_window_stats(limit, kind, key).reset_time - time.time()
            for limit, kind, key in self._limits(account, address)
            if not self._limiter.test(limit, kind, key)
        ]
        return max(0, math.ceil(max(waits, default=0)))

    def failed(self, account: str, address: str) -> None:
        """Count a failed login against the account and the address."""
        for limit, kind, key in self._limits(account, address):
            self._limiter.hit(limit, kind, key)
