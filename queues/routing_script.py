"""The one Lua script behind the line and presence, and how its keys and arguments are laid out.

Every routing change (place a caller, claim one for a free rep, a rep's presence, an offer
missed or accepted, a conversation over) is one command of `lua/routing.lua`, run atomically,
so the line and the reps' states can never disagree, whichever process changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis import Redis
from redis.client import Pipeline

from crm.calls import CALL_RECORD_TTL_SECONDS
from crm.directory import WHO_IS_CALLING
from crm.keys import Keys
from crm.models import MANAGERS_LINE, TEAMS
from crm.scripts import LuaScript

LINES: tuple[str, ...] = (*TEAMS, MANAGERS_LINE)
_SID = "\x00"  # marks where a CallSid goes in a per-call key name


class RoutingScript:
    """Runs commands of the routing script with the keys of one namespace."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        layout_keys = [
            keys.presence,
            keys.presence_since,
            keys.offers,
            keys.wrap_up_ends,
            keys.owner_wait_ends,
            keys.events,
            *(keys.line(line) for line in LINES),
            *(keys.available(line) for line in LINES),
            *(keys.on_duty(line) for line in LINES),
            *(keys.handled(line) for line in LINES),
            keys.manager_wait_ends,
        ]
        layout: list[str | int] = [
            keys.waiting(""),
            keys.owner_line(""),
            keys.rep(""),
            keys.rejoin(""),
            keys.customer(""),
            keys.case(""),
            keys.open_cases_of_caller(""),
            *keys.call_details(_SID).split(_SID),
            CALL_RECORD_TTL_SECONDS,
            len(LINES),
            *LINES,
        ]
        self._script = LuaScript(
            "routing",
            package="queues",
            libraries=[WHO_IS_CALLING],
            constants={"K": layout_keys, "L": layout},
        )

    def queue(self, pipe: Pipeline, command: str, now: float, *args: Any) -> None:
        """Add one command to a pipeline (to share a webhook's single round trip)."""
        self._script.queue(pipe, [], [command, now, *args])

    def run(self, command: str, now: float, *args: Any) -> Any:
        """Run one command on its own and return its result."""
        return self._script.run(self.redis, [], [command, now, *args])

    def wake(self, rep_id: str = "") -> None:
        """Tell the router a rep may take a call now (a bare wake: look at every line)."""
        self.redis.rpush(self.keys.router_wake, rep_id)

    def scripts(self) -> Sequence[LuaScript]:
        """The scripts a pipeline of routing commands may need loaded."""
        return [self._script]
