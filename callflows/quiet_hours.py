"""Customers' quiet hours: no callback rings a customer at night in their own time zone.

Their zone comes from their number. A number whose prefix spans several zones is quiet when it
is quiet in any of them (a callback never wakes anyone), and the line's own zone stands in for
a number whose zone is unknown.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_UNKNOWN = "Etc/Unknown"


class QuietHours(BaseModel):
    """The customer's night, in their local time: from `start` until `end` (the next morning
    when `end` is earlier than `start`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time = time(21, 0)
    end: time = time(8, 0)

    @field_validator("end")
    @classmethod
    def _not_empty(cls, value: time, info: ValidationInfo) -> time:
        if info.data.get("start") == value:
            raise ValueError("quiet hours must end at another time than they start")
        return value

    def quiet_until(self, at: datetime, zones: list[ZoneInfo]) -> datetime | None:
        """When the quiet hours around `at` end in every zone, or None when `at` is quiet in
        none of them."""
        ends = [end for zone in zones if (end := self._end_in(at, zone)) is not None]
        return max(ends) if ends else None

    def first_call(self, at: datetime, zones: list[ZoneInfo]) -> datetime:
        """The first instant at or after `at` when the customer may be called."""
        return self.quiet_until(at, zones) or at

    def _end_in(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        local = at.astimezone(zone)
        clock = local.time()
        overnight = self.start > self.end
        quiet = (
            (clock >= self.start or clock < self.end)
            if overnight
            else (self.start <= clock < self.end)
        )
        if not quiet:
            return None
        day = (
            local.date() + timedelta(days=1) if overnight and clock >= self.start else local.date()
        )
        return datetime.combine(day, self.end, tzinfo=zone)


def zones_of_customer(e164: str, line_zone: ZoneInfo) -> list[ZoneInfo]:
    """The time zones a customer's number may be in; the line's when it does not say."""
    try:
        names = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return [line_zone]
    known = [ZoneInfo(name) for name in names if name != _UNKNOWN]
    return known or [line_zone]
