"""Opening hours of the line, so after-hours callers hear when a person can next answer.

Times are wall-clock times in the flow's own timezone: "8 am" means 8 am where the team works,
winter and summer alike, so daylight-saving changes move the opening instant, not the hour.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_MINUTES_PER_DAY = 24 * 60
_MINUTE = timedelta(minutes=1)


def _minutes(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > _MINUTES_PER_DAY:
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    return value


class Span(BaseModel):
    """One opening span of a day, written "08:00-18:00"; "24:00" ends it at midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0, lt=_MINUTES_PER_DAY, description="minutes after midnight")
    end: int = Field(gt=0, le=_MINUTES_PER_DAY, description="minutes after midnight")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _SPAN.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a span like 08:00-18:00")
        start_h, start_m, end_h, end_m = match.groups()
        return {"start": _minutes(start_h, start_m), "end": _minutes(end_h, end_m)}

    @model_validator(mode="after")
    def _starts_before_end(self) -> Span:
        if self.start >= self.end:
            raise ValueError("a span must end after it starts (split spans that cross midnight)")
        return self

    def contains(self, moment: time) -> bool:
        """Whether a wall-clock time falls inside the span (start included, end excluded)."""
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        return self.start * 60 <= seconds < self.end * 60

    def opening_on(self, day: date, zone: ZoneInfo) -> datetime:
        """The instant this span opens on `day`.

        A start the clocks skip (the spring-forward gap) opens at the jump, the first instant
        the clock shows a later time, which is also when `contains` first says open.
        """
        wall = datetime.combine(day, time(self.start // 60, self.start % 60))
        opening = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        earlier = _minute_before(opening)
        while earlier.replace(tzinfo=None) >= wall:
            opening, earlier = earlier, _minute_before(earlier)
        return opening


class BusinessHours(BaseModel):
    """When a person can answer: weekly spans, minus holidays, in one timezone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    weekly: dict[Weekday, tuple[Span, ...]]
    holidays: tuple[date, ...] = ()
    closed_message: str = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @model_validator(mode="after")
    def _opens_at_some_point(self) -> BusinessHours:
        # A week with no span would make every caller wait forever for `next_open`.
        if not any(self.weekly.values()):
            raise ValueError("the weekly hours never open; leave `hours` out to stay open always")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The timezone the hours are written in."""
        return ZoneInfo(self.timezone)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The opening spans of a calendar day in the flow's timezone (none on holidays)."""
        if day in self.holidays:
            return ()
        return self.weekly.get(WEEKDAYS[day.weekday()], ())

    def is_open(self, at: datetime) -> bool:
        """Whether a person can answer at the instant `at` (timezone-aware)."""
        local = _local(at, self.zone)
        return any(span.contains(local.time()) for span in self.spans_on(local.date()))

    def next_open(self, at: datetime) -> datetime:
        """The first instant at or after `at` when the line is open, in the flow's timezone."""
        local = _local(at, self.zone)
        if self.is_open(local):
            return local
        # Every week has an opening, so a week beyond the last run of holidays must hold one.
        for offset in range(len(self.holidays) + 8):
            day = local.date() + timedelta(days=offset)
            openings = sorted(span.opening_on(day, self.zone) for span in self.spans_on(day))
            for opening in openings:
                if opening > local:
                    return opening
        raise AssertionError("unreachable: validated hours open every week")


def known_timezone(value: str) -> str:
    """`value` if it names an IANA time zone, else ValueError saying what is expected."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an IANA timezone like America/New_York") from exc
    return value


def _minute_before(moment: datetime) -> datetime:
    # Step in UTC: arithmetic on zoned datetimes is wall-clock arithmetic, blind to DST gaps.
    return (moment.astimezone(UTC) - _MINUTE).astimezone(moment.tzinfo)


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("business hours need a timezone-aware datetime")
    return at.astimezone(zone)
