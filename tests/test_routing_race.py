"""Routing under a real race: several processes, each with several threads, on one real Redis.

In production two web processes place callers as they arrive and settle offers as Twilio
reports on them, while the worker claims callers for reps who just became free. Each of those
steps is one command of the routing script (`queues/lua/routing.lua`), and the promise of that
design is that two of them running at once can never both win the same caller or the same rep.
test_routing_line.py shows what each command decides on its own; a claim written as a read in
Python followed by a write would pass every one of those tests. Only a race can show the
promise holds, so this module runs one: thousands of offers made by `Router.place` and
`Router.claim` while reps go available, take calls, miss them, wrap up and are freed again,
and callers hang up while a rep's phone rings.

How a double assignment would show:

- Every caller is placed once and never placed again after an offer, so a caller given to two
  reps appears twice among the offers (or both offered and still waiting).
- Only the worker that received an offer settles it, and while a rep holds an unsettled offer
  nothing else may change their offer (they cannot go available, so they cannot be claimed
  for or placed with). So right after each offer and before each step of settling it, Redis
  must show the rep holding exactly that caller, and each settling command (accepted,
  finished, missed, release) must succeed: a second caller given to the same rep overwrites
  the first, and the worker holding the first sees it.
- The script logs each offer and each end of one in the same atomic step, so the event stream
  is Redis' own order of what happened: replayed, it must show every rep holding one caller at
  a time, and exactly the offers the workers received.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier as ProcessBarrier
from multiprocessing.synchronize import Event as ProcessEvent
from typing import cast

import pytest
from redis import Redis

from callflows.line_policy import Routing
from crm.keys import Keys
from crm.models import Presence, Rep, Role, Team, TierThresholds
from crm.reps import RepRepository
from ivr.embedded_redis import RedisServer
from queues.presence import PresenceBoard, PresenceRefused
from queues.router import Router
from queues.routing_results import Caller, Offered
from queues.routing_script import LINES

PROCESSES = 4
THREADS_PER_PROCESS = 4
OFFERS_PER_WORKER = 640  # 16 workers: at least 10,240 offers
LONGEST_LINE = 8  # callers waiting on a line before new ones hold off
MOST_HELD = 2  # offers a worker leaves ringing or in conversation while it does other things
START_TIMEOUT_SECONDS = 60.0
# A broken claim can leave reps held forever, so workers give up at this age of the race (and
# all stop at the first problem any of them sees) rather than wait for offers that never come.
RACE_SECONDS_AT_MOST = 60.0
RUN_TIMEOUT_SECONDS = RACE_SECONDS_AT_MOST + 60.0

# No wrap-up pause, so a rep who finished may be freed (and claimed for) at once by anyone; a
# short wait for a case owner, so owners' callers are both claimed by their owner and promoted.
POLICY = Routing(owner_wait_seconds=1, wrap_up_seconds=0, rejoin_seconds=0)

# Each rep's teams and role: most answer one line, some two; supervisors also take managers'.
SUPPORT: tuple[Team, ...] = ("support",)
TECH: tuple[Team, ...] = ("tech",)
BILLING: tuple[Team, ...] = ("billing",)
STAFF: list[tuple[tuple[Team, ...], Role]] = [
    *[(SUPPORT, Role.REP)] * 7,
    *[(TECH, Role.REP)] * 3,
    (SUPPORT + TECH, Role.REP),
    (BILLING, Role.REP),
    (BILLING, Role.SUPERVISOR),
    (SUPPORT, Role.SUPERVISOR),
]
REPS = [
    Rep(
        id=f"rep{n}",
        name=f"Rep {n}",
        endpoint=f"+141555502{n:02d}",
        password_hash="x",
        teams=teams,
        role=role,
    )
    for n, (teams, role) in enumerate(STAFF)
]
REP_IDS = [rep.id for rep in REPS]
CALLER_LINES = ["support", "tech", "billing", "managers"]
CALLER_LINE_WEIGHTS = [55, 25, 10, 10]
TIERS = ["standard", "silver", "gold"]


@dataclass(frozen=True)
class Offer:
    """One offer a worker received: the rep, the caller, their line, and which command made it."""

    rep: str
    call_sid: str
    line: str
    via: str  # "place" or "claim"
    worker: str  # "<process>.<thread>"


@dataclass
class Report:
    """What workers saw: every caller they placed, every offer made to them, anything wrong."""

    placed: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    refused: int = 0  # a rep could not go available: a call was ringing them or they were on it

    def merge(self, other: Report) -> None:
        self.placed += other.placed
        self.offers += other.offers
        self.problems += other.problems
        self.refused += other.refused


@dataclass
class Held:
    """An offer the worker has not settled yet: ringing, or answered and in conversation."""

    offer: Offer
    answered: bool = False


class Worker:
    """One thread of one process, doing what the web processes and the worker do, at random.

    It has its own client, router and presence board, as each real process has.
    """

    def __init__(self, url: str, name: str, stop: ProcessEvent) -> None:
        self.name = name
        self.stop = stop
        self.keys = Keys()
        self.redis = Redis.from_url(url, decode_responses=True)
        self.router = Router(self.redis, self.keys, POLICY, TierThresholds())
        self.board = PresenceBoard(
            self.redis, self.keys, RepRepository(self.redis, self.keys), POLICY.wrap_up_seconds
        )
        self.random = random.Random(name)
        self.report = Report()
        self.held: list[Held] = []
        self.callers = 0

    def run(self, start: threading.Barrier) -> None:
        """Race until this worker has had its share of offers, then settle what it still holds."""
        try:
            self.redis.ping()
            start.wait(timeout=START_TIMEOUT_SECONDS)
            give_up = time.monotonic() + RACE_SECONDS_AT_MOST
            while len(self.report.offers) < OFFERS_PER_WORKER and not self.stop.is_set():
                if time.monotonic() > give_up:
                    self.problem(f"gave up after {RACE_SECONDS_AT_MOST} s")
                    break
                self.step()
            while self.held:
                self.settle(self.held[0])
        except Exception as error:  # reported to the test, which fails on any problem
            self.problem(f"crashed: {error!r}")

    def step(self) -> None:
        """One thing a real process does: settle a held offer, or place, free or claim."""
        roll = self.random.random()
        if len(self.held) >= MOST_HELD or (self.held and roll < 0.5):
            self.settle(self.random.choice(self.held))
        elif roll < 0.65:
            self.place()
        elif roll < 0.8:
            self.free_and_claim(self.random.choice(REP_IDS))
        else:
            self.dispatch()

    def place(self) -> None:
        """A new caller needs a person: offered to a free rep at once, or waiting in line.

        While their line is long, a dispatcher's turn instead: callers should not pile up
        faster than reps can take them, or the race would be mostly callers waiting.
        """
        line = self.random.choices(CALLER_LINES, CALLER_LINE_WEIGHTS)[0]
        if self.redis.zcard(self.keys.line(line)) >= LONGEST_LINE:
            self.dispatch()
            return
        self.callers += 1
        call_sid = f"CA{self.name}-{self.callers}"
        owner = self.random.choice(REP_IDS) if self.random.random() < 0.15 else None
        caller = Caller(call_sid=call_sid, line=line, tier=self.random.choice(TIERS), owner=owner)
        self.report.placed.append(call_sid)
        placed = self.router.place(caller)
        if isinstance(placed, Offered):
            self.received(placed.rep.id, call_sid, caller.line, "place")

    def free_and_claim(self, rep: str) -> None:
        """A rep says they are available (refused while a call holds them), then claims.

        The claim is made whether or not this worker freed them: another worker may have, and
        several claiming for the same rep at once is the race the claim must win only once.
        """
        try:
            self.board.set(rep, Presence.AVAILABLE)
        except PresenceRefused:
            self.report.refused += 1
        self.claim(rep)

    def dispatch(self) -> None:
        """A dispatcher's turn: end what time ended, then claim for every free rep with callers.

        Every worker's turn looks at the same free reps, so their claims collide.
        """
        freed = self.router.end_wrap_ups()
        for rep in dict.fromkeys([*freed, *self.router.free_reps_with_callers()]):
            self.claim(rep)

    def claim(self, rep: str) -> None:
        """Claim the best waiting caller for `rep` (nothing unless they are available)."""
        claim = self.router.claim(rep)
        if claim is not None:
            self.received(rep, claim.call_sid, claim.line, "claim")

    def received(self, rep: str, call_sid: str, line: str, via: str) -> None:
        """Record an offer, and check Redis shows this caller offered to this rep alone."""
        offer = Offer(rep=rep, call_sid=call_sid, line=line, via=via, worker=self.name)
        self.report.offers.append(offer)
        held = Held(offer)
        self.held.append(held)
        self.check_held(held, "just offered")

    def check_held(self, held: Held, when: str) -> None:
        """The rep still holds this caller, ringing or talking, and the caller names the rep.

        Nothing but this worker can change that until it settles the offer, so this read,
        though not atomic with the offer, must agree with it: a second caller offered to the
        rep, or this caller offered to another rep, would show here.
        """
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(self.keys.offers, held.offer.rep)
            pipe.hget(self.keys.presence, held.offer.rep)
            pipe.hmget(self.keys.waiting(held.offer.call_sid), "state", "rep")
            holding, presence, (state, offered_to) = pipe.execute()
        rep_state = (held.offer.call_sid, "busy" if held.answered else "offered")
        if (holding, presence) != rep_state:
            self.problem(f"{held.offer} {when}: the rep holds {holding!r} and is {presence}")
        if (state, offered_to) != ("offered", held.offer.rep):
            self.problem(f"{held.offer} {when}: the caller is {state} for {offered_to!r}")

    def settle(self, held: Held) -> None:
        """Move an offer on, as Twilio's callbacks would.

        The rep answers, then the call ends (or the caller hangs up mid-conversation); or the
        rep misses it; or the caller hangs up while it rings. Each command must find the offer
        where this worker left it. Not every command's answer says so (`missed` looks at the
        caller's entry only; a release mid-conversation frees nobody either way), hence the
        check first.
        """
        self.check_held(held, "before settling")
        rep, call_sid = held.offer.rep, held.offer.call_sid
        roll = self.random.random()
        if held.answered:
            if roll < 0.8:
                settled = self.router.finished(call_sid, rep, held.offer.line, 60)
            else:  # the rep wraps up; nobody is freed at once
                settled = self.router.release(call_sid, None) is None
            self.expect(settled, "ended", held)
            self.held.remove(held)
        elif roll < 0.6:
            self.expect(self.router.accepted(call_sid, rep), "accepted", held)
            held.answered = True
        elif roll < 0.8:
            self.expect(self.router.missed(call_sid, rep), "missed", held)
            # The caller gives up rather than being placed again: each caller is offered once.
            self.expect(self.router.release(call_sid, None) is None, "released after a miss", held)
            self.held.remove(held)
        else:
            self.expect(self.router.release(call_sid, None) == rep, "released", held)
            self.held.remove(held)

    def expect(self, settled: bool, how: str, held: Held) -> None:
        """A settling command that found the offer gone means another offer replaced it."""
        if not settled:
            self.problem(f"{held.offer} could not be {how}: the rep's offer was taken over")

    def problem(self, text: str) -> None:
        """Report something wrong, and stop every worker: the race has shown what it can."""
        self.report.problems.append(f"worker {self.name}: {text}")
        self.stop.set()


def race_in_process(
    url: str, index: int, start: ProcessBarrier, stop: ProcessEvent, results: Queue[Report]
) -> None:
    """One OS process: its threads start together once every process is ready."""
    workers = [Worker(url, f"{index}.{thread}", stop) for thread in range(THREADS_PER_PROCESS)]

    def all_processes_ready() -> None:
        start.wait(timeout=START_TIMEOUT_SECONDS)

    gate = threading.Barrier(THREADS_PER_PROCESS, action=all_processes_ready)
    threads = [threading.Thread(target=worker.run, args=(gate,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = Report()
    for worker in workers:
        report.merge(worker.report)
    results.put(report)


@dataclass(frozen=True)
class Event:
    """One routing event the script logged: route.offered, route.missed, route.left, ..."""

    kind: str
    call_sid: str
    rep: str
    detail: str

    @property
    def ends_an_offer(self) -> bool:
        """The rep missed it, the conversation finished, or the caller left while offered."""
        left_offered = self.kind == "route.left" and self.detail == "offered"
        return left_offered or self.kind in ("route.missed", "route.finished")


def double_offers(events: list[Event]) -> list[str]:
    """Replay the script's log: every offer to a rep who still held one, or of a caller again.

    Callers are never placed again in this race, so each may be offered once.
    """
    holding: dict[str, str] = {}  # rep -> CallSid
    offered: set[str] = set()
    doubled: list[str] = []
    for event in events:
        if event.kind == "route.offered":
            if event.rep in holding:
                doubled.append(
                    f"{event.rep} offered {event.call_sid}, holding {holding[event.rep]}"
                )
            if event.call_sid in offered:
                doubled.append(f"{event.call_sid} offered again, to {event.rep}")
            holding[event.rep] = event.call_sid
            offered.add(event.call_sid)
        elif event.ends_an_offer and holding.get(event.rep) == event.call_sid:
            del holding[event.rep]
    return doubled


@dataclass
class Race:
    """What the race produced: the workers' reports, and Redis' state once it was over."""

    report: Report
    seconds: float
    offers_held: dict[str, str]  # rep -> CallSid still in the offers hash
    presence: dict[str, str]
    waiting: list[str]  # CallSids in a line or an owner's line
    entries_left: set[str]  # offered callers whose routing entry still exists
    events: list[Event]  # the script's route.* events, in the order it ran


def run_race(url: str) -> tuple[Report, float]:
    """Run every process to the end and gather their reports; how long the racing took."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES + 1)
    stop = context.Event()
    results: Queue[Report] = context.Queue()
    processes = [
        context.Process(
            target=race_in_process, args=(url, index, start, stop, results), daemon=True
        )
        for index in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=START_TIMEOUT_SECONDS)
        began = time.monotonic()
        report = Report()
        for _ in processes:
            report.merge(results.get(timeout=RUN_TIMEOUT_SECONDS))
        seconds = time.monotonic() - began
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
    return report, seconds


@pytest.fixture(scope="module")
def race(redis_server: RedisServer) -> Iterator[Race]:
    """The race, run once for this module's tests, on an emptied Redis seeded with reps."""
    redis = redis_server.client()
    redis.flushall()
    keys = Keys()
    RepRepository(redis, keys).save_all(REPS)
    report, seconds = run_race(redis_server.url)

    offered = list({offer.call_sid for offer in report.offers})
    with redis.pipeline(transaction=False) as pipe:
        for call_sid in offered:
            pipe.exists(keys.waiting(call_sid))
        exists = pipe.execute()
    waiting: list[str] = []
    for line in [*(keys.line(line) for line in LINES), *map(keys.owner_line, REP_IDS)]:
        waiting += cast(list[str], redis.zrange(line, 0, -1))
    logged = cast(list[tuple[str, dict[str, str]]], redis.xrange(keys.events))
    events = [
        Event(fields["event"], fields["call_sid"], fields["rep"], fields["detail"])
        for _, fields in logged
        if fields["event"].startswith("route.")
    ]
    yield Race(
        report=report,
        seconds=seconds,
        offers_held=cast(dict[str, str], redis.hgetall(keys.offers)),
        presence=cast(dict[str, str], redis.hgetall(keys.presence)),
        waiting=waiting,
        entries_left={sid for sid, left in zip(offered, exists, strict=True) if left},
        events=events,
    )
    redis.flushall()


def test_the_race_is_large_and_every_rep_takes_many_calls(race: Race) -> None:
    """A race too small, or one where some reps never cycle, would prove little.

    Both commands under test must have won many times, for every rep, across all processes.
    """
    offers = race.report.offers
    print(f"\n{len(offers)} offers in {race.seconds:.1f} s; {race.report.refused} refusals")
    assert len(offers) >= 10_000
    via = Counter(offer.via for offer in offers)
    assert via["place"] >= 1_000 and via["claim"] >= 1_000, via
    per_rep = Counter(offer.rep for offer in offers)
    assert set(per_rep) == set(REP_IDS)
    assert min(per_rep.values()) >= 300, per_rep
    workers = Counter(offer.worker for offer in offers)
    assert len(workers) == PROCESSES * THREADS_PER_PROCESS
    # Reps were refused going available while a call held them: the races really overlapped.
    assert race.report.refused > 0


def test_no_caller_is_offered_to_two_reps(race: Race) -> None:
    """Each caller is placed once and never again after an offer, so one offer at most each.

    A caller claimed twice, or claimed and placed at once, shows up twice here. Every caller
    placed is accounted for exactly once: offered, or still waiting (never both, never lost).
    """
    offered = Counter(offer.call_sid for offer in race.report.offers)
    twice = {call_sid: count for call_sid, count in offered.items() if count > 1}
    assert twice == {}
    placed = race.report.placed
    assert len(placed) == len(set(placed))
    assert Counter(race.waiting) == Counter(set(placed) - set(offered))


def test_no_rep_is_given_a_caller_while_holding_another(race: Race) -> None:
    """Right after each offer the rep held that caller, and every settling of it found it.

    A second caller given to a rep whose offer was unsettled replaces the first in the offers
    hash, so a check or a settling of one of the two fails and is reported here.
    """
    problems = race.report.problems
    assert problems == [], f"{len(problems)} problems, the first: {problems[:5]}"


def test_after_the_race_every_offer_is_settled(race: Race) -> None:
    """Every offer was settled once, so nothing is left ringing or in conversation."""
    assert race.offers_held == {}
    assert race.entries_left == set()
    assert {
        rep: state for rep, state in race.presence.items() if state in ("offered", "busy")
    } == {}


def test_redis_own_log_shows_one_caller_per_rep_at_a_time(race: Race) -> None:
    """The script's log, in the order Redis ran it, replayed: no rep was offered a caller
    while holding another, and no caller was offered twice.

    Unlike the workers' reads, this order is exact. And the log holds exactly the offers the
    workers received, so no offer went unchecked.
    """
    doubled = double_offers(race.events)
    assert doubled == [], f"{len(doubled)} double offers, the first: {doubled[:5]}"
    logged = Counter((e.rep, e.call_sid) for e in race.events if e.kind == "route.offered")
    assert logged == Counter((offer.rep, offer.call_sid) for offer in race.report.offers)
