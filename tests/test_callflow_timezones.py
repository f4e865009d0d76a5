"""Every flow speaks its times in the line's own zone: stated in the flow, else its number's."""

from __future__ import annotations

from datetime import datetime, timedelta
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


def test_a_number_that_spans_zones_is_refused_with_the_way_out() -> None:
    with pytest.raises(FlowError) as refused:
        parse_flow(default_flow_text(), "default.yaml", TOLL_FREE)
    message = str(refused.value)
    assert "default.yaml: timezone:" in message
    assert "may be in any of 42 time zones (America/Adak, " in message
    assert "state the line's zone as `timezone:`" in message


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
