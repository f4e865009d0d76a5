"""Reconcile our line with Twilio's queues, so nobody is rung for a caller who has gone.

A caller who hangs up leaves the line by the queue result or the status callback. Either can
be lost (a web process killed mid-request, a callback Twilio gave up on), and the caller would
then wait in our order forever and be claimed for a rep who hears nothing. So, every few
seconds, the dispatcher asks Twilio who really waits in its queues. A caller we keep who is not
there is not gone by that alone (between two steps, such as a missed ring sending them back, a
live caller is briefly in no queue), so only a call Twilio reports ended leaves the line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from queues.router import Router

log = logging.getLogger(__name__)

# The CallSids in Twilio's queues of our lines now; None when Twilio cannot be asked.
QueueMembers = Callable[[], set[str] | None]
# Whether Twilio reports the call ended (or knows no such call).
CallEnded = Callable[[str], bool]
RECONCILE_SECONDS = 15.0
# Twilio's CallSids start so; anything else in line (a callback) is not a call Twilio holds.
CALL_SID_PREFIX = "CA"


class Reconciler:
    """Takes out of line the callers whose calls Twilio reports ended."""

    def __init__(
        self,
        router: Router,
        members: QueueMembers,
        ended: CallEnded,
        interval_seconds: float = RECONCILE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._router = router
        self._members = members
        self._ended = ended
        self._interval_seconds = interval_seconds
        self._clock = clock
        self._next = clock()

    def due(self) -> bool:
        """Whether a reconcile is due (the first one is due at once)."""
        return self._clock() >= self._next

    def run(self) -> list[str]:
        """Release every waiting caller Twilio holds in no queue and reports ended.

        Returns their CallSids.
        """
        self._next = self._clock() + self._interval_seconds
        members = self._members()
        if members is None:
            return []
        gone = []
        for call_sid, phone in self._router.waiting_calls().items():
            if not call_sid.startswith(CALL_SID_PREFIX) or call_sid in members:
                continue
            if self._ended(call_sid):
                log.info("caller %s hung up unnoticed: out of line", call_sid)
                self._router.release(call_sid, phone or None)
                gone.append(call_sid)
        return gone
