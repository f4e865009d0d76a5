"""Every flow speaks its times in the line's own zone: stated in the flow, else its number's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from callflows import FlowError, default_flow_path, load_flow, parse_flow
from callflows.promises import callback_deadline, spoken_time
from ivr import create_app
from ivr.settings import Settings
from tests.signing import call_params, signed_post

SAN_FRANCISCO = "+14155550000"
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOLL_FREE = "+18005550100"
IDAHO = "+12085550100"  # area code 208 spans Mountain and Pacific time


def default_flow_text() -> str:
    """The shipped flow, which states no time zone and has no hours."""
    return default_flow_path().read_text()


def test_a_flow_without_hours_promises_in_the_zone_of_the_lines_number() -> None:
    flow = load_flow(default_flow_path(), SAN_FRANCISCO)
    now = datetime(2026, 11, 25, 21, 45, tzinfo=LOS_ANGELES)
    assert flow.zone == LOS_ANGELES
    assert spoken_time(callback_deadline(flow, now), now, flow) == "11:45 pm"


def test_a_promise_past_midnight_is_tomorrow() -> None:
    flow = load_flow(default_flow_path(), SAN_FRANCISCO)
    now = datetime(2026, 11, 25, 23, 0, tzinfo=LOS_ANGELES)
    assert spoken_time(callback_deadline(flow, now), now, flow) == "tomorrow at 1 am"


def test_a_promise_after_a_weekend_names_the_day() -> None:
    flow = load_flow(Path("callflows/business_hours.yaml"), SAN_FRANCISCO)
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    said = spoken_time(callback_deadline(flow, friday_evening), friday_evening, flow)
    assert said == "Monday at 10 am"  # the flow's own zone, not the number's


def test_a_promise_more_than_a_week_away_names_the_date() -> None:
    text = Path("callflows/business_hours.yaml").read_text()
    text = text.replace("holidays: [", "holidays: [2026-12-21, 2026-12-22, 2026-12-23, ")
    text = text.replace("2026-12-25,", "2026-12-24, 2026-12-25, 2026-12-28, 2026-12-29, ")
    text = text.replace("2026-12-29, ", "2026-12-29, 2026-12-30, 2026-12-31,")
    flow = parse_flow(text, "f.yaml")
    friday_evening = datetime(2026, 12, 18, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    said = spoken_time(callback_deadline(flow, friday_evening), friday_evening, flow)
    assert said == "Monday, January 4 at 10 am"


def test_the_promised_minutes_are_elapsed_time_across_a_clock_change() -> None:
    flow = load_flow(default_flow_path(), SAN_FRANCISCO)
    # Clocks fall back at 2 am PDT on 1 November 2026: two hours after 12:30 am is 1:30 am PST.
    now = datetime(2026, 11, 1, 0, 30, tzinfo=LOS_ANGELES)
    deadline = callback_deadline(flow, now)
    assert deadline == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert spoken_time(deadline, now, flow) == "1:30 am"


def test_a_deadline_is_an_instant_in_utc_said_in_the_lines_zone() -> None:
    flow = load_flow(default_flow_path(), SAN_FRANCISCO)
    now = datetime(2026, 11, 26, 5, 45, tzinfo=UTC)  # 9:45 pm in San Francisco
    deadline = callback_deadline(flow, now)
    assert (deadline.tzinfo, deadline) == (UTC, datetime(2026, 11, 26, 7, 45, tzinfo=UTC))
    assert spoken_time(deadline, now, flow) == "11:45 pm"


def test_a_number_that_spans_zones_is_refused_with_the_way_out() -> None:
    with pytest.raises(FlowError) as refused:
        parse_flow(default_flow_text(), "default.yaml", TOLL_FREE)
    message = str(refused.value)
    assert "default.yaml: timezone:" in message
    assert re.search(r"may be in any of \d+ time zones \(America/Adak, .* and \d+ more\)", message)
    assert "state the line's zone as `timezone:` in the flow" in message


def test_an_area_code_across_two_zones_is_refused_naming_both() -> None:
    with pytest.raises(FlowError) as refused:
        parse_flow(default_flow_text(), "default.yaml", IDAHO)
    assert str(refused.value) == (
        f"default.yaml: timezone: {IDAHO} may be in any of 2 time zones "
        "(America/Boise, America/Los_Angeles); state the line's zone as `timezone:` in the flow"
    )


def test_a_flow_loaded_without_its_number_has_no_zone_to_guess() -> None:
    flow = load_flow(default_flow_path())
    with pytest.raises(LookupError, match="no time zone: state `timezone:` in the flow"):
        _ = flow.zone


def test_a_flow_with_hours_needs_no_number() -> None:
    assert load_flow(Path("callflows/business_hours.yaml")).zone == ZoneInfo("America/New_York")


def test_a_stated_zone_needs_no_number() -> None:
    flow = parse_flow(default_flow_text() + "timezone: Asia/Tokyo\n", "f.yaml")
    assert flow.zone == ZoneInfo("Asia/Tokyo")


def test_the_same_zone_stated_twice_is_accepted() -> None:
    text = Path("callflows/business_hours.yaml").read_text() + "timezone: America/New_York\n"
    assert parse_flow(text, "f.yaml", SAN_FRANCISCO).zone == ZoneInfo("America/New_York")


def test_a_number_of_no_known_zone_is_refused() -> None:
    with pytest.raises(FlowError, match="time zone of \\+15555550100 is not known"):
        parse_flow(default_flow_text(), "default.yaml", "+15555550100")


def test_a_stated_zone_is_used_whatever_the_number() -> None:
    flow = parse_flow(default_flow_text() + "timezone: Europe/Berlin\n", "f.yaml", TOLL_FREE)
    assert flow.zone == ZoneInfo("Europe/Berlin")


def test_a_stated_zone_must_exist() -> None:
    with pytest.raises(FlowError, match="timezone: 'Mars/Olympus' is not an IANA timezone"):
        parse_flow(default_flow_text() + "timezone: Mars/Olympus\n", "f.yaml", SAN_FRANCISCO)


def test_two_different_zones_in_one_flow_are_refused() -> None:
    text = Path("callflows/business_hours.yaml").read_text() + "timezone: Europe/Paris\n"
    with pytest.raises(FlowError, match=r"differs from hours\.timezone 'America/New_York'"):
        parse_flow(text, "f.yaml", SAN_FRANCISCO)


def test_the_line_refuses_to_start_when_its_zone_cannot_be_known(settings: Settings) -> None:
    with pytest.raises(FlowError, match="time zones"):
        create_app(settings.model_copy(update={"support_number": TOLL_FREE}))


def test_a_caller_hears_the_promise_in_the_lines_local_time(client: FlaskClient) -> None:
    before = datetime.now(LOS_ANGELES)
    response = signed_post(client, "/voice/menu?menu=tech", call_params(Digits="2"))
    after = datetime.now(LOS_ANGELES)
    heard = [say.text for say in ElementTree.fromstring(response.data).iter("Say")]
    flow = load_flow(default_flow_path(), SAN_FRANCISCO)
    expected = {
        f"We will call you back by {spoken_time(moment + timedelta(hours=2), moment, flow)}."
        for moment in (before, after)
    }
    assert heard[0] in expected
