"""Who may change a case, and how: its owner or a supervisor closes it, resolves it, hands it
to another rep or changes its promise; anyone on the staff adds a note; the customer signs off
a resolved case (sorted: closed; not sorted: reopened with its owner, flagged, promised again
soon), and silence for as long as the flow allows closes it. Each change goes on the case's
timeline with who made it, in the same transaction as the change.

The rules live here, below every door they are reached through (the JSON API, the CLI, the
console), so a refusal reads the same wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crm.cases import CaseRepository
from crm.models import Case, CaseEvent, CaseStatus, Satisfaction, utcnow
from crm.reps import RepRepository, UnknownRep


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: a rep's id, and whether they are a supervisor."""

    id: str
    supervisor: bool


@dataclass(frozen=True)
class CaseDetails:
    """What a rep may say about a case; None leaves a detail as it is."""

    subject: str | None = None
    category: str | None = None
    recurring: bool | None = None
    problem: str | None = None


class NotAllowed(PermissionError):
    """The actor may not make this change (the message says who may)."""


class NotNow(ValueError):
    """The case's state does not allow the change (it is closed, say)."""


def _owner_or_supervisor(case: Case, actor: Actor, doing: str) -> None:
    if not actor.supervisor and actor.id != case.owner:
        raise NotAllowed(f"only {case.owner} or a supervisor may {doing} case {case.reference}")


def _not_closed(case: Case, doing: str) -> None:
    if case.status is CaseStatus.CLOSED:
        raise NotNow(f"case {case.reference} is closed; it cannot be {doing}")


CUSTOMER = "customer"


@dataclass(frozen=True)
class CaseTimes:
    """How soon a new case is promised an answer (by category), how long a customer has to
    sign off, and how soon a case they say is not sorted is promised again."""

    turnaround: Callable[[str], timedelta]
    answer_within: timedelta
    reopened_promise: timedelta


class CaseNews(StrEnum):
    """What a case's customer is to be told of, whichever door the change came through."""

    OPENED = "opened"  # who owns it and by when
    RESOLVED = "resolved"  # are you happy it is sorted?
    CHANGED = "changed"  # where it stands now: a new owner, closed by the staff
    AT_RISK = "at-risk"  # still being worked on, near its promised time


class CaseRules:
    """Changes to cases, each checked and noted; `tell` hears of each change the customer is
    to be told of (the line texts them from its worker)."""

    def __init__(
        self,
        cases: CaseRepository,
        reps: RepRepository,
        times: CaseTimes,
        tell: Callable[[CaseNews, str], None] = lambda news, reference: None,
    ) -> None:
        self._cases = cases
        self._reps = reps
        self._times = times
        self._tell = tell

    def open(self, phone: str, owner: str, subject: str, category: str = "general") -> Case:
        """Open a case owned by `owner`, promised an answer within its category's turnaround."""
        promised_by = utcnow() + self._times.turnaround(category)
        case = self._cases.open(phone, owner, subject, category, promised_by)
        self._tell(CaseNews.OPENED, case.reference)
        return case

    def close(self, reference: str, actor: Actor, reason: str = "") -> Case:
        """Close a case (open or resolved): it leaves its owner's and caller's open cases."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            _owner_or_supervisor(case, actor, "close")
            _not_closed(case, "closed again")
            closed = case.model_copy(update={"status": CaseStatus.CLOSED, "closed_at": utcnow()})
            return closed, CaseEvent(kind="closed", by=actor.id, text=reason)

        changed = self._cases.change(reference, apply)[0]
        self._tell(CaseNews.CHANGED, changed.reference)
        return changed

    def resolve(self, reference: str, actor: Actor, summary: str = "") -> Case:
        """Mark an open case resolved: the customer is then asked whether it is sorted."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            _owner_or_supervisor(case, actor, "resolve")
            if case.status is not CaseStatus.OPEN:
                raise NotNow(f"case {case.reference} is {case.status.value}, not open")
            resolved = case.model_copy(
                update={
                    "status": CaseStatus.RESOLVED,
                    "sign_off_by": utcnow() + self._times.answer_within,
                    "flagged": False,
                }
            )
            return resolved, CaseEvent(kind="resolved", by=actor.id, text=summary)

        changed = self._cases.change(reference, apply)[0]
        self._tell(CaseNews.RESOLVED, changed.reference)
        return changed

    def reassign(self, reference: str, to: str, actor: Actor) -> Case:
        """Hand a case to rep `to`, who is then its point of contact."""
        if self._reps.get(to) is None:
            raise UnknownRep(to)

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            _owner_or_supervisor(case, actor, "reassign")
            _not_closed(case, "reassigned")
            if case.owner == to:
                raise NotNow(f"case {case.reference} is already {to}'s")
            moved = case.model_copy(update={"owner": to})
            return moved, CaseEvent(kind="reassigned", by=actor.id, text=f"{case.owner} to {to}")

        changed = self._cases.change(reference, apply)[0]
        self._tell(CaseNews.CHANGED, changed.reference)
        return changed

    def promise(self, reference: str, by: datetime, actor: Actor) -> Case:
        """Change the time the customer is promised the case is dealt with by."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            _owner_or_supervisor(case, actor, "change the promise of")
            _not_closed(case, "promised")
            if by <= utcnow():
                raise NotNow("a promise must be in the future")
            promised = case.model_copy(update={"promised_by": by, "at_risk": False})
            return promised, CaseEvent(kind="promised", by=actor.id, text=by.isoformat())

        return self._cases.change(reference, apply)[0]

    def describe(self, reference: str, actor: Actor, details: CaseDetails) -> Case:
        """Set what the case is about, as the rep now knows it: subject, category, whether it
        recurs and which known problem it is."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            _owner_or_supervisor(case, actor, "describe")
            given = {k: v for k, v in details.__dict__.items() if v is not None}
            if not given:
                raise NotNow("say what to change: subject, category, recurring or problem")
            described = Case.model_validate({**case.model_dump(), **given})
            said = ", ".join(f"{name} {value}" for name, value in given.items())
            return described, CaseEvent(kind="described", by=actor.id, text=said)

        return self._cases.change(reference, apply)[0]

    def talked(self, reference: str, rep_id: str, seconds: int) -> Case:
        """A conversation about the case ended: its time is the case's time spent."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            spent = case.model_copy(
                update={"time_spent_seconds": case.time_spent_seconds + max(0, seconds)}
            )
            return spent, CaseEvent(kind="talked", by=rep_id, text=str(max(0, seconds)))

        return self._cases.change(reference, apply)[0]

    def note(self, reference: str, actor: Actor, text: str) -> CaseEvent:
        """Add a note to a case's timeline (anyone on the staff may)."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            return case, CaseEvent(kind="note", by=actor.id, text=text)

        return self._cases.change(reference, apply)[1]

    def signed_off(self, reference: str, phone: str, sorted_out: bool) -> Case:
        """The customer at `phone` says whether their resolved case is sorted: yes closes it;
        no reopens it with its owner, flagged, promised again soon."""

        def apply(case: Case) -> tuple[Case, CaseEvent]:
            if case.customer_phone != phone:
                raise NotAllowed(f"case {case.reference} is not {phone}'s")
            if case.status is not CaseStatus.RESOLVED:
                raise NotNow(f"case {case.reference} is {case.status.value}, not awaiting sign-off")
            if sorted_out:
                closed = case.model_copy(
                    update={
                        "status": CaseStatus.CLOSED,
                        "satisfaction": Satisfaction.HAPPY,
                        "closed_at": utcnow(),
                    }
                )
                return closed, CaseEvent(kind="closed", by=CUSTOMER, text="sorted, they said")
            reopened = case.model_copy(
                update={
                    "status": CaseStatus.OPEN,
                    "satisfaction": Satisfaction.NOT_HAPPY,
                    "flagged": True,
                    "promised_by": utcnow() + self._times.reopened_promise,
                    "sign_off_by": None,
                }
            )
            return reopened, CaseEvent(kind="reopened", by=CUSTOMER, text="not sorted, they said")

        return self._cases.change(reference, apply)[0]

    def defend_promises(self, warn_before: timedelta) -> list[Case]:
        """Open cases within `warn_before` of their promised time (or past it): flagged for
        their owner and the supervisors, once each, their customers told where they stand."""
        warned = []
        for reference in self._cases.near_promise((utcnow() + warn_before).timestamp()):

            def apply(case: Case) -> tuple[Case, CaseEvent]:
                if case.status is not CaseStatus.OPEN or case.at_risk:
                    raise NotNow(f"case {case.reference} needs no warning")
                flagged = case.model_copy(update={"flagged": True, "at_risk": True})
                return flagged, CaseEvent(kind="at-risk", text="near its promised time, open")

            try:
                warned.append(self._cases.change(reference, apply)[0])
            except NotNow:
                continue
            self._tell(CaseNews.AT_RISK, reference)
        return warned

    def close_unanswered(self) -> list[str]:
        """Close the resolved cases whose customer said nothing in time: resolved, no reply."""
        closed = []
        for reference in self._cases.sign_offs_due(utcnow().timestamp()):

            def apply(case: Case) -> tuple[Case, CaseEvent]:
                if case.status is not CaseStatus.RESOLVED:  # answered meanwhile
                    raise NotNow(f"case {case.reference} is {case.status.value}")
                silent = case.model_copy(
                    update={
                        "status": CaseStatus.CLOSED,
                        "satisfaction": Satisfaction.NO_REPLY,
                        "closed_at": utcnow(),
                    }
                )
                return silent, CaseEvent(kind="closed", text="resolved, no reply")

            try:
                closed.append(self._cases.change(reference, apply)[0].reference)
            except NotNow:
                continue
        return closed
