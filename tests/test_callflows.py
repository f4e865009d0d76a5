"""Call flows: the shipped flows load, every caller-protecting rule refuses a flow that breaks
it (naming where), and business hours hold across holidays and daylight-saving changes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from callflows import (
    CallFlow,
    FlowError,
    ManagerOption,
    PersonOption,
    QueueOption,
    default_flow_path,
    lint,
    load_flow,
    parse_flow,
)

NEW_YORK = ZoneInfo("America/New_York")
BUSINESS_HOURS_FLOW = Path(__file__).parent.parent / "callflows" / "business_hours.yaml"

BASE: dict[str, Any] = {
    "name": "Acme support",
    "greeting": {"known": "Hello {first_name}.", "unknown": "Hello."},
    "start": "main",
    "menus": {
        "main": {
            "options": [
                {"key": "0", "say": "For a person, press 0.", "action": "person"},
                {"key": "1", "say": "For billing, press 1.", "action": "queue", "queue": "billing"},
                {"key": "2", "say": "For tech, press 2.", "action": "menu", "menu": "tech"},
                {"key": "9", "say": "For a manager, press 9.", "action": "manager"},
            ]
        },
        "tech": {
            "options": [
                {"key": "0", "say": "For a person, press 0.", "action": "person"},
                {
                    "key": "1",
                    "say": "If you are offline, press 1.",
                    "action": "queue",
                    "queue": "tech",
                },
            ]
        },
    },
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def refusal(data: dict[str, Any]) -> str:
    """The error text a flow is refused with (the test fails if it is accepted)."""
    with pytest.raises(FlowError) as caught:
        parse_flow(yaml.safe_dump(data), source="acme.yaml")
    return str(caught.value)


def option(key: str, action: str, **fields: str) -> dict[str, str]:
    return {"key": key, "say": f"Press {key}.", "action": action, **fields}


# Shipped flows


def test_default_flow_loads_and_answers_around_the_clock() -> None:
    flow = load_flow(default_flow_path())
    assert flow.hours is None
    assert flow.is_open(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))
    assert isinstance(flow.start_menu.options[0], PersonOption)


def test_default_flow_offers_voicemail_somewhere() -> None:
    flow = load_flow(default_flow_path())
    actions = {o.action for menu in flow.menus.values() for o in menu.options}
    assert {"person", "queue", "menu", "case_status", "manager", "voicemail"} <= actions


def test_business_hours_example_loads_with_weekday_hours() -> None:
    flow = load_flow(BUSINESS_HOURS_FLOW)
    assert flow.hours is not None
    assert flow.hours.timezone == "America/New_York"
    assert flow.is_open(datetime(2026, 6, 3, 9, 0, tzinfo=NEW_YORK))
    assert not flow.is_open(datetime(2026, 6, 6, 9, 0, tzinfo=NEW_YORK))


def test_base_flow_of_these_tests_is_accepted() -> None:
    assert parse_flow(yaml.safe_dump(base()), "acme.yaml").start == "main"


# Menus, speech and greetings


def test_digit_chooses_the_option_with_that_key() -> None:
    menu = parse_flow(yaml.safe_dump(base()), "acme.yaml").menu("main")
    assert isinstance(menu.option_for_digit("0"), PersonOption)
    assert isinstance(menu.option_for_digit("1"), QueueOption)
    assert menu.option_for_digit("7") is None


def test_unquoted_digit_keys_are_read_as_keys() -> None:
    text = yaml.safe_dump(base()).replace("key: '1'", "key: 1")
    assert parse_flow(text, "acme.yaml").menu("main").option_for_digit("1") is not None


@pytest.mark.parametrize("said", ["agent", "A REPRESENTATIVE please", "human", "operator!"])
def test_asking_for_a_person_reaches_a_person_in_every_menu(said: str) -> None:
    flow = load_flow(default_flow_path())
    for name in flow.menus:
        assert isinstance(flow.menu(name).option_for_speech(said), PersonOption)


def test_speech_matches_option_words_case_insensitively() -> None:
    flow = load_flow(default_flow_path())
    chosen = flow.menu("main").option_for_speech("A question about my Invoice")
    assert isinstance(chosen, QueueOption)
    assert chosen.queue == "billing"


def test_asking_for_a_person_wins_over_other_words() -> None:
    flow = load_flow(default_flow_path())
    assert isinstance(flow.menu("main").option_for_speech("a person about my bill"), PersonOption)


def test_asking_for_a_manager_in_a_sub_menu_reaches_the_start_menus_manager() -> None:
    flow = load_flow(default_flow_path())
    assert flow.menu("tech").option_for_speech("manager") is None
    assert isinstance(flow.option_for_speech("tech", "get me your manager"), ManagerOption)
    assert isinstance(flow.option_for_speech("main", "supervisor"), ManagerOption)


def test_unrecognised_speech_chooses_nothing() -> None:
    flow = load_flow(default_flow_path())
    assert flow.option_for_speech("main", "bananas") is None


def test_prompt_is_the_option_sentences_in_order() -> None:
    menu = parse_flow(yaml.safe_dump(base()), "acme.yaml").menu("tech")
    assert menu.prompt == "For a person, press 0. If you are offline, press 1."


def test_known_caller_is_greeted_by_first_name_and_unknown_caller_without() -> None:
    flow = parse_flow(yaml.safe_dump(base()), "acme.yaml")
    assert flow.greeting_for("Ada") == "Hello Ada."
    assert flow.greeting_for(None) == "Hello."
    assert flow.greeting_for("  ") == "Hello."


def test_first_prompt_is_the_greeting_then_the_start_menu() -> None:
    flow = parse_flow(yaml.safe_dump(base()), "acme.yaml")
    assert flow.first_prompt("Ada").startswith("Hello Ada. For a person, press 0. For billing")
    assert flow.start_menu.person_option is flow.start_menu.options[0]


def test_unknown_menu_name_is_a_key_error_listing_the_menus() -> None:
    flow = parse_flow(yaml.safe_dump(base()), "acme.yaml")
    with pytest.raises(KeyError, match="main, tech"):
        flow.menu("sales")


# Structure errors


def test_greeting_placeholder_other_than_first_name_is_refused() -> None:
    data = base()
    data["greeting"]["known"] = "Hello {name}."
    assert "acme.yaml: greeting.known: unknown placeholder 'name'" in refusal(data)


def test_unknown_action_is_refused_at_its_option() -> None:
    data = base()
    data["menus"]["main"]["options"][1]["action"] = "billing"
    assert "acme.yaml: menus.main.options.1: " in refusal(data)


def test_missing_queue_is_refused_at_the_field_the_file_lacks() -> None:
    data = base()
    del data["menus"]["tech"]["options"][1]["queue"]
    assert "acme.yaml: menus.tech.options.1.queue: Field required" in refusal(data)


def test_unknown_field_is_refused() -> None:
    data = base()
    data["menus"]["main"]["intro"] = "Welcome."
    assert "menus.main.intro: Extra inputs are not permitted" in refusal(data)


def test_structure_errors_come_before_lint_problems() -> None:
    data = base()
    data["menus"]["main"]["options"].pop(0)  # a lint problem: no person option
    data["name"] = ""
    message = refusal(data)
    assert "name:" in message
    assert "person" not in message


def test_business_hours_that_never_open_are_refused() -> None:
    data = base()
    data["hours"] = {"timezone": "UTC", "weekly": {"sat": []}, "closed_message": "Closed."}
    assert "acme.yaml: hours: the weekly hours never open" in refusal(data)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("timezone", "Mars/Olympus", "hours.timezone: 'Mars/Olympus' is not an IANA timezone"),
        ("weekly", {"mon": ["8-18"]}, "hours.weekly.mon.0: '8-18' is not a span"),
        ("weekly", {"mon": ["18:00-08:00"]}, "hours.weekly.mon.0: a span must end after"),
        ("weekly", {"funday": ["08:00-18:00"]}, "hours.weekly.funday.[key]"),
    ],
)
def test_malformed_business_hours_are_refused(field: str, value: Any, expected: str) -> None:
    data = base()
    data["hours"] = {"timezone": "UTC", "weekly": {"mon": ["08:00-18:00"]}, "closed_message": "."}
    data["hours"][field] = value
    assert expected in refusal(data)


# YAML and files


def test_yaml_syntax_error_names_the_line() -> None:
    text = yaml.safe_dump(base()).replace("start: main", "start: [main")
    with pytest.raises(FlowError, match=r"acme\.yaml: line \d+, column \d+: YAML syntax error"):
        parse_flow(text, "acme.yaml")


def test_yaml_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(
        FlowError, match=r"acme\.yaml: \(top level\): must be a mapping, found list"
    ):
        parse_flow("- main\n", "acme.yaml")


def test_empty_file_is_refused() -> None:
    with pytest.raises(FlowError, match="found nothing"):
        parse_flow("", "acme.yaml")


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match=r"nope\.yaml: \(file\): cannot be read"):
        load_flow(tmp_path / "nope.yaml")


def test_flow_error_is_a_value_error_with_one_line_per_problem() -> None:
    data = base()
    data["promises"] = {"callback_minutes": 30, "manager_callback_minutes": 60}
    data["tiers"] = {"silver": 5000, "gold": 100}
    with pytest.raises(ValueError) as caught:
        parse_flow(yaml.safe_dump(data), "acme.yaml")
    assert str(caught.value).splitlines() == [
        "acme.yaml: promises.manager_callback_minutes: 60 min must be shorter than "
        "callback_minutes (30 min)",
        "acme.yaml: tiers.gold: gold (100) must need more spend than silver (5000)",
    ]


# Lint rules


def test_third_menu_level_is_refused() -> None:
    data = base()
    data["menus"]["tech"]["options"].append(option("2", "menu", menu="modems"))
    data["menus"]["modems"] = {"options": [option("0", "person")]}
    assert "menus.tech.options.2.menu: opens menu 'modems' at level 3" in refusal(data)


def test_menu_without_person_option_is_refused() -> None:
    data = base()
    data["menus"]["tech"]["options"].pop(0)
    assert "menus.tech.options: no person option" in refusal(data)


def test_person_option_not_first_is_refused() -> None:
    data = base()
    options = data["menus"]["tech"]["options"]
    options.reverse()
    assert "menus.tech.options.1: the person option is option 2" in refusal(data)


def test_options_are_counted_from_one_in_the_sentence_and_from_zero_in_the_path() -> None:
    data = base()
    options = data["menus"]["main"]["options"]
    options.insert(2, options.pop(0))
    assert "menus.main.options.2: the person option is option 3; it must be the first" in (
        refusal(data)
    )


def test_key_zero_for_anything_but_a_person_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"][0]["key"] = "8"
    data["menus"]["main"]["options"][1]["key"] = "0"
    message = refusal(data)
    assert "menus.main.options.0.key: the person option uses key '8'; it must be key 0" in message
    assert "menus.main.options.1.key: key 0 must reach a person, not 'queue'" in message


def test_six_options_are_refused() -> None:
    data = base()
    data["menus"]["tech"]["options"] += [option(k, "repeat") for k in "2345"]
    assert "menus.tech.options: 6 options; a menu may offer at most 5" in refusal(data)


def test_duplicate_keys_are_refused() -> None:
    data = base()
    data["menus"]["tech"]["options"].append(option("1", "voicemail"))
    assert "menus.tech.options.2.key: key '1' is already used by option 2" in refusal(data)


def test_menu_looping_back_is_refused() -> None:
    data = base()
    data["menus"]["tech"]["options"].append(option("2", "menu", menu="main"))
    assert "menus.tech.options.2.menu: leads back to menu 'main', making a loop" in refusal(data)


def test_menu_reached_twice_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"].append(option("3", "menu", menu="tech"))
    assert "menus.main.options.4.menu: menu 'tech' is reached a second time" in refusal(data)


def test_unknown_menu_target_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"][2]["menu"] = "tek"
    assert "menus.main.options.2.menu: no menu 'tek'; menus: main, tech" in refusal(data)


def test_unreachable_menu_is_refused() -> None:
    data = base()
    data["menus"]["sales"] = {"options": [option("0", "person")]}
    assert "menus.sales: not reachable from the start menu 'main'" in refusal(data)


def test_unknown_start_menu_is_refused() -> None:
    data = base()
    data["start"] = "welcome"
    assert "acme.yaml: start: no menu 'welcome'" in refusal(data)


def test_manager_not_reachable_from_the_first_menu_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"].pop(3)
    assert "menus.main: no manager option in the start menu or its sub-menus" in refusal(data)


def test_manager_in_a_sub_menu_is_reachable_enough() -> None:
    data = base()
    data["menus"]["main"]["options"].pop(3)
    data["menus"]["tech"]["options"].append(option("9", "manager"))
    assert parse_flow(yaml.safe_dump(data), "acme.yaml").manager_option() is not None


def test_first_prompt_of_twenty_seconds_is_refused_with_the_estimate() -> None:
    data = base()
    # 1 word of greeting + 49 words of menu = 50 words: 20.0 s at 2.5 words/s.
    data["greeting"]["known"] = "{first_name}!"
    data["menus"]["main"]["options"][3]["say"] = " ".join(["manager"] * 36)
    message = refusal(data)
    assert "greeting.unknown: the first prompt (this greeting and menu 'main') takes about " in (
        message
    )
    assert "20.0 s to hear at 2.5 words/s; it must be under 20 s" in message


def test_first_prompt_just_under_twenty_seconds_is_accepted() -> None:
    data = base()
    data["greeting"]["known"] = "{first_name}!"
    data["menus"]["main"]["options"][3]["say"] = " ".join(["manager"] * 35)
    assert lint(CallFlow.model_validate(data)) == []


# Generated flows

LEAF_ACTIONS = ["queue", "case_status", "voicemail", "repeat", "manager"]
KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]


@st.composite
def leaf_options(draw: st.DrawFn, count: int) -> list[dict[str, str]]:
    """`count` options that neither open a menu nor reach a person (key 0 does that)."""
    actions = draw(st.lists(st.sampled_from(LEAF_ACTIONS), min_size=count, max_size=count))
    return [{"action": a, **({"queue": "tech"} if a == "queue" else {})} for a in actions]


@st.composite
def valid_flows(draw: st.DrawFn, min_subs: int = 0) -> dict[str, Any]:
    """A flow keeping every rule: a start menu and up to three sub-menus, person first, key 0
    for the person, at most five options, a manager in one of the menus."""
    subs = [f"sub{i}" for i in range(draw(st.integers(min_subs, 3)))]
    manager_home = draw(st.sampled_from(["main", *subs]))
    menus: dict[str, Any] = {}
    for name in ["main", *subs]:
        opens = [{"action": "menu", "menu": sub} for sub in subs] if name == "main" else []
        room = 4 - len(opens) - (name == manager_home)
        rest = opens + draw(leaf_options(draw(st.integers(0, room))))
        if name == manager_home:
            rest.append({"action": "manager"})
        rest = draw(st.permutations(rest))
        keys = draw(st.permutations(KEYS))
        options = [{"key": "0", "action": "person"}]
        options += [{"key": key, **spec} for key, spec in zip(keys, rest, strict=False)]
        menus[name] = {"options": [{**o, "say": f"Press {o['key']}."} for o in options]}
    greeting = {"known": "Hi {first_name}.", "unknown": "Hi."}
    return {"name": "Generated", "greeting": greeting, "start": "main", "menus": menus}


def validated(data: dict[str, Any]) -> CallFlow:
    return CallFlow.model_validate(data)


@given(valid_flows())
def test_flows_within_two_levels_with_a_person_first_are_accepted(data: dict[str, Any]) -> None:
    assert lint(validated(data)) == []


@given(valid_flows(min_subs=1), st.data())
def test_a_third_menu_level_is_always_refused(data: dict[str, Any], extra: st.DataObject) -> None:
    parent = extra.draw(st.sampled_from([name for name in data["menus"] if name != "main"]))
    options = data["menus"][parent]["options"]
    options.append(option("#" if options[-1]["key"] != "#" else "*", "menu", menu="deeper"))
    data["menus"]["deeper"] = {"options": [option("0", "person")]}
    paths = [p.path for p in lint(validated(data)) if "at level 3" in p.message]
    assert paths == [f"menus.{parent}.options.{len(options) - 1}.menu"]


def _person_moved(data: dict[str, Any], menu: str) -> str:
    options = data["menus"][menu]["options"]
    options.append(options.pop(0))
    if len(options) == 1:
        options.insert(0, option("#", "repeat"))
    return f"menus.{menu}.options.{len(options) - 1}"


def _person_removed(data: dict[str, Any], menu: str) -> str:
    data["menus"][menu]["options"][0] = option("0", "repeat")
    return f"menus.{menu}.options"


def _loop_made(data: dict[str, Any], menu: str) -> str:
    data["menus"][menu]["options"].insert(1, option("#", "menu", menu="main"))
    data["menus"][menu]["options"] = data["menus"][menu]["options"][:5]
    return f"menus.{menu}.options.1.menu"


def _orphan_added(data: dict[str, Any], menu: str) -> str:
    data["menus"]["orphan"] = copy.deepcopy(data["menus"][menu])
    return "menus.orphan"


def _sixth_option(data: dict[str, Any], menu: str) -> str:
    options = data["menus"][menu]["options"]
    used = {o["key"] for o in options}
    options += [option(k, "repeat") for k in KEYS if k not in used][: 6 - len(options)]
    return f"menus.{menu}.options"


BREAKERS = [_person_moved, _person_removed, _loop_made, _orphan_added, _sixth_option]


@given(valid_flows(), st.sampled_from(BREAKERS), st.data())
def test_breaking_any_rule_in_any_menu_is_refused_at_that_menu(
    data: dict[str, Any], breaker: Any, extra: st.DataObject
) -> None:
    menu = extra.draw(st.sampled_from(sorted(data["menus"])))
    expected_path = breaker(data, menu)
    assert expected_path in [problem.path for problem in lint(validated(data))]


# Business hours


def nyc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def acme() -> CallFlow:
    return load_flow(BUSINESS_HOURS_FLOW)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (nyc(2026, 3, 4, 8, 0), True),  # Wednesday opening
        (nyc(2026, 3, 4, 17, 59, 59), True),
        (nyc(2026, 3, 4, 18, 0), False),  # closing time is closed
        (nyc(2026, 3, 4, 7, 59), False),
        (nyc(2026, 3, 7, 12, 0), False),  # Saturday
        (nyc(2026, 12, 25, 10, 0), False),  # holiday on a Friday
        (nyc(2026, 12, 24, 10, 0), True),
    ],
)
def test_line_is_open_only_in_weekday_hours_outside_holidays(
    acme: CallFlow, moment: datetime, is_open: bool
) -> None:
    assert acme.is_open(moment) is is_open


def test_opening_hours_are_read_in_the_flows_timezone(acme: CallFlow) -> None:
    # 13:30 UTC is 08:30 in New York in winter but 06:30 in Los Angeles.
    assert acme.is_open(datetime(2026, 1, 7, 13, 30, tzinfo=UTC))
    assert not acme.is_open(datetime(2026, 1, 7, 12, 30, tzinfo=UTC))


def test_holiday_is_closed_all_day_in_the_flows_timezone(acme: CallFlow) -> None:
    # 02:00 UTC on Dec 25 is still Dec 24 in New York: a working evening, already closed.
    assert not acme.is_open(datetime(2026, 12, 25, 2, 0, tzinfo=UTC))
    assert acme.next_open(nyc(2026, 12, 24, 19, 0)) == nyc(2026, 12, 28, 8, 0)


def test_next_open_after_friday_closing_is_monday_morning_across_spring_forward(
    acme: CallFlow,
) -> None:
    # Clocks go forward on Sunday 8 March 2026: Monday 08:00 is 12:00 UTC, not 13:00.
    opening = acme.next_open(datetime(2026, 3, 6, 23, 30, tzinfo=UTC))
    assert opening == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert opening.utcoffset() == timedelta(hours=-4)


def test_next_open_across_fall_back_keeps_eight_am_local(acme: CallFlow) -> None:
    opening = acme.next_open(nyc(2026, 10, 31, 12, 0))
    assert opening == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    assert (opening.hour, opening.minute) == (8, 0)


def test_next_open_before_opening_is_the_same_day(acme: CallFlow) -> None:
    assert acme.next_open(nyc(2026, 3, 4, 6, 15)) == nyc(2026, 3, 4, 8, 0)


def test_next_open_while_open_is_now(acme: CallFlow) -> None:
    now = nyc(2026, 3, 4, 11, 0)
    assert acme.next_open(now) == now


def test_opening_skipped_by_daylight_saving_opens_at_the_jump() -> None:
    data = base()
    weekly = {"sun": ["02:30-05:00"]}
    data["hours"] = {"timezone": "America/New_York", "weekly": weekly, "closed_message": "."}
    flow = parse_flow(yaml.safe_dump(data), "acme.yaml")
    # Clocks jump from 02:00 EST (07:00 UTC) to 03:00 EDT on 8 March 2026; 02:30 never happens.
    jump = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert flow.next_open(nyc(2026, 3, 8, 0, 0)) == jump
    assert flow.is_open(jump)
    assert not flow.is_open(jump - timedelta(seconds=1))


def test_span_to_midnight_stays_open_until_the_day_ends() -> None:
    data = base()
    data["hours"] = {"timezone": "UTC", "weekly": {"mon": ["00:00-24:00"]}, "closed_message": "."}
    flow = parse_flow(yaml.safe_dump(data), "acme.yaml")
    assert flow.is_open(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC))
    assert not flow.is_open(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))


def test_naive_time_is_refused_by_business_hours(acme: CallFlow) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        acme.is_open(datetime(2026, 3, 4, 9, 0))


def test_flow_without_hours_is_open_now_and_always() -> None:
    flow = load_flow(default_flow_path())
    at = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    assert flow.is_open(at)
    assert flow.next_open(at) == at
