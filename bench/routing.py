"""How long routing takes: one routing decision as the line grows, and a free rep to a ring.

Run by hand: `.venv/bin/python -m bench.routing` (a minute or two; `--help` for the knobs).
Starts its own redis-server in a temp dir (as the embedded one: unix socket, AOF on), never the
Redis at 127.0.0.1:6379, and prints:

1. One routing decision, with 1,000, 10,000 and 100,000 callers waiting on support, tech and
   billing (tiers mixed, a fifth waiting for their busy case owner) and 500 reps of mixed teams,
   most of them busy: `Router.place` of a new caller when nobody is free (they wait), and
   `Router.claim` for a rep who has just become available. Each is timed as the app calls it
   (Python, round trip, Lua) and inside Redis (the script alone, from Redis's command
   statistics): median and p99 in microseconds per size, and how they grow from 1k to 10k and
   100k. The goal is logarithmic or better: a ratio near 1-2 is fine; linear would be ~100.
   Callers are seeded through the router's own `place` script, pipelined; every timed place is
   released and every claimed caller replaced (or put back), so the line keeps its size.
2. A rep becoming free to the REST redirect reaching Twilio: the app served over real HTTP with
   the project's Twilio simulator in front and the dispatcher running, by
   `tests.conftest.running_line` itself; a caller waiting, the rep set available at t0, and t1
   when the simulator's REST API moves that caller's call. Median and p99 in milliseconds over
   the rounds. The goal is under 2 s; the aim, under 200 ms.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from redis import Redis
from redis.client import Pipeline

from callflows import default_flow_path, load_flow
from crm.keys import Keys
from crm.models import TEAMS, Customer, Presence, Rep, Role, Team, TierThresholds
from crm.reps import RepRepository
from crm.scripts import run_scripts
from ivr.embedded_redis import RedisServer
from ivr.settings import Settings
from queues.presence import PresenceBoard
from queues.router import Router
from queues.routing_results import Caller, Waiting
from simulator.script import Call

SUPPORT_NUMBER = "+14155550000"
SIZES = (1_000, 10_000, 100_000)
REP_COUNT = 500
# How callers spread over the lines and tiers, and how many wait for their case's owner first.
LINE_WEIGHTS = {"support": 5, "tech": 3, "billing": 2}
TIER_WEIGHTS = {"standard": 7, "silver": 2, "gold": 1}
OWNER_SHARE = 0.2
# Rep teams, cycled; every 25th rep is a supervisor (who also answers the managers' line).
TEAM_MIXES: tuple[tuple[Team, ...], ...] = (
    ("support",),
    ("tech",),
    ("billing",),
    ("support", "tech"),
    ("support", "billing"),
    ("tech", "billing"),
    ("support", "tech", "billing"),
)
# Seeded callers arrived over the last hour; their owner waits outlast the benchmark.
SEED_ARRIVALS_SECONDS = 3600
SEED_OWNER_WAIT_SECONDS = 24 * 3600
SEED_BATCH = 2_000
# Redis's statistics of script runs, whichever way the router sends its script.
SCRIPT_STATS = ("cmdstat_evalsha", "cmdstat_eval", "cmdstat_fcall")
CONVERSATION_SECONDS = 240
# Part 2: one known caller and one rep, as in tests/test_routing_calls.py.
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
REDIRECT_TIMEOUT_SECONDS = 5.0


# ----- figures -----


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: a value some sample really took (p99 of 50 is the slowest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median_p99(samples: list[float]) -> tuple[float, float]:
    """The typical figure and the tail one."""
    return statistics.median(samples), percentile(samples, 0.99)


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    """A redis-server of the benchmark's own, started like the embedded one (never :6379)."""
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def no_gc() -> Iterator[None]:
    """Keep Python's collector out of a timed loop: its pauses are not routing's."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# ----- part 1: one routing decision -----


class SettableClock:
    """A clock the seeding router reads, so seeded callers arrived over the last hour."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        """The moment set for the caller being seeded."""
        return self.now


@dataclass
class Floor:
    """The line under test: Redis, the routers, the reps and a source of new callers."""

    redis: Redis
    keys: Keys
    router: Router  # the one measured: the shipped flow's routing policy, the real clock
    seeder: Router  # the same policy with owner waits that outlast the run, and a set clock
    seed_clock: SettableClock
    presence: PresenceBoard
    reps: list[str]
    busy: list[str]  # reps on a call: owners of waiting callers, and who becomes free
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    serial: int = 0

    def new_caller(self) -> Caller:
        """A caller as they arrive: a line, a tier (the number called), maybe a case owner."""
        self.serial += 1
        line = self.rng.choices(list(LINE_WEIGHTS), weights=list(LINE_WEIGHTS.values()))[0]
        tier = self.rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        owner = self.rng.choice(self.busy) if self.rng.random() < OWNER_SHARE else None
        return Caller(
            call_sid=f"CA{self.serial:032x}",
            line=line,
            phone=f"+1555{self.serial:07d}",
            tier=tier,
            owner=owner,
        )

    def waiting(self) -> int:
        """Callers in line now: on the three lines and with their owners."""
        with self.redis.pipeline(transaction=False) as pipe:
            for line in TEAMS:
                pipe.zcard(self.keys.line(line))
            for rep in self.reps:
                pipe.zcard(self.keys.owner_line(rep))
            return sum(pipe.execute())


def build_floor(redis: Redis) -> Floor:
    """500 reps of mixed teams: 80% busy, the rest away or offline, so nobody is free."""
    keys = Keys()
    flow = load_flow(default_flow_path(), SUPPORT_NUMBER)
    thresholds = TierThresholds(silver=Decimal(flow.tiers.silver), gold=Decimal(flow.tiers.gold))
    reps = [
        Rep(
            id=f"rep-{index:03d}",
            name=f"Rep {index}",
            endpoint=f"client:rep-{index:03d}",
            password_hash="x",
            role=Role.SUPERVISOR if index % 25 == 0 else Role.REP,
            teams=TEAM_MIXES[index % len(TEAM_MIXES)],
        )
        for index in range(REP_COUNT)
    ]
    repository = RepRepository(redis, keys)
    repository.save_all(reps)
    presence = PresenceBoard(redis, keys, repository, flow.routing.wrap_up_seconds)
    busy = []
    for index, rep in enumerate(reps):
        state = {8: Presence.AWAY, 9: Presence.OFFLINE}.get(index % 10, Presence.BUSY)
        presence.set(rep.id, state)
        if state is Presence.BUSY:
            busy.append(rep.id)
    seed_clock = SettableClock()
    seeding = flow.routing.model_copy(update={"owner_wait_seconds": SEED_OWNER_WAIT_SECONDS})
    return Floor(
        redis=redis,
        keys=keys,
        router=Router(redis, keys, flow.routing, thresholds),
        seeder=Router(redis, keys, seeding, thresholds, clock=seed_clock),
        seed_clock=seed_clock,
        presence=presence,
        reps=[rep.id for rep in reps],
        busy=busy,
    )


def queue_seeds(floor: Floor, callers: list[Caller], arrivals: list[float], pipe: Pipeline) -> None:
    """Add the placing of seeded callers to a pipeline, each at their own arrival time."""
    for caller, arrival in zip(callers, arrivals, strict=True):
        floor.seed_clock.now = arrival
        floor.seeder.queue_place(pipe, caller)


def seed(floor: Floor, count: int) -> None:
    """Add `count` waiting callers through the router's own `place` script, in pipelines.

    Each arrived at a random moment of the last hour, so a new caller lands among them by
    score rather than always at the end.
    """
    now = time.time()
    for start in range(0, count, SEED_BATCH):
        callers = [floor.new_caller() for _ in range(min(SEED_BATCH, count - start))]
        arrivals = [now - floor.rng.uniform(0, SEED_ARRIVALS_SECONDS) for _ in callers]
        build = partial(queue_seeds, floor, callers, arrivals)
        results = run_scripts(floor.redis, build, floor.seeder.script.scripts())
        if any(not isinstance(Router.placement(result), Waiting) for result in results):
            raise RuntimeError("a seeded caller was offered to a rep: someone is free")


@dataclass
class Samples:
    """Microseconds per call: as the app sees it (round trip), and inside Redis (the script)."""

    call: list[float] = field(default_factory=list)
    in_redis: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, tuple[float, float]]:
        """Median and p99 of each."""
        return {"call": median_p99(self.call), "in_redis": median_p99(self.in_redis)}


def timed(redis: Redis, samples: Samples, call: Callable[[], Any]) -> Any:
    """Run one routing call, keep how long it took, and return what it returned.

    Redis's command statistics, reset just before, give the script's own time (whatever the
    client and a shared machine add to the round trip): the Lua half of the figure.
    """
    redis.config_resetstat()
    start = time.perf_counter_ns()
    result = call()
    samples.call.append((time.perf_counter_ns() - start) / 1000)
    stats = redis.info("commandstats")
    runs = [stats[name] for name in SCRIPT_STATS if name in stats]
    if sum(run["calls"] for run in runs) != 1:
        raise RuntimeError(f"expected one script run per routing call, Redis counted {runs}")
    samples.in_redis.append(sum(run["usec"] for run in runs))
    return result


def time_places(floor: Floor, ops: int) -> Samples:
    """`place` of a new caller when nobody is free: they wait (some for their busy owner).

    Each is released again, untimed, so the line keeps its size.
    """
    samples = Samples()
    for _ in range(ops):
        caller = floor.new_caller()
        placement = timed(floor.redis, samples, partial(floor.router.place, caller))
        if not isinstance(placement, Waiting):
            raise RuntimeError(f"{caller.call_sid} was offered a rep: someone is free")
        floor.router.release(caller.call_sid, None)
    return samples


def settle(floor: Floor, rep: str, call_sid: str, turn: int) -> None:
    """End the offer as calls end, in turn, then put things back as they were: the rep busy,
    the line as long as before.

    0: the caller hung up while the rep was rung (release; a new caller takes their place);
    1: the rep missed it (missed; the caller goes back to their place, as the app does);
    2: they talked (accepted, finished; a new caller takes their place).
    """
    router = floor.router
    entry = router.entry(call_sid)
    kind = turn % 3
    if kind == 0:
        router.release(call_sid, entry.get("phone"))
    elif kind == 1:
        router.missed(call_sid, rep)
    else:
        router.accepted(call_sid, rep)
        router.finished(call_sid, rep, entry["line"], CONVERSATION_SECONDS)
    floor.presence.set(rep, Presence.BUSY)  # before placing anyone: nobody is free again
    if kind == 1:
        back = Caller(call_sid, entry["line"], entry.get("phone"), entry["tier"], skip=rep)
        placement = router.place(back)
    else:
        fresh = floor.new_caller()
        owner = entry.get("owner") or None
        placement = router.place(
            Caller(fresh.call_sid, entry["line"], fresh.phone, entry["tier"], owner)
        )
    if not isinstance(placement, Waiting):
        raise RuntimeError("a caller put back in line was offered a rep: someone is free")


def time_claims(floor: Floor, ops: int) -> Samples:
    """`claim` for a busy rep who has just become available (set so by `PresenceBoard`, as
    the rep would), the offer then settled and the rep busy again, untimed."""
    samples = Samples()
    for turn in range(ops):
        rep = floor.busy[turn % len(floor.busy)]
        floor.presence.set(rep, Presence.AVAILABLE)
        claim = timed(floor.redis, samples, partial(floor.router.claim, rep))
        if claim is None:
            raise RuntimeError(f"{rep} found nobody waiting")
        settle(floor, rep, claim.call_sid, turn)
    floor.redis.delete(floor.keys.router_wake)  # no dispatcher here reads the wakes
    return samples


Figures = dict[str, dict[str, tuple[float, float]]]  # decision -> view -> (median, p99)


def routing_decisions(directory: Path, ops: int) -> dict[int, Figures]:
    """Part 1: grow the line 1k -> 10k -> 100k and time place and claim at each size.

    The same floor grows, so each size is measured after the same history of the smaller ones.
    """
    rows: dict[int, Figures] = {}
    with redis_server(directory) as server:
        floor = build_floor(server.client())
        warm_up = max(50, ops // 10)
        for size in SIZES:
            started = time.monotonic()
            seed(floor, size - floor.waiting())
            seeded = time.monotonic() - started
            time_places(floor, warm_up)
            time_claims(floor, warm_up)
            before = floor.waiting()
            with no_gc():
                places = time_places(floor, ops)
                claims = time_claims(floor, ops)
            after = floor.waiting()
            rows[size] = {"place": places.figures(), "claim": claims.figures()}
            print(
                f"  {size:,} waiting: seeded in {seeded:.1f} s; {before:,} before and {after:,}"
                f" after {ops:,} places and {ops:,} claims",
                flush=True,
            )
    return rows


def growth(figures: tuple[float, float], base: tuple[float, float]) -> str:
    """How many times the base's median and p99 the figures are."""
    return f"{figures[0] / base[0]:.2f} / {figures[1] / base[1]:.2f}"


def print_decisions(rows: dict[int, Figures], ops: int) -> None:
    """The table of part 1 and how its figures grow with the line."""
    print()
    print(f"one routing decision, microseconds, {ops:,} of each per size")
    print("  call: the Router method as the app calls it (Python, round trip on a unix socket,")
    print("  Lua); in redis: the script alone, from Redis's command statistics")
    views = ("call", "in_redis")
    header = "".join(f"{f'{v} p50':>14}{f'{v} p99':>14}" for v in ("call", "in redis"))
    print(f"{'waiting':>9}  {'decision':<9}{header}")
    for size, row in rows.items():
        for decision, figures in row.items():
            cells = "".join(f"{figures[v][0]:>14.0f}{figures[v][1]:>14.0f}" for v in views)
            print(f"{size:>9,}  {decision:<9}{cells}")
    print()
    print("growth with the line, as median x / p99 x")
    print(f"{'':>9}  {'decision':<9}{'call':>14}{'in redis':>14}")
    first = rows[SIZES[0]]
    for size in SIZES[1:]:
        label = f"{size // 1000}k/{SIZES[0] // 1000}k"
        for decision, figures in rows[size].items():
            cells = "".join(f"{growth(figures[v], first[decision][v]):>14}" for v in views)
            print(f"{label:>9}  {decision:<9}{cells}")
    print("goal: logarithmic or better in the callers waiting: a ratio near 1-2 is fine;")
    print("a decision linear in the line would be ~10 at 10k/1k and ~100 at 100k/1k")


# ----- part 2: a free rep to the REST redirect -----


@dataclass
class Redirect:
    """When the simulator's REST API moved the watched call (perf_counter seconds)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0


def observe_redirect(call: Call) -> Redirect:
    """Note the moment the simulator's REST API moves `call`: its call update and a queue
    member's dequeue both go through the leg's `redirect`, before the leg acts on it."""
    seen = Redirect()
    original = call.redirect

    def redirect(url: str, method: str = "POST") -> None:
        seen.at = time.perf_counter()
        seen.arrived.set()
        original(url, method)

    call.redirect = redirect  # type: ignore[method-assign]
    return seen


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll until `condition` holds: the app settles a call's end in callbacks of its own."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def first_in_line(router: Router, call_sid: str) -> bool:
    """True once the caller waits first in our line (placed by the app, nobody free)."""
    return router.position(call_sid) == 1


def rep_to_redirect(directory: Path, rounds: int) -> list[float]:
    """Part 2: milliseconds from a rep set available to the REST redirect of the waiting call,
    one round more than asked: the first, cold (the process's first call, REST request, ...).

    The app, the simulator and the dispatcher run as `tests.conftest.running_line` runs them
    (imported, so the benchmark serves the app exactly as the tests do).
    """
    # The tests' own wiring of app, simulator and worker (imported here: part 1 needs none of it).
    from tests.conftest import running_line

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per webhook
    samples = []
    with redis_server(directory / "redis") as server:
        settings = Settings.load(
            _env_file=None,
            redis_url=server.url,
            ivr_data_dir=directory / "var",
            ivr_callflow=None,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="bench-auth-token-0123456789",
            public_base_url="http://127.0.0.1",  # running_line puts the app's own URL here
            support_number=SUPPORT_NUMBER,
            secret_key="bench-secret-key-0123456789",
        )
        with running_line(settings) as line:
            services = line.services
            services.customers.save_all([BOB])
            services.reps.save_all([SAM])
            services.presence.set(SAM.id, Presence.BUSY)
            line.sim.add_person(SAM.endpoint, name=SAM.id)
            for _ in range(rounds + 1):
                call = line.call(BOB.phone)
                call.press("0")
                call.expect_enqueue("support")
                wait_for(partial(first_in_line, services.router, call.sid), "the caller in line")
                redirected = observe_redirect(call)
                t0 = time.perf_counter()
                services.presence.set(SAM.id, Presence.AVAILABLE)
                if not redirected.arrived.wait(REDIRECT_TIMEOUT_SECONDS):
                    raise RuntimeError(f"no REST redirect of {call.sid} in time")
                samples.append((redirected.at - t0) * 1000)
                # Let the call run its course (whisper, talk), then hang up and re-busy Sam.
                call.expect_bridged(SAM.id)
                call.hang_up()
                call.expect_ended()
                for leg in line.sim.switch.legs_to(SAM.id):
                    leg.wait()
                wait_for(
                    lambda: services.reps.presence(SAM.id) is Presence.WRAP_UP, "Sam's wrap-up"
                )
                services.presence.set(SAM.id, Presence.BUSY)
    return samples


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=2000, help="places and claims timed per size")
    parser.add_argument("--rounds", type=int, default=50, help="rep-free rounds over HTTP")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("part 1: routing decisions against redis-server, 500 reps", flush=True)
        print_decisions(routing_decisions(Path(tmp) / "decisions", args.ops), args.ops)
        print()
        print("part 2: rep free -> REST redirect at the simulator", flush=True)
        cold, *samples = rep_to_redirect(Path(tmp) / "line", args.rounds)
    median, p99 = median_p99(samples)
    slowest = max(range(len(samples)), key=samples.__getitem__)
    print(
        f"rep set available -> REST redirect of the waiting call, {len(samples)} rounds:"
        f" median {median:.1f} ms, p99 {p99:.1f} ms"
        f" (slowest: round {slowest + 1}, {samples[slowest]:.1f} ms)"
    )
    print(f"first round (cold), not counted: {cold:.1f} ms")
    print("goal: under 2000 ms; aim: under 200 ms")


if __name__ == "__main__":
    main()
