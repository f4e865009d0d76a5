"""A case told to its customer in plain words (the status page, a status text): where it
stands, who looks after it, what was promised, and what happened, leaving out what only the
staff need (their notes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callflows import CallFlow
from callflows.promises import spoken_time, written_time
from callflows.render import first_name
from crm.models import Case, CaseEvent, CaseStatus, utcnow
from ivr.services import Services

STATUS_WORDS = {
    CaseStatus.OPEN: "open: we're working on it",
    CaseStatus.RESOLVED: "resolved: we've asked you to confirm it's sorted",
    CaseStatus.CLOSED: "closed",
}


@dataclass(frozen=True)
class Happening:
    """One line of the story: when, in the line's zone, and what."""

    when: str
    what: str


@dataclass(frozen=True)
class CaseStory:
    """What the customer is told of their case."""

    reference: str
    subject: str
    status: str
    owner: str
    promised: str | None
    happenings: list[Happening]

    def text(self) -> str:
        """The story as one short text message."""
        if self.status == STATUS_WORDS[CaseStatus.CLOSED]:
            return f"Case {self.reference} ({self.subject}) is closed."
        promised = f" We promised an answer by {self.promised}." if self.promised else ""
        return (
            f"Case {self.reference} ({self.subject}) is {self.status}. {self.owner} is looking"
            f" after it.{promised}"
        )


def _what(event: CaseEvent, names: dict[str, str], flow: CallFlow, now: datetime) -> str | None:
    """An event in plain words; None for what the customer is not shown."""
    if event.kind == "opened":
        return f"Opened: {event.text}"
    if event.kind == "reassigned":
        new_owner = event.text.rpartition(" to ")[2]
        return f"Now looked after by {names.get(new_owner, new_owner)}"
    if event.kind == "talked":
        minutes = max(1, round(int(event.text or 0) / 60))
        return f"You spoke with {names.get(event.by or '', 'us')} ({minutes} min)"
    if event.kind == "promised":
        return f"Promised an answer by {spoken_time(datetime.fromisoformat(event.text), now, flow)}"
    return {
        "resolved": "Marked as sorted; we asked you to confirm",
        "closed": "Closed",
        "reopened": "Reopened: you told us it wasn't sorted",
        "callback-done": "We called you back",
        "callback-failed": "We tried to call you back but couldn't reach you",
    }.get(event.kind)


def tell(case: Case, timeline: list[CaseEvent], names: dict[str, str], flow: CallFlow) -> CaseStory:
    """The story of `case`; `names` gives the first names of the reps it mentions."""
    now = utcnow()
    happenings = [
        Happening(written_time(event.at, flow), what)
        for event in timeline
        if (what := _what(event, names, flow, now)) is not None
    ]
    return CaseStory(
        reference=case.reference,
        subject=case.subject,
        status=STATUS_WORDS[case.status],
        owner=names.get(case.owner, case.owner),
        promised=spoken_time(case.promised_by, now, flow) if case.promised_by else None,
        happenings=happenings,
    )


def story_of(services: Services, case: Case) -> CaseStory:
    """The story of `case`, with its timeline and the reps' first names."""
    names = {rep.id: first_name(rep.name) for rep in services.reps.all()}
    return tell(case, services.cases.timeline(case.reference), names, services.flow)


def owner_and_promise(services: Services, case: Case) -> tuple[str, str]:
    """The owner's first name and the promised time, as the customer is told them."""
    owner = services.reps.get(case.owner)
    name = first_name(owner.name) if owner else case.owner
    return name, spoken_time(case.promised_by or utcnow(), utcnow(), services.flow)
