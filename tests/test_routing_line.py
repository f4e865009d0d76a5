"""The line, against the suite's Redis: who is offered to whom, in which order, and presence."""

from __future__ import annotations

import pytest
from redis import Redis

from callflows.schema import Routing
from crm.keys import Keys
from crm.models import Presence, Rep, Role
from crm.reps import RepRepository, UnknownRep
from queues.presence import PresenceBoard, PresenceRefused
from queues.router import Caller, Offered, Router, Waiting

POLICY = Routing(
    head_start_seconds={"standard": 0, "silver": 45, "gold": 90},
    open_case_seconds=30,
    fairness_cap_seconds=120,
    owner_wait_seconds=60,
    wrap_up_seconds=30,
    rejoin_seconds=300,
)


class Clock:
    """Time the test moves by hand (Redis itself is real)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reps(redis: Redis) -> RepRepository:
    repository = RepRepository(redis, Keys())
    repository.save_all(
        [
            Rep(id="sam", name="Sam", endpoint="+14155550200", password_hash="x"),
            Rep(id="kim", name="Kim", endpoint="+14155550201", password_hash="x"),
            Rep(id="tia", name="Tia", endpoint="+14155550202", password_hash="x", teams=("tech",)),
            Rep(
                id="mo",
                name="Mo",
                endpoint="+14155550203",
                password_hash="x",
                role=Role.SUPERVISOR,
                teams=("billing",),
            ),
        ]
    )
    return repository


@pytest.fixture
def board(redis: Redis, reps: RepRepository, clock: Clock) -> PresenceBoard:
    return PresenceBoard(redis, Keys(), reps, POLICY.wrap_up_seconds, clock=clock)


@pytest.fixture
def router(redis: Redis, reps: RepRepository, clock: Clock) -> Router:
    return Router(redis, Keys(), POLICY, clock=clock)


def arrive(router: Router, clock: Clock, sid: str, after: float = 1, **caller: str) -> Waiting:
    """A caller arrives `after` seconds after the last and, nobody being free, waits."""
    clock.advance(after)
    placed = router.place(Caller(call_sid=sid, line=caller.pop("line", "support"), **caller))
    assert isinstance(placed, Waiting), placed
    return placed


def test_a_caller_who_arrives_while_a_rep_is_free_is_offered_to_them_at_once(
    router: Router, board: PresenceBoard, reps: RepRepository
) -> None:
    board.set("sam", Presence.AVAILABLE)
    assert router.place(Caller(call_sid="CA1", line="support")) == Offered("sam")
    assert reps.presence("sam") is Presence.OFFERED
    assert router.entry("CA1")["state"] == "offered"
    # The next caller finds nobody free and waits first in line.
    assert router.place(Caller(call_sid="CA2", line="support")) == Waiting(1)


def test_the_rep_idle_longest_is_offered_first(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("kim", Presence.AVAILABLE)
    clock.advance(5)
    board.set("sam", Presence.AVAILABLE)
    assert router.place(Caller(call_sid="CA1", line="support")) == Offered("kim")


def test_a_top_tier_caller_who_arrived_later_is_answered_first(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    assert arrive(router, clock, "standard", tier="standard") == Waiting(1)
    assert arrive(router, clock, "gold", after=60, tier="gold") == Waiting(1)
    assert router.position("standard") == 2
    board.set("sam", Presence.AVAILABLE)
    assert router.claim("sam") == "gold"


def test_a_standard_caller_past_the_fairness_cap_goes_before_a_newer_top_tier_one(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    arrive(router, clock, "standard", tier="standard")
    # Gold's head start is 90 s: a gold caller arriving 91 s later is behind.
    arrive(router, clock, "gold", after=91, tier="gold")
    assert router.position("standard") == 1
    board.set("sam", Presence.AVAILABLE)
    assert router.claim("sam") == "standard"


def test_no_head_start_exceeds_the_fairness_cap() -> None:
    assert POLICY.head_start("gold", open_case=True) == 120
    assert POLICY.head_start("silver", open_case=True) == 75
    assert POLICY.head_start("standard", open_case=False) == 0


def test_a_rep_is_offered_only_callers_of_their_own_lines(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    arrive(router, clock, "support-caller")
    arrive(router, clock, "tech-caller", line="tech")
    arrive(router, clock, "manager-caller", line="managers")
    board.set("tia", Presence.AVAILABLE)
    assert router.claim("tia") == "tech-caller"
    board.set("mo", Presence.AVAILABLE)  # a supervisor on billing: billing and managers
    assert router.claim("mo") == "manager-caller"


def test_an_open_case_caller_waits_for_their_busy_owner_then_keeps_their_place(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.BUSY)
    assert arrive(router, clock, "owned", owner="sam") == Waiting(1)
    assert router.entry("owned")["state"] == "owner"
    arrive(router, clock, "later", after=10)
    board.set("kim", Presence.AVAILABLE)
    # Kim is free, but the owner's caller is still waiting for the owner.
    assert router.claim("kim") == "later"
    arrive(router, clock, "latest", after=10)
    clock.advance(POLICY.owner_wait_seconds)
    assert router.release("later", None) == "kim"  # that caller hung up while Kim's phone rang
    # The wait for the owner is over: their place (before "latest") was kept.
    assert router.claim("kim") == "owned"


def test_a_free_owner_takes_their_own_case_callers_before_better_placed_ones(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.BUSY)
    arrive(router, clock, "gold", tier="gold")
    arrive(router, clock, "owned", owner="sam")
    board.set("sam", Presence.AVAILABLE)
    assert router.claim("sam") == "owned"


def test_an_owner_who_is_away_is_not_waited_for(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.AWAY)
    board.set("kim", Presence.AVAILABLE)
    assert router.place(Caller(call_sid="CA1", line="support", owner="sam")) == Offered("kim")


def test_a_rep_who_misses_a_call_is_out_of_rotation_and_the_caller_keeps_their_place(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    board.set("sam", Presence.AVAILABLE)
    assert router.place(Caller(call_sid="first", line="support")) == Offered("sam")
    arrive(router, clock, "second", after=30)
    assert router.missed("first", "sam")
    assert not router.missed("first", "sam")  # told twice, settled once
    assert reps.presence("sam") is Presence.MISSED
    back = router.place(Caller(call_sid="first", line="support", skip="sam"))
    assert back == Waiting(1)
    assert router.position("second") == 2
    board.set("kim", Presence.AVAILABLE)
    assert router.claim("kim") == "first"
    assert router.claim("sam") is None  # missed: not offered anything


def test_a_caller_who_hangs_up_is_never_offered_and_frees_a_rep_ringing_for_them(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    arrive(router, clock, "gone", phone="+14155550100")
    assert router.release("gone", "+14155550100") is None
    board.set("sam", Presence.AVAILABLE)
    assert router.claim("sam") is None
    assert router.place(Caller(call_sid="ringing", line="support")) == Offered("sam")
    assert router.release("ringing", None) == "sam"
    assert reps.presence("sam") is Presence.AVAILABLE


def test_a_redial_soon_after_hanging_up_resumes_the_old_place(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    arrive(router, clock, "first-try", phone="+14155550100")
    arrive(router, clock, "other", after=20)
    router.release("first-try", "+14155550100")
    assert arrive(router, clock, "redial", after=40, phone="+14155550100") == Waiting(1)
    assert router.position("other") == 2


def test_a_redial_after_the_rejoin_time_starts_again(router: Router, clock: Clock) -> None:
    arrive(router, clock, "first-try", phone="+14155550100")
    arrive(router, clock, "other", after=20)
    router.release("first-try", "+14155550100")
    router._redis.delete(Keys().rejoin("+14155550100"))  # what the key's expiry does in time
    assert arrive(router, clock, "redial", phone="+14155550100") == Waiting(2)


def test_a_finished_call_wraps_the_rep_up_then_they_are_available_by_themselves(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    board.set("sam", Presence.AVAILABLE)
    router.place(Caller(call_sid="CA1", line="support"))
    assert router.accepted("CA1", "sam")
    assert reps.presence("sam") is Presence.BUSY
    assert router.finished("CA1", "sam", "support", 240)
    assert reps.presence("sam") is Presence.WRAP_UP
    assert router.entry("CA1") == {}
    clock.advance(POLICY.wrap_up_seconds - 1)
    assert router.end_wrap_ups() == []
    clock.advance(1)
    assert router.end_wrap_ups() == ["sam"]
    assert reps.presence("sam") is Presence.AVAILABLE


def test_presence_routing_sets_cannot_be_set_by_hand(board: PresenceBoard, router: Router) -> None:
    for state in (Presence.OFFERED, Presence.MISSED):
        with pytest.raises(PresenceRefused, match="set by routing"):
            board.set("sam", state)
    with pytest.raises(UnknownRep):
        board.set("ghost", Presence.AVAILABLE)
    board.set("sam", Presence.AVAILABLE)
    router.place(Caller(call_sid="CA1", line="support"))
    with pytest.raises(PresenceRefused, match="a call is ringing"):
        board.set("sam", Presence.AWAY)
    router.accepted("CA1", "sam")
    with pytest.raises(PresenceRefused, match="after its wrap-up"):
        board.set("sam", Presence.AVAILABLE)


def test_a_rep_going_available_wakes_the_router(board: PresenceBoard, redis: Redis) -> None:
    board.set("sam", Presence.AVAILABLE)
    assert redis.lrange(Keys().router_wake, 0, -1) == ["sam"]


def test_reimporting_a_rep_with_other_teams_moves_them_between_lines(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    board.set("sam", Presence.AVAILABLE)
    reps.save_all(
        [Rep(id="sam", name="Sam", endpoint="+14155550200", password_hash="x", teams=("tech",))]
    )
    assert arrive(router, clock, "support-caller") == Waiting(1)
    assert router.place(Caller(call_sid="tech-caller", line="tech")) == Offered("sam")
