"""Cases: a customer's problem, owned by the rep who took it, indexed for the calls that follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from redis import Redis
from redis.client import Pipeline

from crm.keys import Keys
from crm.models import Case, CaseEvent, CaseStatus, utcnow
from crm.promise_watch import PromiseWatch
from crm.reps import UnknownRep

FIRST_REFERENCE_NUMBER = 1000
# A list filtered several ways is the intersection of their indexes, kept this long for the
# next page.
FILTERED_LIST_SECONDS = 30


class UnknownCase(LookupError):
    """No case has this reference."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no case {reference}")


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows: any of owner, status and category, or all."""

    owner: str | None = None
    status: CaseStatus | None = None
    category: str | None = None


@dataclass(frozen=True)
class CasePage:
    """One page of a list of cases, newest first, and how many there are in all."""

    cases: list[Case]
    total: int


class CaseRepository:
    """Cases as JSON by reference, with open-case sets per caller and per owner."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._promises = PromiseWatch(redis, keys.cases_promised)

    def open(
        self,
        customer_phone: str,
        owner: str,
        subject: str,
        category: str = "general",
        promised_by: datetime | None = None,
    ) -> Case:
        """Open a case owned by `owner` (who must exist) and return it with its new reference.

        The case is checked (`ValidationError`) before a reference is taken, so a refused case
        leaves no gap in the numbering.
        """
        draft = Case(
            reference="C-0",
            customer_phone=customer_phone,
            owner=owner,
            subject=subject,
            category=category,
            promised_by=promised_by,
        )
        if not self._redis.exists(self._keys.rep(owner)):
            raise UnknownRep(owner)
        self._redis.setnx(self._keys.case_sequence, FIRST_REFERENCE_NUMBER)
        number = self._redis.incr(self._keys.case_sequence)
        case = draft.model_copy(update={"reference": f"C-{number}"})
        opened = CaseEvent(kind="opened", by=owner, text=case.subject)
        with self._redis.pipeline(transaction=True) as pipe:
            self._queue_write(pipe, None, case)
            pipe.rpush(self._keys.case_timeline(case.reference), opened.model_dump_json())
            pipe.execute()
        return case

    def get(self, reference: str) -> Case | None:
        """The case with this reference, if any."""
        raw = self._redis.get(self._keys.case(reference.strip().upper()))
        return Case.from_stored(raw) if raw else None

    def note(self, reference: str, event: CaseEvent) -> None:
        """Add an event to a case's timeline (a callback made, a promise broken)."""
        self._redis.rpush(self._keys.case_timeline(reference), event.model_dump_json())

    def timeline(self, reference: str) -> list[CaseEvent]:
        """A case's events, oldest first."""
        raws = self._redis.lrange(self._keys.case_timeline(reference), 0, -1)
        return [CaseEvent.from_stored(raw) for raw in raws]

    def open_for_caller(self, phone: str) -> list[Case]:
        """The open cases of the customer calling from `phone`, oldest first."""
        return self._load(
            cast(set[str], self._redis.smembers(self._keys.open_cases_of_caller(phone)))
        )

    def open_for_owner(self, rep_id: str) -> list[Case]:
        """The open cases a rep owns, oldest first."""
        return self._load(
            cast(set[str], self._redis.smembers(self._keys.open_cases_of_owner(rep_id)))
        )

    def change(
        self, reference: str, apply: Callable[[Case], tuple[Case, CaseEvent]]
    ) -> tuple[Case, CaseEvent]:
        """Change a case and put the change on its timeline in one transaction.

        `apply` gets the case as stored and returns it changed with the event to note, or
        raises to change nothing. A concurrent change of the same case (a reassign racing a
        close) makes `apply` run again against the other's result.
        """
        key = self._keys.case(reference.strip().upper())
        done: list[tuple[Case, CaseEvent]] = []

        def write(pipe: Pipeline) -> None:
            raw = pipe.get(key)
            if not raw:
                raise UnknownCase(reference)
            previous = Case.from_stored(raw)
            case, event = apply(previous)
            case = case.model_copy(update={"updated_at": utcnow()})
            pipe.multi()
            self._queue_write(pipe, previous, case)
            pipe.rpush(self._keys.case_timeline(case.reference), event.model_dump_json())
            done[:] = [(case, event)]

        self._redis.transaction(write, key)
        return done[0]

    def page(self, which: CaseFilter, offset: int, count: int) -> CasePage:
        """Cases as `which` says, newest first, `count` of them from `offset`."""
        indexes = [
            self._keys.cases_of_owner(which.owner) if which.owner else None,
            self._keys.cases_in_status(which.status.value) if which.status else None,
            self._keys.cases_in_category(which.category) if which.category else None,
        ]
        chosen = [index for index in indexes if index] or [self._keys.cases_all]
        source = chosen[0]
        if len(chosen) > 1:
            source = self._keys.cases_filtered(":".join(chosen))
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.zinterstore(source, chosen, aggregate="MAX")
                pipe.expire(source, FILTERED_LIST_SECONDS)
                pipe.execute()
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrevrange(source, offset, offset + count - 1)
            pipe.zcard(source)
            references, total = pipe.execute()
        if not references:
            return CasePage([], int(total))
        raws = self._redis.mget([self._keys.case(ref) for ref in references])
        return CasePage([Case.from_stored(raw) for raw in raws if raw], int(total))

    def awaiting_sign_off_from(self, phone: str) -> str | None:
        """The case `phone` was last asked to sign off, if one still awaits their answer."""
        newest = self._redis.zrevrange(self._keys.sign_offs_of(phone), 0, 0)
        return str(newest[0]) if newest else None

    def near_promise(self, until: float, limit: int = 1000) -> list[str]:
        """Open cases, not yet warned of, promised by `until` (or already late)."""
        return self._promises.due_by(until, limit)

    def sign_offs_due(self, now: float, limit: int = 1000) -> list[str]:
        """Resolved cases whose customer has said nothing for as long as the flow allows."""
        return cast(
            list[str],
            self._redis.zrangebyscore(self._keys.cases_awaiting_sign_off, "-inf", now, 0, limit),
        )

    def save(self, case: Case) -> None:
        """Store a changed case and move it between the open-case indexes, atomically.

        The case key is watched, so a concurrent change (a reassign racing a close) makes one
        of them retry against the other's result instead of leaving a stale index behind.
        """
        case.updated_at = utcnow()
        key = self._keys.case(case.reference)

        def write(pipe: Pipeline) -> None:
            raw = pipe.get(key)
            previous = Case.from_stored(raw) if raw else None
            pipe.multi()
            self._queue_write(pipe, previous, case)

        self._redis.transaction(write, key)

    def _queue_write(self, pipe: Pipeline, previous: Case | None, case: Case) -> None:
        """The case and its indexes: open ones by caller and owner (what a call looks up), and
        every case by owner, status and category, newest first (what lists page through)."""
        reference = case.reference
        if previous is not None:
            pipe.srem(self._keys.open_cases_of_caller(previous.customer_phone), reference)
            pipe.srem(self._keys.open_cases_of_owner(previous.owner), reference)
            pipe.zrem(self._keys.cases_of_owner(previous.owner), reference)
            pipe.zrem(self._keys.cases_in_status(previous.status.value), reference)
            pipe.zrem(self._keys.cases_in_category(previous.category), reference)
        pipe.set(self._keys.case(reference), case.model_dump_json())
        if case.status is CaseStatus.OPEN:
            pipe.sadd(self._keys.open_cases_of_caller(case.customer_phone), reference)
            pipe.sadd(self._keys.open_cases_of_owner(case.owner), reference)
        if previous is not None and previous.status is CaseStatus.RESOLVED:
            pipe.zrem(self._keys.cases_awaiting_sign_off, reference)
            pipe.zrem(self._keys.sign_offs_of(previous.customer_phone), reference)
        if case.status is CaseStatus.RESOLVED and case.sign_off_by is not None:
            pipe.zadd(self._keys.cases_awaiting_sign_off, {reference: case.sign_off_by.timestamp()})
            pipe.zadd(
                self._keys.sign_offs_of(case.customer_phone),
                {reference: case.updated_at.timestamp()},
            )
        pipe.zrem(self._keys.cases_promised, reference)
        if case.status is CaseStatus.OPEN and case.promised_by and not case.at_risk:
            pipe.zadd(self._keys.cases_promised, {reference: case.promised_by.timestamp()})
        if previous is not None:
            self._queue_tally(pipe, previous, -1)
        self._queue_tally(pipe, case, 1)
        if case.status is CaseStatus.CLOSED and case.closed_at is not None:
            seconds = (case.closed_at - case.created_at).total_seconds()
            pipe.zadd(self._keys.cases_resolution, {reference: seconds})
        created = {reference: case.created_at.timestamp()}
        pipe.zadd(self._keys.cases_all, created)
        pipe.zadd(self._keys.cases_of_owner(case.owner), created)
        pipe.zadd(self._keys.cases_in_status(case.status.value), created)
        pipe.zadd(self._keys.cases_in_category(case.category), created)

    def _queue_tally(self, pipe: Pipeline, case: Case, sign: int) -> None:
        """Count `case` in the report rollups (sign 1), or take it out as it was (sign -1)."""
        tally, category = self._keys.case_tally, case.category.casefold()
        pipe.hincrby(tally, f"owner|{case.owner}|{case.status.value}", sign)
        pipe.hincrby(tally, f"category|{category}|{case.status.value}", sign)
        if case.satisfaction is not None:
            pipe.hincrby(tally, f"satisfaction|{case.satisfaction.value}", sign)
        if case.status is CaseStatus.CLOSED and case.promised_by and case.closed_at:
            kept = "kept" if case.closed_at <= case.promised_by else "broken"
            pipe.hincrby(tally, f"promise|{kept}", sign)
        if case.time_spent_seconds:
            pipe.hincrby(tally, f"time|owner|{case.owner}", sign * case.time_spent_seconds)
            pipe.hincrby(tally, f"time|category|{category}", sign * case.time_spent_seconds)
        if case.recurring:
            year, week, _ = case.created_at.isocalendar()
            bucket = f"{category}|{year}-W{week:02d}"
            pipe.hincrby(self._keys.cases_recurring, f"{bucket}|cases", sign)
            pipe.hincrby(
                self._keys.cases_recurring, f"{bucket}|seconds", sign * case.time_spent_seconds
            )

    def _load(self, references: set[str]) -> list[Case]:
        if not references:
            return []
        raws = self._redis.mget([self._keys.case(ref) for ref in references])
        cases = [Case.from_stored(raw) for raw in raws if raw]
        return sorted(cases, key=lambda case: case.created_at)
