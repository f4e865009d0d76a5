"""Lua scripts run by SHA inside pipelines, so a webhook's Redis work is one round trip.

redis-py's own script objects ask Redis whether the script is loaded before every pipeline (an
extra round trip); these send EVALSHA straight away and load the scripts only when Redis says
it has forgotten them (after a restart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from hashlib import sha1
from importlib.resources import files
from typing import Any

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError


class LuaScript:
    """One Lua file of a package's `lua/` folder (crm's unless another package is named).

    `libraries` are Lua files (package, name) of functions sent in front of it, so scripts
    share a step (who is calling) instead of each carrying its own copy. `constants` become
    Lua tables in front of all (`local NAME = {...}`): what every run would otherwise send
    again, such as one namespace's key names, costs nothing per call.
    """

    def __init__(
        self,
        name: str,
        package: str = "crm",
        libraries: Sequence[tuple[str, str]] = (),
        constants: Mapping[str, Sequence[str | int]] | None = None,
    ) -> None:
        parts = [*libraries, (package, name)]
        header = [
            f"local {table} = {{{', '.join(lua_literal(value) for value in values)}}}"
            for table, values in (constants or {}).items()
        ]
        self.source = "\n".join(
            [
                *header,
                *(files(owner).joinpath(f"lua/{file}.lua").read_text() for owner, file in parts),
            ]
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


def lua_literal(value: str | int) -> str:
    """`value` as a Lua literal: a number, or a string with each byte escaped that needs it."""
    if isinstance(value, int):
        return str(value)
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_. "
    return '"' + "".join(chr(b) if b in safe else f"\\{b}" for b in value.encode()) + '"'


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
