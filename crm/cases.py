"""Cases: a customer's problem, owned by the rep who took it, indexed for the calls that follow."""

from __future__ import annotations

from typing import cast

from redis import Redis
from redis.client import Pipeline

from crm.keys import Keys
from crm.models import Case, CaseEvent, CaseStatus, utcnow
from crm.reps import UnknownRep

FIRST_REFERENCE_NUMBER = 1000


class CaseRepository:
    """Cases as JSON by reference, with open-case sets per caller and per owner."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def open(
        self, customer_phone: str, owner: str, subject: str, category: str = "general"
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
        if previous is not None:
            pipe.srem(self._keys.open_cases_of_caller(previous.customer_phone), case.reference)
            pipe.srem(self._keys.open_cases_of_owner(previous.owner), case.reference)
        pipe.set(self._keys.case(case.reference), case.model_dump_json())
        if case.status is CaseStatus.OPEN:
            pipe.sadd(self._keys.open_cases_of_caller(case.customer_phone), case.reference)
            pipe.sadd(self._keys.open_cases_of_owner(case.owner), case.reference)

    def _load(self, references: set[str]) -> list[Case]:
        if not references:
            return []
        raws = self._redis.mget([self._keys.case(ref) for ref in references])
        cases = [Case.from_stored(raw) for raw in raws if raw]
        return sorted(cases, key=lambda case: case.created_at)
