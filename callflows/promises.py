"""Callback promises: a concrete time, said the way a person would say it.

"We will call you back soon" is no promise; "by 3:30 pm" is. The deadline counts from when a
person can next act: now if the line is open, else its next opening.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from callflows.schema import CallFlow


def callback_deadline(flow: CallFlow, now: datetime, *, manager: bool = False) -> datetime:
    """When a callback requested at `now` must have happened, by the flow's promises."""
    minutes = flow.promises.manager_callback_minutes if manager else flow.promises.callback_minutes
    return flow.next_open(now) + timedelta(minutes=minutes)


def spoken_time(at: datetime, now: datetime, flow: CallFlow) -> str:
    """`at` as a caller hears it, in the line's time zone: "3:30 pm", "tomorrow at 9 am"."""
    local, today = at.astimezone(flow.zone), now.astimezone(flow.zone)
    clock = local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ").lower()
    days = (local.date() - today.date()).days
    if days <= 0:
        return clock
    if days == 1:
        return f"tomorrow at {clock}"
    return f"{local.strftime('%A')} at {clock}"
