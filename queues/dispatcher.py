"""The dispatcher: when a rep becomes free, claim the best waiting caller for them and move
that caller's call to ring them, within moments rather than at the next turn of hold music.

A rep becomes free by a presence change, a ring whose caller left, or the end of a wrap-up;
those push a wake onto a Redis list the dispatcher blocks on. Wrap-ups, waits for a case
owner and waits for a manager end with time, so every turn (at most `tick_seconds` apart) also
ends those that are due (a caller no manager took is offered the managers' voicemail) and
looks at every line where callers wait, and now and then reconciles the line with Twilio's
queues (`queues.reconcile`). Several dispatchers (one per worker) may run:
each claim is atomic, so they never hand one caller to two reps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum

from redis import Redis
from redis.exceptions import RedisError

from crm.keys import Keys
from queues.reconcile import Reconciler
from queues.router import Router
from queues.routing_results import Claim

log = logging.getLogger(__name__)


class Moved(StrEnum):
    """What became of asking Twilio to move a call."""

    MOVED = "moved"
    GONE = "gone"  # the call has ended
    UNREACHABLE = "unreachable"  # Twilio could not be asked; the call is as it was


# Moves a claimed caller's call to ring the rep.
Connect = Callable[[Claim], Moved]
# Moves a caller for whom no manager came in time to the managers' voicemail.
NoManager = Callable[[str], object]
TICK_SECONDS = 0.5
# How many wakes one turn takes off the list at most (the rest wait for the next turn).
WAKES_PER_TURN = 500


class Dispatcher:
    """Matches free reps with waiting callers and has each match rung."""

    def __init__(
        self,
        router: Router,
        redis: Redis,
        keys: Keys,
        connect: Connect,
        no_manager: NoManager,
        reconciler: Reconciler | None = None,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self._router = router
        self._redis = redis
        self._keys = keys
        self._connect = connect
        self._no_manager = no_manager
        self._reconciler = reconciler
        self._tick_seconds = tick_seconds

    def turn(self) -> int:
        """Wait for a wake (or a tick), then connect every caller a free rep can take now.

        Returns how many callers were connected.
        """
        woken = self._wakes()
        freed = self._router.end_wrap_ups()
        self._router.end_owner_waits()
        for call_sid in self._router.overdue_for_a_manager():
            self._no_manager(call_sid)
        if self._reconciler and self._reconciler.due():
            self._reconciler.run()
        candidates = dict.fromkeys([*woken, *freed, *self._router.free_reps_with_callers()])
        candidates.pop("", None)
        return sum(self._serve(rep_id) for rep_id in candidates)

    def run(self, stop: threading.Event) -> None:
        """Turn until `stop` is set; a Redis outage pauses the dispatcher, it never ends it."""
        while not stop.is_set():
            try:
                self.turn()
            except RedisError as exc:
                log.error("dispatcher cannot reach Redis: %s", exc)
                stop.wait(self._tick_seconds)
            except Exception:  # a fault in one turn must not end routing for the whole line
                log.exception("dispatcher turn failed")
                stop.wait(self._tick_seconds)

    def _wakes(self) -> list[str]:
        popped = self._redis.blpop([self._keys.router_wake], timeout=self._tick_seconds)
        if popped is None:
            return []
        more = self._redis.lpop(self._keys.router_wake, WAKES_PER_TURN - 1) or []
        return [popped[1], *more]

    def _serve(self, rep_id: str) -> int:
        """Claim the best caller for `rep_id` and ring them; a caller already gone frees the rep
        for the next one, and with Twilio unreachable the claim is undone for the next turn.
        Returns 1 when a caller was connected, else 0."""
        while claim := self._router.claim(rep_id):
            moved = self._connect(claim)
            if moved is Moved.MOVED:
                log.info("connecting %s to %s on %s", claim.call_sid, rep_id, claim.line)
                return 1
            if moved is Moved.UNREACHABLE:
                self._router.unclaim(claim.call_sid, rep_id)
                return 0
            log.info("caller %s left before %s could be rung", claim.call_sid, rep_id)
            self._router.release(claim.call_sid, None)
        return 0
