"""The callback book: every promise of a callback, and every step toward keeping it.

Each change is one command of `lua/callbacks.lua`, so whichever process makes it (the web app
storing a message, a worker dialling, the sweeper, a status callback), a callback has one state
and at most one live attempt. An attempt has its own id; Twilio's reports carry it, and only
the live attempt's report changes anything, once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from redis import Redis

from crm.keys import Keys
from crm.promise_watch import PromiseWatch
from crm.scripts import LuaScript
from voicemail.models import Callback, CallbackState, Message

CALLBACKS = LuaScript("callbacks", package="voicemail")
_ID = "\x00"  # marks where a callback id goes in a per-callback key name


@dataclass(frozen=True)
class Request:
    """A caller asks to be called back (a voicemail, or a callback chosen on hold)."""

    origin: str  # what asked (a recording, a call): a retried report is the same request
    phone: str
    due: datetime
    promised_by: datetime
    message: Message
    line: str = "support"
    case: str = ""
    owner: str = ""
    path: str = ""


@dataclass(frozen=True)
class Requested:
    """What became of a request: a new callback, or one merged into an open one; `repeat` when
    the same request was made before (a retried report), and so nothing changed."""

    outcome: Literal["created", "merged"]
    callback_id: str
    promised_by: datetime
    repeat: bool = False


class CallbackRefused(ValueError):
    """A change the callback's state does not allow (it is closed, or not due)."""


class CallbackBook:
    """Reads and changes callbacks, each change one atomic step."""

    def __init__(self, redis: Redis, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._promises = PromiseWatch(redis, keys.callbacks_promised)
        self._script_keys = [
            keys.callbacks_due,
            keys.callbacks_dialling,
            keys.callbacks_closed,
            keys.callbacks_live,
            keys.callbacks_by_origin,
            keys.callbacks_sequence,
            keys.events,
            keys.callbacks_promised,
        ]
        prefix, suffix = keys.callback_messages(_ID).split(_ID)
        self._layout = [prefix, suffix]

    def _run(self, command: str, *args: Any) -> Any:
        return CALLBACKS.run(
            self._redis, self._script_keys, [command, self._clock(), *self._layout, *args]
        )

    def request(self, request: Request, max_attempts: int) -> Requested:
        """Write the promise (before anyone speaks it): a new callback, or the caller's open one
        with this message added, keeping its earlier promise."""
        fields = {
            "line": request.line,
            "case": request.case,
            "owner": request.owner,
            "path": request.path,
        }
        outcome, callback_id, promised_by, repeat = self._run(
            "request",
            request.origin,
            request.phone,
            request.due.timestamp(),
            request.promised_by.timestamp(),
            max_attempts,
            request.message.model_dump_json(),
            *(item for pair in fields.items() for item in pair),
        )
        return Requested(
            outcome=outcome,
            callback_id=callback_id,
            promised_by=datetime.fromtimestamp(float(promised_by), UTC),
            repeat=bool(repeat),
        )

    def get(self, callback_id: str) -> Callback | None:
        """One callback with its messages; None if there is no such callback."""
        found = self.get_many([callback_id])
        return found[0] if found else None

    def get_many(self, callback_ids: Sequence[str]) -> list[Callback]:
        """The callbacks of these ids that exist, in the same order, in one round trip."""
        with self._redis.pipeline(transaction=False) as pipe:
            for callback_id in callback_ids:
                pipe.hgetall(self._keys.callback(callback_id))
                pipe.lrange(self._keys.callback_messages(callback_id), 0, -1)
            found = pipe.execute()
        return [
            Callback.from_stored(fields, messages)
            for fields, messages in zip(found[::2], found[1::2], strict=True)
            if fields
        ]

    def start(self, callback_id: str, lease_seconds: float, force: bool = False) -> str:
        """Begin an attempt (due, or `force`: a person asked for it now); returns its id.

        `CallbackRefused` when the callback has a live attempt already, is closed or not due.
        """
        attempt = f"AT{uuid.uuid4().hex}"
        outcome, detail = self._run(
            "start", callback_id, attempt, self._clock() + lease_seconds, "1" if force else "0"
        )
        if outcome == "refused":
            raise CallbackRefused(f"callback {callback_id} is {detail}")
        return attempt

    def in_line(self, callback_id: str, recheck_seconds: float) -> bool:
        """The callback joined the routing line: the sweeper looks at it again only after
        `recheck_seconds`. False when it is no longer waiting to be dialled."""
        return bool(self._run("in-line", callback_id, self._clock() + recheck_seconds))

    def file_case(self, callback_id: str, reference: str) -> str | None:
        """File a callback that had no case under `reference`; the case it is filed under (an
        earlier one stays), None for no such callback."""
        filed = self._run("file-case", callback_id, reference)
        return str(filed) if filed else None

    def leg(self, callback_id: str, attempt: str, call_sid: str) -> bool:
        """Keep the call ringing the rep for this attempt; False for a stale attempt."""
        return bool(self._run("leg", callback_id, attempt, call_sid))

    def requeue(self, callback_id: str, attempt: str) -> bool:
        """The rep never took it: pending again, no attempt spent. False if already settled."""
        return bool(self._run("requeue", callback_id, attempt))

    def connected(self, callback_id: str, attempt: str) -> int:
        """The rep took the callback: the customer may be dialled, spending an attempt.

        Returns how many attempts are now spent; 0 for a stale attempt (do not dial).
        """
        return int(self._run("connected", callback_id, attempt))

    def lease(self, callback_id: str, attempt: str, seconds: float) -> bool:
        """Keep the live attempt from the sweeper for `seconds` more (its call is still on)."""
        return bool(self._run("lease", callback_id, attempt, self._clock() + seconds))

    def finish(
        self,
        callback_id: str,
        attempt: str,
        outcome: str,
        reason: str,
        backoff_seconds: Sequence[int],
    ) -> CallbackState | None:
        """How the call to the customer ended: 'answered' is done; otherwise retry after the
        back-off for this attempt number, or fail after the last. None when the report is not
        for the live, connected attempt (a repeat, a late one): nothing changed."""
        result = self._run("finish", callback_id, attempt, outcome, reason, *backoff_seconds)
        return None if result[0] == "ignored" else CallbackState(result[0])

    def cancel(self, callback_id: str, reason: str) -> CallbackState:
        """Call a callback off; returns the state it had. `CallbackRefused` once it is closed."""
        outcome, detail = self._run("cancel", callback_id, reason)
        if outcome == "refused":
            raise CallbackRefused(f"callback {callback_id} is {detail}")
        return CallbackState(detail)

    def open_for(self, phone: str) -> str | None:
        """The customer's open callback, if they have one (a second request merges into it)."""
        return cast(str | None, self._redis.hget(self._keys.callbacks_live, phone))

    def near_promise(self, within_seconds: float, limit: int = 1000) -> list[str]:
        """Open callbacks promised within `within_seconds` from now (or already past it)."""
        return self._promises.due_by(self._clock() + within_seconds, limit)

    def defer(self, callback_id: str, due: datetime) -> bool:
        """A waiting callback may not be dialled before `due`; False when it is not waiting."""
        return bool(self._run("defer", callback_id, due.timestamp()))

    def escalate(self, callback_id: str, level: int) -> bool:
        """Raise an open callback's escalation to `level` (each level once); True if raised."""
        return bool(self._run("escalate", callback_id, level))

    def take_due(self, limit: int, hold_seconds: float) -> list[str]:
        """Take up to `limit` callbacks due now, longest overdue first, to put them in line:
        no other process takes them for `hold_seconds`, and `in_line` then says when they are
        looked at again."""
        return cast(list[str], self._run("take-due", limit, hold_seconds))

    def stuck(self, limit: int = 1000) -> list[str]:
        """Callbacks whose live attempt's lease has run out: the sweeper looks at them."""
        return cast(
            list[str],
            self._redis.zrangebyscore(
                self._keys.callbacks_dialling, "-inf", self._clock(), 0, limit
            ),
        )

    def open_callbacks(self) -> list[Callback]:
        """Every callback not yet closed, soonest due first."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self._keys.callbacks_due, 0, -1)
            pipe.zrange(self._keys.callbacks_dialling, 0, -1)
            ids = [callback_id for found in pipe.execute() for callback_id in found]
        return sorted(self.get_many(ids), key=lambda c: c.due)

    def closed_since(self, since: datetime) -> list[Callback]:
        """Callbacks closed (done, failed, cancelled) since `since`, oldest first."""
        ids = self._redis.zrangebyscore(self._keys.callbacks_closed, since.timestamp(), "+inf")
        return self.get_many(cast(list[str], ids))
