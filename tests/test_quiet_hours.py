"""Customers' quiet hours: a callback never rings a customer at night in their own zone, and a
promise that would fall in their night is moved to the morning, and said so."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from callflows import default_flow_path, load_flow
from callflows.promises import callback_times
from callflows.quiet_hours import QuietHours, zones_of_customer

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
SAN_FRANCISCO = "+14155550100"
LONDON = "+442071838750"
NIGHT = QuietHours(start=time(21), end=time(8))


def la(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=LOS_ANGELES)


def test_a_customers_zone_comes_from_their_number() -> None:
    assert zones_of_customer(SAN_FRANCISCO, NEW_YORK) == [LOS_ANGELES]
    assert zones_of_customer(LONDON, NEW_YORK) == [ZoneInfo("Europe/London")]
    assert zones_of_customer("+80012345678", NEW_YORK) == [NEW_YORK]  # no zone: the line's


@pytest.mark.parametrize(
    ("at", "until"),
    [
        (la(21), la(8, day=3)),
        (la(23, 30), la(8, day=3)),
        (la(3), la(8)),
        (la(7, 59), la(8)),
        (la(8), None),
        (la(20, 59), None),
    ],
)
def test_the_night_is_from_start_to_end_in_the_customers_time(
    at: datetime, until: datetime | None
) -> None:
    assert NIGHT.quiet_until(at, [LOS_ANGELES]) == until


def test_a_number_in_several_zones_is_quiet_until_the_night_ends_in_all() -> None:
    at = la(5)  # 5 am in Los Angeles is 8 am in New York
    assert NIGHT.quiet_until(at, [NEW_YORK, LOS_ANGELES]) == la(8)
    assert NIGHT.quiet_until(la(18), [NEW_YORK, LOS_ANGELES]) == datetime(
        2026, 12, 3, 8, tzinfo=NEW_YORK
    )  # 9 pm in New York already


def test_quiet_hours_that_start_and_end_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="another time"):
        QuietHours(start=time(8), end=time(8))


def flow_with_night():  # type: ignore[no-untyped-def]
    flow = load_flow(default_flow_path(), "+14155550000")
    return flow.model_copy(
        update={"promises": flow.promises.model_copy(update={"quiet_hours": NIGHT})}
    )


def test_a_promise_that_would_fall_in_the_customers_night_moves_to_their_morning() -> None:
    times = callback_times(flow_with_night(), la(20), SAN_FRANCISCO)
    assert times.due == la(20).astimezone(UTC)  # may still ring until 9 pm
    assert times.promised_by == (la(8, day=3) + timedelta(hours=2)).astimezone(UTC)
    assert times.after_quiet_hours


def test_a_message_left_at_night_is_due_in_the_morning() -> None:
    times = callback_times(flow_with_night(), la(23), SAN_FRANCISCO)
    assert times.due == la(8, day=3).astimezone(UTC)
    assert times.promised_by == la(10, day=3).astimezone(UTC)


def test_by_day_quiet_hours_change_nothing() -> None:
    times = callback_times(flow_with_night(), la(10), SAN_FRANCISCO)
    assert (times.due, times.promised_by) == (
        la(10).astimezone(UTC),
        la(12).astimezone(UTC),
    )
    assert not times.after_quiet_hours
    # A London customer at 10 am Los Angeles time is at 6 pm: still fine until 7 pm there.
    assert not callback_times(flow_with_night(), la(10), LONDON).after_quiet_hours
