"""Lua scripts run by SHA inside pipelines, so a webhook's Redis work is one round trip.

redis-py's own script objects ask Redis whether the script is loaded before every pipeline (an
extra round trip); these send EVALSHA straight away and load the scripts only when Redis says
it has forgotten them (after a restart).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha1
from importlib.resources import files
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError


class LuaScript:
    """One Lua file of a package's `lua/` folder (crm's unless another package is named).

    `libraries` are Lua files (package, name) of functions sent in front of it, so scripts
    share a step (who is calling) instead of each carrying its own copy.
    """

    def __init__(
        self, name: str, package: str = "crm", libraries: Sequence[tuple[str, str]] = ()
    ) -> None:
        parts = [*libraries, (package, name)]
        self.source = "\n".join(
            files(owner).joinpath(f"lua/{file}.lua").read_text() for owner, file in parts
        )
        self.sha = sha1(self.source.encode()).hexdigest()

    def queue(self, pipe: Pipeline, keys: Sequence[str], args: Sequence[Any]) -> None:
        """Add a run of the script to a pipeline."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    def run(self, redis: Redis, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run the script on its own (loading it first if Redis has forgotten it)."""
        try:
            return redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            redis.script_load(self.source)
            return redis.evalsha(self.sha, len(keys), *keys, *args)


def run_scripts(
    redis: Redis, build: Callable[[Pipeline], None], scripts: Sequence[LuaScript]
) -> list[Any]:
    """Execute a pipeline made only of script runs; load the scripts and retry if Redis lost them.

    Redis forgets scripts only when it restarts, and then forgets all of them, so a pipeline
    that meets an unknown script ran none of its scripts and can be sent again as it was.
    """
    try:
        return _execute(redis, build)
    except NoScriptError:
        for script in scripts:
            redis.script_load(script.source)
        return _execute(redis, build)


def _execute(redis: Redis, build: Callable[[Pipeline], None]) -> list[Any]:
    with redis.pipeline(transaction=False) as pipe:
        build(pipe)
        return pipe.execute()
