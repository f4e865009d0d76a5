"""The line, against the suite's Redis: who is offered to whom, in which order, and presence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from redis import Redis

from callflows.line_policy import Routing
from crm.customers import CustomerRepository
from crm.keys import Keys
from crm.models import Customer, Presence, Rep, Role, TierThresholds
from crm.reps import RepRepository, UnknownRep
from queues.presence import PresenceBoard, PresenceRefused
from queues.router import Router
from queues.routing_results import Caller, Hold, Offered, Placement, Waiting
from tests.conftest import Clock

POLICY = Routing(
    head_start_seconds={"standard": 0, "silver": 45, "gold": 90},
    open_case_seconds=30,
    fairness_cap_seconds=120,
    owner_wait_seconds=60,
    wrap_up_seconds=30,
    rejoin_seconds=300,
)


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
    return Router(redis, Keys(), POLICY, TierThresholds(), clock=clock)


def offered_to(placement: Placement) -> str | None:
    """The id of the rep a placement rings, or None if the caller waits."""
    return placement.rep.id if isinstance(placement, Offered) else None


def claimed(router: Router, rep_id: str) -> str | None:
    """The CallSid of the caller claimed for a free rep, if any."""
    claim = router.claim(rep_id)
    return claim.call_sid if claim else None


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
    assert offered_to(router.place(Caller(call_sid="CA1", line="support"))) == "sam"
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
    assert offered_to(router.place(Caller(call_sid="CA1", line="support"))) == "kim"


def test_a_top_tier_caller_who_arrived_later_is_answered_first(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    assert arrive(router, clock, "standard", tier="standard") == Waiting(1)
    assert arrive(router, clock, "gold", after=60, tier="gold") == Waiting(1)
    assert router.position("standard") == 2
    board.set("sam", Presence.AVAILABLE)
    assert claimed(router, "sam") == "gold"


def test_a_standard_caller_past_the_fairness_cap_goes_before_a_newer_top_tier_one(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    arrive(router, clock, "standard", tier="standard")
    # Gold's head start is 90 s: a gold caller arriving 91 s later is behind.
    arrive(router, clock, "gold", after=91, tier="gold")
    assert router.position("standard") == 1
    board.set("sam", Presence.AVAILABLE)
    assert claimed(router, "sam") == "standard"


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
    assert claimed(router, "tia") == "tech-caller"
    board.set("mo", Presence.AVAILABLE)  # a supervisor on billing: billing and managers
    assert claimed(router, "mo") == "manager-caller"


def test_an_open_case_caller_waits_for_their_busy_owner_then_keeps_their_place(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.BUSY)
    assert arrive(router, clock, "owned", owner="sam") == Waiting(1)
    assert router.entry("owned")["state"] == "owner"
    arrive(router, clock, "later", after=10)
    board.set("kim", Presence.AVAILABLE)
    # Kim is free, but the owner's caller is still waiting for the owner.
    assert claimed(router, "kim") == "later"
    arrive(router, clock, "latest", after=10)
    clock.advance(POLICY.owner_wait_seconds)
    assert router.release("later", None) == "kim"  # that caller hung up while Kim's phone rang
    # The wait for the owner is over: their place (before "latest") was kept.
    assert claimed(router, "kim") == "owned"


def test_a_free_owner_takes_their_own_case_callers_before_better_placed_ones(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.BUSY)
    arrive(router, clock, "gold", tier="gold")
    arrive(router, clock, "owned", owner="sam")
    board.set("sam", Presence.AVAILABLE)
    assert claimed(router, "sam") == "owned"


def test_an_owner_who_is_away_is_not_waited_for(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.AWAY)
    board.set("kim", Presence.AVAILABLE)
    assert offered_to(router.place(Caller(call_sid="CA1", line="support", owner="sam"))) == "kim"


def test_a_rep_who_misses_a_call_is_out_of_rotation_and_the_caller_keeps_their_place(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    board.set("sam", Presence.AVAILABLE)
    assert offered_to(router.place(Caller(call_sid="first", line="support"))) == "sam"
    arrive(router, clock, "second", after=30)
    assert router.missed("first", "sam")
    assert not router.missed("first", "sam")  # told twice, settled once
    assert reps.presence("sam") is Presence.MISSED
    back = router.place(Caller(call_sid="first", line="support", skip="sam"))
    assert back == Waiting(1)
    assert router.position("second") == 2
    board.set("kim", Presence.AVAILABLE)
    assert claimed(router, "kim") == "first"
    assert router.claim("sam") is None  # missed: not offered anything


def test_a_caller_who_hangs_up_is_never_offered_and_frees_a_rep_ringing_for_them(
    router: Router, board: PresenceBoard, reps: RepRepository, clock: Clock
) -> None:
    arrive(router, clock, "gone", phone="+14155550100")
    assert router.release("gone", "+14155550100") is None
    board.set("sam", Presence.AVAILABLE)
    assert router.claim("sam") is None
    assert offered_to(router.place(Caller(call_sid="ringing", line="support"))) == "sam"
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
    for state in (Presence.AVAILABLE, Presence.AWAY):
        with pytest.raises(PresenceRefused, match="once it ends"):
            board.set("sam", state)


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
    assert offered_to(router.place(Caller(call_sid="tech-caller", line="tech"))) == "sam"


def test_a_callers_spend_sets_their_tier_and_a_premium_number_can_only_raise_it(
    router: Router, board: PresenceBoard, clock: Clock, redis: Redis
) -> None:
    CustomerRepository(redis, Keys()).save_all(
        [Customer(phone="+14155550100", name="Ada", spend=Decimal(25000))]
    )
    arrive(router, clock, "standard")
    arrive(router, clock, "big-spender", after=60, phone="+14155550100")
    assert router.entry("big-spender")["tier"] == "gold"
    arrive(router, clock, "premium-line", after=1, tier="silver")
    assert router.entry("premium-line")["tier"] == "silver"
    assert [router.position(sid) for sid in ("big-spender", "standard", "premium-line")] == [
        1,
        2,
        3,
    ]


def test_the_hold_step_tells_the_place_and_a_wait_from_recent_calls_and_reps_on_duty(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    board.set("sam", Presence.AVAILABLE)
    board.set("kim", Presence.AVAILABLE)
    for sid, seconds in (("earlier-1", 100), ("earlier-2", 140)):
        placed = router.place(Caller(call_sid=sid, line="support"))
        rep_id = offered_to(placed)
        assert rep_id is not None
        router.accepted(sid, rep_id)
        router.finished(sid, rep_id, "support", seconds)
    for sid in ("first", "second", "third"):
        arrive(router, clock, sid)
    # Two reps on duty (both wrapping up), conversations of 120 s on average: the line moves
    # two places every two minutes.
    assert router.hold("third") == Hold(position=3, expected_seconds=180)
    board.set("kim", Presence.AWAY)
    assert router.hold("third") == Hold(position=3, expected_seconds=360)


def test_no_wait_is_guessed_without_recent_calls_or_anyone_on_duty(
    router: Router, board: PresenceBoard, clock: Clock
) -> None:
    arrive(router, clock, "first")
    assert router.hold("first") == Hold(position=1, expected_seconds=None)
    assert router.hold("not-waiting") == Hold(position=0, expected_seconds=None)
