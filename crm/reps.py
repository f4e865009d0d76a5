"""Reps and supervisors, and whether each can take a call right now."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import cast

from redis import Redis

from crm.keys import Keys
from crm.models import MANAGERS_LINE, TEAMS, Presence, Rep

# Presences in which a rep works their lines (the expected wait counts them).
ON_DUTY = frozenset(
    state.value for state in (Presence.AVAILABLE, Presence.OFFERED, Presence.BUSY, Presence.WRAP_UP)
)


class UnknownRep(LookupError):
    """Raised when a rep id names nobody."""

    def __init__(self, rep_id: str) -> None:
        super().__init__(f"no rep with id {rep_id!r}")
        self.rep_id = rep_id


class RepRepository:
    """Reps as JSON by id; presence in one hash so routing reads all of it in one call."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def get(self, rep_id: str) -> Rep | None:
        """The rep with this id, if any."""
        raw = self._redis.get(self._keys.rep(rep_id))
        return Rep.from_stored(raw) if raw else None

    def require(self, rep_id: str) -> Rep:
        """The rep with this id, or `UnknownRep`."""
        rep = self.get(rep_id)
        if rep is None:
            raise UnknownRep(rep_id)
        return rep

    def all(self) -> list[Rep]:
        """Every rep, sorted by id."""
        ids = sorted(cast(set[str], self._redis.smembers(self._keys.reps)))
        raws = self._redis.mget([self._keys.rep(rep_id) for rep_id in ids]) if ids else []
        return [Rep.from_stored(raw) for raw in raws if raw]

    def save_all(self, reps: Iterable[Rep]) -> int:
        """Store reps in one transaction; a new rep starts offline until they say otherwise.

        A rep saved again with other teams is listed where they now belong, keeping their
        presence: an available rep stays available, on their new lines only.
        """
        reps = list(reps)
        states = self._redis.hmget(self._keys.presence, [rep.id for rep in reps]) if reps else []
        with self._redis.pipeline(transaction=True) as pipe:
            for rep, state in zip(reps, states, strict=True):
                pipe.set(self._keys.rep(rep.id), rep.model_dump_json())
                pipe.sadd(self._keys.reps, rep.id)
                pipe.hsetnx(self._keys.presence, rep.id, Presence.OFFLINE.value)
                pipe.delete(self._keys.rep_lines(rep.id))
                pipe.sadd(self._keys.rep_lines(rep.id), *rep.lines)
                for line in (*TEAMS, MANAGERS_LINE):
                    pipe.zrem(self._keys.available(line), rep.id)
                    pipe.srem(self._keys.on_duty(line), rep.id)
                for line in rep.lines:
                    if state == Presence.AVAILABLE.value:
                        pipe.zadd(self._keys.available(line), {rep.id: time.time()})
                    if state in ON_DUTY:
                        pipe.sadd(self._keys.on_duty(line), rep.id)
            pipe.execute()
        return len(reps)

    def presence(self, rep_id: str) -> Presence:
        """A rep's presence; a rep never seen is offline."""
        value = cast(str | None, self._redis.hget(self._keys.presence, rep_id))
        return Presence(value) if value else Presence.OFFLINE
