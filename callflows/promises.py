"""Callback promises: a concrete time, said the way a person would say it.

"We will call you back soon" is no promise; "by 3:30 pm" is. The deadline counts from when a
person can next act: now if the line is open, else its next opening. Times are said in the
line's own zone (`CallFlow.zone`), never in the server's or UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from callflows.quiet_hours import zones_of_customer
from callflows.schema import CallFlow

# Beyond this many days a weekday alone is ambiguous ("Monday" could be next week's).
_DAYS_NAMED_BY_WEEKDAY = 6


def callback_deadline(flow: CallFlow, now: datetime, *, manager: bool = False) -> datetime:
    """When a callback requested at `now` must have happened, by the flow's promises: an instant
    in UTC, as everything stored is; `spoken_time` says it in the line's zone.

    The minutes are elapsed time, so a night the clocks change still gives the caller exactly
    the promised wait (aware datetimes sharing a zone add and subtract as wall clocks do).
    """
    minutes = flow.promises.manager_callback_minutes if manager else flow.promises.callback_minutes
    return flow.next_open(now).astimezone(UTC) + timedelta(minutes=minutes)


@dataclass(frozen=True)
class CallbackTimes:
    """When a callback may first ring the customer, and the time it is promised by."""

    due: datetime
    promised_by: datetime
    after_quiet_hours: bool  # the customer's night moved the promise: say so


def callback_times(
    flow: CallFlow, now: datetime, phone: str | None, *, manager: bool = False
) -> CallbackTimes:
    """The flow's promise for a customer calling from `phone`: from the line's next opening,
    never ringing in the customer's quiet hours (in their own zone), and never promising a
    time in them."""
    quiet = flow.promises.quiet_hours
    zones = zones_of_customer(phone, flow.zone) if phone and quiet else []
    promise = callback_deadline(flow, now, manager=manager)
    if quiet is None or not zones:
        return CallbackTimes(flow.next_open(now).astimezone(UTC), promise, False)
    due = flow.next_open(quiet.first_call(flow.next_open(now), zones))
    promised_by = callback_deadline(flow, due, manager=manager)
    if (night_over := quiet.quiet_until(promised_by, zones)) is not None:
        promised_by = callback_deadline(flow, night_over, manager=manager)
    return CallbackTimes(due.astimezone(UTC), promised_by, promised_by != promise)


def clock_time(local: datetime) -> str:
    """A wall-clock time as people say it: "3:30 pm", "9 am"."""
    return local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ").lower()


def written_time(at: datetime, flow: CallFlow) -> str:
    """`at` as a page shows it, in the line's time zone: "Wed 2 Dec, 3:30 pm"."""
    local = at.astimezone(flow.zone)
    return f"{local:%a} {local.day} {local:%b}, {clock_time(local)}"


def spoken_time(at: datetime, now: datetime, flow: CallFlow) -> str:
    """`at` as a caller hears it, in the line's time zone.

    "3:30 pm" today, "tomorrow at 9 am", "Monday at 9 am" within the week, and with its date
    further out ("Monday, January 4 at 9 am").
    """
    local, today = at.astimezone(flow.zone), now.astimezone(flow.zone)
    clock = clock_time(local)
    days = (local.date() - today.date()).days
    if days <= 0:
        return clock
    if days == 1:
        return f"tomorrow at {clock}"
    if days <= _DAYS_NAMED_BY_WEEKDAY:
        return f"{local:%A} at {clock}"
    return f"{local:%A}, {local:%B} {local.day} at {clock}"
