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
from typing import Any, Protocol, cast

from redis import Redis
from redis.client import Pipeline

from crm.keys import Keys
from crm.models import Rep, TierThresholds
from crm.scripts import run_scripts
from queues.routing_results import (
    Arrival,
    Caller,
    Claim,
    Hold,
    Offered,
    Placement,
    Refused,
    Waiting,
    expected_wait,
)
from queues.routing_script import LINES, RoutingScript

# A routed caller's entry outlives any real wait; it is deleted when the call ends.
ENTRY_TTL_SECONDS = 6 * 3600
# The field of a waiting caller's entry saying they chose to be called back, keeping their place.
KEEP_PLACE = "keep_place"


class Policy(Protocol):
    """What routing reads of the flow's `routing` section."""

    owner_wait_seconds: int
    manager_wait_seconds: int
    wrap_up_seconds: int
    rejoin_seconds: int

    def head_start(self, tier: str, open_case: bool) -> int:
        """Seconds earlier than their arrival a caller is placed."""
        ...


TIERS = ("standard", "silver", "gold")


class Router:
    """Places callers, claims them for free reps, and records how each offer ended."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        policy: Policy,
        thresholds: TierThresholds,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.script = RoutingScript(redis, keys)
        self._redis = redis
        self._keys = keys
        self._policy = policy
        self._thresholds = thresholds
        self._clock = clock

    def _scores(self, now: float) -> list[float]:
        """A caller's score by tier, without then with an open case: arrival less head start."""
        return [
            now - self._policy.head_start(tier, open_case)
            for open_case in (False, True)
            for tier in TIERS
        ]

    def _tiering(self, now: float) -> list[Any]:
        return [str(self._thresholds.silver), str(self._thresholds.gold), *self._scores(now)]

    def queue_place(self, pipe: Pipeline, caller: Caller) -> None:
        """Add the placing of `caller` to a pipeline; read its result with `placement`."""
        now = self._clock()
        self.script.queue(
            pipe,
            "place",
            now,
            caller.call_sid,
            caller.line,
            caller.owner or "",
            now + self._policy.owner_wait_seconds,
            caller.phone or "",
            caller.skip or "",
            caller.tier,
            ENTRY_TTL_SECONDS,
            *self._tiering(now),
            now + self._policy.manager_wait_seconds,
        )

    def queue_arrive(self, pipe: Pipeline, call_sid: str, phone: str, line: str, tier: str) -> None:
        """Add "who is calling, and place them if they have an open case" to a pipeline."""
        now = self._clock()
        self.script.queue(
            pipe,
            "arrive",
            now,
            call_sid,
            phone,
            line,
            tier,
            now + self._policy.owner_wait_seconds,
            ENTRY_TTL_SECONDS,
            *self._tiering(now),
        )

    @classmethod
    def arrival(cls, result: list[Any]) -> Arrival:
        """What an `arrive` command found and decided."""
        found, placed, line = result
        return Arrival(found=found, placement=cls.placement(placed) if placed else None, line=line)

    @staticmethod
    def placement(result: list[Any]) -> Placement:
        """What a `place` command decided."""
        if result[0] == "offered":
            return Offered(Rep.from_stored(result[2]))
        return Waiting(int(result[1]))

    def place(self, caller: Caller) -> Placement:
        """Offer the caller to the best free rep, or put them in line (keeping a place they had)."""
        (result,) = run_scripts(
            self._redis, lambda pipe: self.queue_place(pipe, caller), self.script.scripts()
        )
        return self.placement(result)

    def claim(self, rep_id: str) -> Claim | None:
        """The best waiting caller for `rep_id`, now offered to them; None if none waits.

        Their own case callers come first, then the best of their lines. Nothing happens unless
        the rep is available.
        """
        claimed = self.script.run("claim", self._clock(), rep_id)
        return Claim(call_sid=claimed[0], rep_id=rep_id, line=claimed[1]) if claimed else None

    def free_reps_with_callers(self) -> list[str]:
        """Available reps (longest idle first) of every line where callers wait: who to serve."""
        with self._redis.pipeline(transaction=False) as pipe:
            for line in LINES:
                pipe.zcard(self._keys.line(line))
                pipe.zrange(self._keys.available(line), 0, -1)
            found = pipe.execute()
        reps: dict[str, None] = {}
        for waiting, available in zip(found[::2], found[1::2], strict=True):
            if waiting:
                reps.update(dict.fromkeys(available))
        return list(reps)

    def now(self) -> float:
        """The router's clock (epoch seconds): what entries' times are measured against."""
        return self._clock()

    def take(self, call_sid: str, rep_id: str) -> Offered | Refused:
        """`rep_id` takes one particular waiting caller; the first to take them wins."""
        result = self.script.run("take", self._clock(), call_sid, rep_id)
        if result[0] == "offered":
            return Offered(Rep.from_stored(result[2]))
        return Refused(reason=result[1], detail=result[2])

    def note_reason(self, call_sid: str, reason: str) -> None:
        """Keep why a caller waits (why they asked for a manager), for whoever takes them.

        Only for a caller already placed: the entry's other fields come from `place`.
        """
        self._note(call_sid, "reason", reason)

    def _note(self, call_sid: str, field: str, value: str) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.waiting(call_sid), field, value)
            pipe.expire(self._keys.waiting(call_sid), ENTRY_TTL_SECONDS)
            pipe.execute()

    def overdue_for_a_manager(self) -> list[str]:
        """Callers for a manager who waited `manager_wait_seconds`: out of line, for voicemail."""
        return cast(list[str], self.script.run("overdue", self._clock()))

    def waiting_on(self, line: str) -> list[tuple[str, dict[str, str]]]:
        """The callers waiting on `line`, in our order, with what routing keeps of each."""
        sids = cast(list[str], self._redis.zrange(self._keys.line(line), 0, -1))
        with self._redis.pipeline(transaction=False) as pipe:
            for sid in sids:
                pipe.hgetall(self._keys.waiting(sid))
            entries = pipe.execute()
        return [(sid, entry) for sid, entry in zip(sids, entries, strict=True) if entry]

    def waiting_calls(self) -> dict[str, str]:
        """Every caller waiting now, on any line or for their case owner: CallSid -> phone."""
        with self._redis.pipeline(transaction=False) as pipe:
            for line in LINES:
                pipe.zrange(self._keys.line(line), 0, -1)
            pipe.zrange(self._keys.owner_wait_ends, 0, -1)
            sids = dict.fromkeys(sid for found in pipe.execute() for sid in found)
        with self._redis.pipeline(transaction=False) as pipe:
            for sid in sids:
                pipe.hget(self._keys.waiting(sid), "phone")
            phones = pipe.execute()
        return {sid: phone or "" for sid, phone in zip(sids, phones, strict=True)}

    def position(self, call_sid: str) -> int:
        """The caller's place in our order (1 is next); 0 when they are not waiting."""
        return int(self.script.run("position", self._clock(), call_sid))

    def hold(self, call_sid: str) -> Hold:
        """Where a waiting caller stands, and how long the wait looks from recent calls."""
        position, on_duty, total, count = self.script.run("hold", self._clock(), call_sid)
        return Hold(
            position=position, expected_seconds=expected_wait(position, on_duty, total, count)
        )

    def entry(self, call_sid: str) -> dict[str, str]:
        """What routing keeps of a caller: line, score, tier, owner, state, rep offered, arrival,
        and the case they were fast-tracked on."""
        return cast(dict[str, str], self._redis.hgetall(self._keys.waiting(call_sid)))

    def release(self, call_sid: str, phone: str | None) -> str | None:
        """The caller is gone: out of line (their place kept for a quick redial).

        A rep their call was ringing is available again (and the router woken for them); a rep
        who was talking to them wraps up. Returns the rep now available, if any.
        """
        now = self._clock()
        freed = self.script.run(
            "release",
            now,
            call_sid,
            phone or "",
            self._policy.rejoin_seconds,
            now + self._policy.wrap_up_seconds,
        )
        if freed:
            self.script.wake(freed)
        return cast(str | None, freed or None)

    def missed(self, call_sid: str, rep_id: str) -> bool:
        """The rep did not take the call: they are missed, the caller back in their place.

        False when this offer was already settled (a retried webhook changes nothing).
        """
        return bool(self.script.run("missed", self._clock(), call_sid, rep_id))

    def wants_callback(self, call_sid: str) -> None:
        """The waiting caller chose to keep their place and be called back (pressed 2)."""
        self._note(call_sid, KEEP_PLACE, "1")

    def swap(self, call_sid: str, routed: str, phone: str) -> bool:
        """The caller becomes `routed`, keeping their place and any rep offered them: a waiting
        caller becomes their callback, a callback whose customer answered becomes that call.
        `phone` is the customer's number. False when they are neither waiting nor offered."""
        return bool(self.script.run("swap", self._clock(), call_sid, routed, phone))

    def expedite(self, call_sid: str, line: str) -> bool:
        """Put a waiting caller at the front of `line`, for whoever is free first (the router is
        woken). False when they are not waiting."""
        moved = bool(self.script.run("expedite", self._clock(), call_sid, line))
        if moved:
            self.script.wake()
        return moved

    def unclaim(self, call_sid: str, rep_id: str) -> bool:
        """Undo an offer that could not be rung (Twilio unreachable): the caller back in their
        place, the rep available as before. False when the offer was already settled."""
        return bool(self.script.run("unclaim", self._clock(), call_sid, rep_id))

    def accepted(self, call_sid: str, rep_id: str) -> bool:
        """The rep took the call in the whisper: they are busy with it."""
        return bool(self.script.run("accepted", self._clock(), call_sid, rep_id))

    def finished(self, call_sid: str, rep_id: str, line: str, seconds: int | None) -> bool:
        """The conversation is over: the rep wraps up, the caller leaves the line for good.

        `seconds`, the conversation's length, feeds the expected wait; None when unknown.
        """
        now = self._clock()
        return bool(
            self.script.run(
                "finished",
                now,
                call_sid,
                rep_id,
                now + self._policy.wrap_up_seconds,
                line,
                -1 if seconds is None else seconds,
            )
        )

    def end_wrap_ups(self) -> list[str]:
        """Reps whose wrap-up is over, now available again."""
        return cast(list[str], self.script.run("wrap-ups", self._clock()))

    def end_owner_waits(self) -> int:
        """Callers whose wait for their owner is over join their line; how many did."""
        return int(self.script.run("promote", self._clock()))
