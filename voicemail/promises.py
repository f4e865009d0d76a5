"""Promises kept and broken: every closed callback says whether it was done by the time the
caller was promised, and by how much; open ones near their time are at risk.

A callback that failed after its last try, or was done after its time, is a broken promise; a
cancelled one (the customer called it off) is neither.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from voicemail.book import CallbackBook
from voicemail.models import Callback, CallbackState

# An open callback this close to its promised time (or past it) is at risk of breaking it.
AT_RISK = timedelta(minutes=15)


@dataclass(frozen=True)
class PromiseReport:
    """How the promises of a period went."""

    kept: int
    broken: int
    median_margin_seconds: float | None  # of callbacks done: time to spare (negative: late)
    open: int
    at_risk: int


def at_risk(callback: Callback, now: datetime) -> bool:
    """Whether an open callback is near (or past) its promised time."""
    return callback.promised_by - now <= AT_RISK


def promise_report(book: CallbackBook, since: datetime, now: datetime) -> PromiseReport:
    """The promises closed since `since`, and the open ones now."""
    closed = [c for c in book.closed_since(since) if c.state is not CallbackState.CANCELLED]
    done = [c for c in closed if c.state is CallbackState.DONE]
    kept = sum(1 for c in done if c.kept)
    margins = [c.margin for c in done if c.margin is not None]
    still_open = book.open_callbacks()
    return PromiseReport(
        kept=kept,
        broken=len(closed) - kept,
        median_margin_seconds=statistics.median(margins) if margins else None,
        open=len(still_open),
        at_risk=sum(1 for c in still_open if at_risk(c, now)),
    )
