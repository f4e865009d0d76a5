"""The callback book against a real Redis: a promise is one record whose every step is atomic,
with at most one live attempt, and Twilio's reports applied once, whatever their order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis import Redis

from crm.keys import Keys
from tests.conftest import Clock
from voicemail.book import CallbackBook, CallbackRefused, Request
from voicemail.models import CallbackState, Message

BACKOFF = [300, 900, 1800]
ADA = "+14155550100"


@pytest.fixture
def book(redis: Redis, clock: Clock) -> CallbackBook:
    return CallbackBook(redis, Keys(), clock)


def at(clock: Clock, seconds: float = 0) -> datetime:
    return datetime.fromtimestamp(clock.now + seconds, UTC)


def voicemail(clock: Clock, origin: str = "RE1", phone: str = ADA, **fields: str) -> Request:
    """A message left now, to be called back at once and promised within two hours."""
    return Request(
        origin=origin,
        phone=phone,
        due=at(clock),
        promised_by=at(clock, 7200),
        message=Message(at=at(clock), call_sid="CA1", recording_url=f"https://r/{origin}"),
        **fields,
    )


def test_a_message_becomes_a_pending_callback_with_its_promise(
    book: CallbackBook, clock: Clock
) -> None:
    made = book.request(voicemail(clock, line="tech", case="C-1001", owner="sam"), max_attempts=3)
    assert (made.outcome, made.callback_id, made.promised_by) == (
        "created",
        "CB-1",
        at(clock, 7200),
    )
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.line, callback.case, callback.owner) == (
        CallbackState.PENDING,
        "tech",
        "C-1001",
        "sam",
    )
    assert [m.recording_url for m in callback.messages] == ["https://r/RE1"]
    assert book.take_due(10, 0) == ["CB-1"]


def test_a_retried_report_of_the_same_message_makes_no_second_callback(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    again = book.request(voicemail(clock), max_attempts=3)
    assert (again.outcome, again.callback_id, again.repeat) == ("created", "CB-1", True)
    callback = book.get("CB-1")
    assert callback is not None and len(callback.messages) == 1
    assert book.get("CB-2") is None


def test_a_second_request_while_one_is_open_merges_and_keeps_the_first_promise(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    clock.advance(600)
    merged = book.request(voicemail(clock, origin="RE2"), max_attempts=3)
    assert (merged.outcome, merged.callback_id, merged.repeat) == ("merged", "CB-1", False)
    assert merged.promised_by == at(clock, 7200 - 600)
    repeated = book.request(voicemail(clock, origin="RE2"), max_attempts=3)
    assert (repeated.outcome, repeated.repeat) == ("merged", True)
    callback = book.get("CB-1")
    assert callback is not None
    assert [m.recording_url for m in callback.messages] == ["https://r/RE1", "https://r/RE2"]
    other = book.request(voicemail(clock, origin="RE3", phone="+14155550101"), max_attempts=3)
    assert (other.outcome, other.callback_id) == ("created", "CB-2")


def test_one_live_attempt_at_most(book: CallbackBook, clock: Clock) -> None:
    book.request(voicemail(clock), max_attempts=3)
    attempt = book.start("CB-1", lease_seconds=120)
    with pytest.raises(CallbackRefused, match="dialling"):
        book.start("CB-1", lease_seconds=120)
    with pytest.raises(CallbackRefused, match="dialling"):
        book.start("CB-1", lease_seconds=120, force=True)
    assert book.take_due(10, 0) == []
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.attempt, callback.attempts) == (
        CallbackState.DIALLING,
        attempt,
        0,  # nobody was called yet: ringing the rep spends no attempt
    )


def test_a_rep_who_never_takes_it_costs_the_customer_no_attempt(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    attempt = book.start("CB-1", lease_seconds=120)
    assert book.leg("CB-1", attempt, "CArep")
    assert book.requeue("CB-1", attempt)
    assert not book.requeue("CB-1", attempt)  # the status callback after the gather's timeout
    assert not book.connected("CB-1", attempt)
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.attempts, callback.leg) == (CallbackState.PENDING, 0, "")
    assert book.take_due(10, 0) == ["CB-1"] and book.stuck() == []
    again = book.start("CB-1", lease_seconds=120)
    assert book.connected("CB-1", again) == 1
    assert not book.requeue("CB-1", again)  # the customer was called: only its outcome counts
    assert not book.leg("CB-1", attempt, "CAold")


def test_a_callback_not_yet_due_starts_only_when_a_person_asks(
    book: CallbackBook, clock: Clock
) -> None:
    request = voicemail(clock)
    book.request(
        Request(**{**request.__dict__, "due": at(clock, 600)}),
        max_attempts=3,
    )
    assert book.take_due(10, 0) == []
    with pytest.raises(CallbackRefused, match="not due"):
        book.start("CB-1", lease_seconds=120)
    book.start("CB-1", lease_seconds=120, force=True)


def test_an_answered_callback_is_done_and_its_promise_kept_by_a_margin(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    attempt = book.start("CB-1", lease_seconds=120)
    assert book.finish("CB-1", attempt, "answered", "", BACKOFF) is None  # not yet connected
    assert book.connected("CB-1", attempt) == 1
    clock.advance(1200)
    assert book.finish("CB-1", attempt, "answered", "", BACKOFF) is CallbackState.DONE
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.kept, callback.margin) == (CallbackState.DONE, True, 6000)
    # Closed: the customer's next message opens a new callback.
    assert book.request(voicemail(clock, origin="RE9"), max_attempts=3).callback_id == "CB-2"


def test_a_failed_attempt_waits_its_back_off_then_fails_after_the_last(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    for wait in BACKOFF[:2]:
        attempt = book.start("CB-1", lease_seconds=120)
        book.connected("CB-1", attempt)
        assert book.finish("CB-1", attempt, "busy", "customer busy", BACKOFF) is (
            CallbackState.RETRY_WAIT
        )
        clock.advance(wait - 1)
        assert book.take_due(10, 0) == []
        clock.advance(1)
        assert book.take_due(10, 0) == ["CB-1"]
    attempt = book.start("CB-1", lease_seconds=120)
    assert book.connected("CB-1", attempt) == 3
    assert book.finish("CB-1", attempt, "no-answer", "no answer", BACKOFF) is CallbackState.FAILED
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.attempts, callback.reason) == (
        CallbackState.FAILED,
        3,
        "no answer",
    )
    with pytest.raises(CallbackRefused, match="failed"):
        book.start("CB-1", lease_seconds=120, force=True)


def test_repeated_late_or_foreign_reports_change_nothing(book: CallbackBook, clock: Clock) -> None:
    book.request(voicemail(clock), max_attempts=3)
    first = book.start("CB-1", lease_seconds=120)
    book.connected("CB-1", first)
    assert book.finish("CB-1", first, "busy", "busy", BACKOFF) is CallbackState.RETRY_WAIT
    assert book.finish("CB-1", first, "busy", "busy", BACKOFF) is None  # the same report again
    clock.advance(BACKOFF[0])
    second = book.start("CB-1", lease_seconds=120)
    assert book.finish("CB-1", first, "answered", "", BACKOFF) is None  # a late report
    assert not book.connected("CB-1", first)
    assert book.finish("CB-1", "AT-unknown", "answered", "", BACKOFF) is None
    callback = book.get("CB-1")
    assert callback is not None
    assert (callback.state, callback.attempt, callback.attempts) == (
        CallbackState.DIALLING,
        second,
        1,
    )


def test_an_attempt_whose_lease_runs_out_is_found_by_the_sweeper_unless_renewed(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    attempt = book.start("CB-1", lease_seconds=120)
    clock.advance(119)
    assert book.stuck() == []
    assert book.lease("CB-1", attempt, 120)
    clock.advance(119)
    assert book.stuck() == []
    clock.advance(1)
    assert book.stuck() == ["CB-1"]
    assert not book.lease("CB-1", "AT-stale", 120)


def test_a_cancelled_callback_is_never_dialled_and_frees_the_customer(
    book: CallbackBook, clock: Clock
) -> None:
    book.request(voicemail(clock), max_attempts=3)
    attempt = book.start("CB-1", lease_seconds=120)
    assert book.cancel("CB-1", "customer replied STOP") is CallbackState.DIALLING
    assert not book.connected("CB-1", attempt)  # the rep rung for it never dials the customer
    assert book.take_due(10, 0) == [] and book.stuck() == [] and book.open_callbacks() == []
    with pytest.raises(CallbackRefused, match="cancelled"):
        book.cancel("CB-1", "again")
    assert book.request(voicemail(clock, origin="RE2"), max_attempts=3).outcome == "created"


def test_open_callbacks_are_listed_soonest_first(book: CallbackBook, clock: Clock) -> None:
    book.request(voicemail(clock, origin="RE1"), max_attempts=3)
    later = voicemail(clock, origin="RE2", phone="+14155550101")
    book.request(Request(**{**later.__dict__, "due": at(clock, -60)}), max_attempts=3)
    book.start("CB-1", lease_seconds=120)
    assert [c.id for c in book.open_callbacks()] == ["CB-2", "CB-1"]


def test_due_callbacks_are_taken_once_oldest_first_and_due_again_if_never_put_in_line(
    book: CallbackBook, clock: Clock
) -> None:
    for n, (phone, ago) in enumerate([(ADA, 0), ("+14155550101", 60), ("+14155550102", 30)]):
        made = voicemail(clock, origin=f"RE{n}", phone=phone)
        book.request(Request(**{**made.__dict__, "due": at(clock, -ago)}), max_attempts=3)
    assert book.take_due(2, hold_seconds=15) == ["CB-2", "CB-3"]
    assert book.take_due(2, hold_seconds=15) == ["CB-1"]  # another taker: the rest, none twice
    assert book.take_due(2, hold_seconds=15) == []
    assert book.in_line("CB-2", recheck_seconds=60)
    clock.advance(15)
    assert book.take_due(5, hold_seconds=15) == ["CB-1", "CB-3"]  # their taker died
    callback = book.get("CB-2")
    assert callback is not None and callback.due == at(clock, -75)  # its place: as due as ever
