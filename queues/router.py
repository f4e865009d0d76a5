"""The line: who waits, in what order, and which rep each waiting caller goes to.

Twilio's queues are first-in, first-out and know nothing of tiers or owners, so the order is
the service's own, kept in Redis: a caller's score is their arrival time moved earlier by a
head start (tier, open case) that never exceeds the flow's fairness cap. A caller with an open
case waits for its owner first, for `owner_wait_seconds`, keeping their score; then anyone on
the line may take them. "The best free rep for this caller" (`place`) and "the best caller for
this free rep" (`claim`) are each one atomic script that also marks the rep offered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from redis import Redis
from redis.client import Pipeline

from crm.keys import Keys
from crm.scripts import run_scripts
from queues.routing_script import RoutingScript

# A routed caller's entry outlives any real wait; it is deleted when the call ends.
ENTRY_TTL_SECONDS = 6 * 3600


class Policy(Protocol):
    """What routing reads of the flow's `routing` section."""

    owner_wait_seconds: int
    wrap_up_seconds: int
    rejoin_seconds: int

    def head_start(self, tier: str, open_case: bool) -> int:
        """Seconds earlier than their arrival a caller is placed."""
        ...


@dataclass(frozen=True)
class Caller:
    """A caller who needs a person: on which line, with which tier and case owner."""

    call_sid: str
    line: str
    phone: str | None = None
    tier: str = "standard"
    owner: str | None = None
    skip: str | None = None  # a rep who just missed this caller: not offered them again


@dataclass(frozen=True)
class Offered:
    """A rep was free: ring them now (they are marked offered)."""

    rep_id: str


@dataclass(frozen=True)
class Waiting:
    """Nobody suitable is free: the caller waits, at this place in our order."""

    position: int


Placement = Offered | Waiting


class Router:
    """Places callers, claims them for free reps, and records how each offer ended."""

    def __init__(
        self, redis: Redis, keys: Keys, policy: Policy, clock: Callable[[], float] = time.time
    ) -> None:
        self.script = RoutingScript(redis, keys)
        self._redis = redis
        self._keys = keys
        self._policy = policy
        self._clock = clock

    def queue_place(self, pipe: Pipeline, caller: Caller) -> None:
        """Add the placing of `caller` to a pipeline; read its result with `placement`."""
        now = self._clock()
        score = now - self._policy.head_start(caller.tier, caller.owner is not None)
        self.script.queue(
            pipe,
            "place",
            now,
            caller.call_sid,
            caller.line,
            score,
            caller.owner or "",
            now + self._policy.owner_wait_seconds,
            caller.phone or "",
            caller.skip or "",
            caller.tier,
            ENTRY_TTL_SECONDS,
        )

    @staticmethod
    def placement(result: list[str]) -> Placement:
        """What a `place` command decided."""
        kind, value = result
        return Offered(value) if kind == "offered" else Waiting(int(value))

    def place(self, caller: Caller) -> Placement:
        """Offer the caller to the best free rep, or put them in line (keeping a place they had)."""
        (result,) = run_scripts(
            self._redis, lambda pipe: self.queue_place(pipe, caller), self.script.scripts()
        )
        return self.placement(result)

    def claim(self, rep_id: str) -> str | None:
        """The CallSid of the best waiting caller for `rep_id`, now offered to them; None if none.

        Their own case callers come first, then the best of their lines. Nothing happens unless
        the rep is available.
        """
        return cast(str | None, self.script.run("claim", self._clock(), rep_id))

    def position(self, call_sid: str) -> int:
        """The caller's place in our order (1 is next); 0 when they are not waiting."""
        return int(self.script.run("position", self._clock(), call_sid))

    def entry(self, call_sid: str) -> dict[str, str]:
        """What routing keeps of a caller: line, score, owner, state, rep offered, arrival."""
        return cast(dict[str, str], self._redis.hgetall(self._keys.waiting(call_sid)))

    def release(self, call_sid: str, phone: str | None) -> str | None:
        """The caller is gone: out of line (their place kept for a quick redial).

        Returns the rep they were being offered to, now available again, if any.
        """
        freed = self.script.run(
            "release", self._clock(), call_sid, phone or "", self._policy.rejoin_seconds
        )
        return cast(str | None, freed or None)

    def missed(self, call_sid: str, rep_id: str) -> bool:
        """The rep did not take the call: they are missed, the caller back in their place.

        False when this offer was already settled (a retried webhook changes nothing).
        """
        return bool(self.script.run("missed", self._clock(), call_sid, rep_id))

    def accepted(self, call_sid: str, rep_id: str) -> bool:
        """The rep took the call in the whisper: they are busy with it."""
        return bool(self.script.run("accepted", self._clock(), call_sid, rep_id))

    def finished(self, call_sid: str, rep_id: str, line: str, seconds: int) -> bool:
        """The conversation is over: the rep wraps up, the caller leaves the line for good."""
        now = self._clock()
        return bool(
            self.script.run(
                "finished",
                now,
                call_sid,
                rep_id,
                now + self._policy.wrap_up_seconds,
                self._keys.handled(line),
                seconds,
            )
        )

    def end_wrap_ups(self) -> list[str]:
        """Reps whose wrap-up is over, now available again."""
        return cast(list[str], self.script.run("wrap-ups", self._clock()))

    def end_owner_waits(self) -> int:
        """Callers whose wait for their owner is over join their line; how many did."""
        return int(self.script.run("promote", self._clock()))
