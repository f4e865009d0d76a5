"""Promises still to keep, watched one way whatever they are (a callback's "we'll call you back
by", a case's turnaround): each is a member of a sorted set scored by its deadline, written in
the same step as the change that made or kept the promise, and what nears its deadline is read
from it in one range query, however many promises are open."""

from __future__ import annotations

from typing import cast

from redis import Redis


class PromiseWatch:
    """The open promises of one kind, by deadline (epoch seconds)."""

    def __init__(self, redis: Redis, key: str) -> None:
        self._redis = redis
        self._key = key

    def due_by(self, until: float, limit: int = 1000) -> list[str]:
        """The promises due by `until` (or already past it), soonest first."""
        return cast(list[str], self._redis.zrangebyscore(self._key, "-inf", until, 0, limit))
