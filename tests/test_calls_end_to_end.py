"""Every path of the shipped call flow, as phone calls through the simulator over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from callflows import render
from crm.models import Customer, Presence, Rep
from ivr.embedded_redis import RedisServer
from ivr.settings import Settings
from simulator.people import Pickup
from tests.conftest import Line, running_line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000), account="A-1")
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
UNKNOWN = "+14155550999"


@pytest.fixture
def staffed(line: Line) -> Line:
    """The line with Ada as a customer and Sam as an available rep who answers his phone."""
    line.services.customers.save_all([ADA])
    line.services.reps.save_all([SAM])
    line.services.presence.set("sam", Presence.AVAILABLE)
    line.sim.add_person(SAM.endpoint, name="sam")
    return line


def test_menu_offers_a_person_first(staffed: Line) -> None:
    call = staffed.call(ADA.phone)
    call.expect_say("Hello Ada, thanks for calling.")
    menu = call.expect_say("press")
    assert menu.text.startswith("To speak to a person, press 0")
    call.expect_gather()


def test_caller_with_open_case_rings_case_owner_first(staffed: Line) -> None:
    case = staffed.services.cases.open(ADA.phone, "sam", "router drops the connection")
    call = staffed.call(ADA.phone)
    call.expect_say("Hello Ada")
    call.expect_say("open case about router drops the connection")
    call.expect_say("Connecting you to Sam")
    call.expect_dial("sam")
    call.expect_bridged("sam")
    staffed.sim.switch.legs_to("sam")[0].hang_up()  # Sam solved it
    call.expect("hangup")
    record = staffed.services.calls.get(call.sid)
    assert record.path[:3] == ["incoming", "whisper:sam:accepted", "ring:sam:completed"]
    assert record.details["case"] == case.reference
    assert record.answered_by == "sam"


def test_case_owner_hears_who_is_calling_and_why_before_hello(staffed: Line) -> None:
    case = staffed.services.cases.open(ADA.phone, "sam", "router drops the connection")
    call = staffed.call(ADA.phone)
    call.expect_bridged("sam")
    (sam,) = staffed.sim.switch.legs_to("sam")
    whisper = sam.expect_say("Ada Lovelace, about case")
    assert "router drops the connection" in whisper.text
    assert render.spelled(case.reference) in whisper.text
    sam.expect_say("Press 1 to take the call.")


def test_case_owner_who_does_not_accept_hands_over_to_the_next_person(staffed: Line) -> None:
    staffed.services.cases.open(ADA.phone, "sam", "router")
    staffed.sim.switch.people[SAM.endpoint].presses = "2"  # e.g. their own voicemail answered
    call = staffed.call(ADA.phone)
    call.expect_dial("sam")
    call.expect_say("Sam could not pick up")
    call.expect_enqueue("support")
    assert not any(event.kind == "bridged" for event in call.transcript)
    record = staffed.services.calls.get(call.sid)
    assert "whisper:sam:declined" in record.path
    assert record.answered_by is None  # answering the phone is not taking the call


def test_busy_case_owner_puts_the_caller_in_line_for_the_next_person(staffed: Line) -> None:
    staffed.services.cases.open(ADA.phone, "sam", "router")
    staffed.services.presence.set("sam", Presence.BUSY)
    call = staffed.call(ADA.phone)
    call.expect_say("Sam is not free right now")
    call.expect_enqueue("support")
    assert staffed.sim.switch.legs_to("sam") == []


def test_case_owner_who_does_not_answer_hands_over_to_the_next_person(staffed: Line) -> None:
    staffed.services.cases.open(ADA.phone, "sam", "router")
    staffed.sim.switch.people[SAM.endpoint].pickup = Pickup.NO_ANSWER
    call = staffed.call(ADA.phone)
    call.expect_dial("sam")
    call.expect_say("Sam could not pick up")
    call.expect_enqueue("support")


@pytest.mark.parametrize("answer", ["0", "agent", "representative", "a human please", "operator"])
def test_zero_or_asking_for_a_person_rings_a_free_rep_at_once(staffed: Line, answer: str) -> None:
    call = staffed.call(UNKNOWN)
    call.expect_gather()
    if answer.isdigit():
        call.press(answer)
    else:
        call.say(answer)
    call.expect_say("Connecting you to a person")
    call.expect_dial("sam")
    call.expect_bridged("sam")
    assert not any(event.kind == "enqueue" for event in call.transcript)


@pytest.fixture
def nobody_free(staffed: Line) -> Line:
    """The line with Sam busy on another call: callers wait."""
    staffed.services.presence.set("sam", Presence.BUSY)
    return staffed


def test_with_nobody_free_the_caller_waits_in_line(nobody_free: Line) -> None:
    call = nobody_free.call(UNKNOWN)
    call.press("0")
    call.expect_say("Connecting you to a person")
    call.expect_enqueue("support")


def test_sub_menu_then_its_queue(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.expect_gather()
    call.press("2")
    tech = call.expect_say("If your service is down, press 1")
    assert tech.text.startswith("To speak to a person, press 0.")
    call.press("1")
    call.expect_enqueue("tech")
    record = staffed.services.calls.get(call.sid)
    assert record.details == {
        "menu.main": "2",
        "menu.tech": "1",
        "queue": "tech",
        "tier": "standard",
        "position_on_entry": "1",
    }
    assert record.path == ["incoming", "menu:main:menu", "menu:tech:queue"]


def test_zero_in_a_sub_menu_still_reaches_a_person(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.press("2")
    call.expect_say("If your service is down")
    call.press("0")
    call.expect_enqueue("tech")


def test_manager_by_speech_from_a_sub_menu(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.press("2")
    call.expect_say("If your service is down")
    call.say("I want to speak to a manager")
    call.expect_say("Connecting you to a manager")
    call.expect_enqueue("managers")


def test_wrong_key_repeats_the_menu_once_then_reaches_a_person(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.expect_gather()
    call.press("7")
    call.expect_say("Sorry, I didn't catch that.")
    call.expect_say("To speak to a person, press 0")
    call.expect_gather()
    call.press("8")
    call.expect_say("Let me get you to a person.")
    call.expect_dial("sam")
    path = staffed.services.calls.get(call.sid).path
    assert path[1:3] == ["menu:main:missed", "menu:main:missed-twice"]


def test_silence_twice_reaches_a_person(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.expect_gather()
    call.stay_silent()
    call.expect_say("Sorry, I didn't catch that.")
    call.expect_gather()
    call.stay_silent()
    call.expect_dial("sam")


def test_unknown_caller_is_asked_for_the_case_reference_once(staffed: Line) -> None:
    case = staffed.services.cases.open(ADA.phone, "sam", "router drops the connection")
    number = case.reference.removeprefix("C-")
    call = staffed.call(UNKNOWN)
    call.press("3")
    call.expect_say("Please enter your case number")
    call.press(f"{number}#")
    call.expect_say(f"Case {' '.join('C' + number)} is open.")
    call.expect_gather()
    call.press("3")  # asks again: the typed reference is remembered, not asked for
    call.expect_say(f"Case {' '.join('C' + number)} is open.")
    asked = [text for text in call.heard() if "enter your case number" in text]
    assert len(asked) == 1
    assert staffed.services.calls.details(call.sid)["case_reference"] == case.reference


def test_a_typed_case_reference_tells_a_stranger_nothing_but_its_status(staffed: Line) -> None:
    case = staffed.services.cases.open(ADA.phone, "sam", "router drops the connection")
    call = staffed.call("anonymous")
    call.press("3")
    call.expect_say("Please enter your case number")
    call.press(f"{case.reference.removeprefix('C-')}#")
    call.expect_say(f"Case {render.spelled(case.reference)} is open.")
    call.expect_gather()
    heard = " ".join(call.heard())
    assert "router" not in heard and "Sam" not in heard


def test_unknown_case_reference_goes_to_a_person(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.press("3")
    call.expect_say("Please enter your case number")
    call.press("99999#")
    call.expect_say("I couldn't find that case.")
    call.expect_enqueue("support")


def test_known_caller_without_open_cases_hears_so(staffed: Line) -> None:
    call = staffed.call(ADA.phone)
    call.press("3")
    call.expect_say("You have no open cases.")
    call.expect_gather()


def test_voicemail_promises_a_time_and_keeps_the_recording(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.press("2")
    call.expect_say("If your service is down")
    call.press("2")
    call.expect_say("We will call you back by")
    call.expect_record()
    call.say("My internet has been down since Monday")
    call.press("#")
    call.expect_say("Thank you. We will call you back by")
    call.expect("hangup")
    call.expect_ended()
    details = staffed.services.calls.details(call.sid)
    assert details["promised_by"]
    assert details["recording"].startswith(staffed.sim.url)
    stored = eventually(lambda: staffed.services.calls.details(call.sid).get("recording_status"))
    assert stored == "completed"
    details = staffed.services.calls.details(call.sid)
    assert details["recording_sid"].startswith("RE")
    assert details["recording_url"] == details["recording"]
    assert int(details["recording_seconds"]) >= 0
    assert "voicemail" in staffed.services.calls.get(call.sid).path
    stored = eventually(lambda: staffed.services.calls.details(call.sid).get("transcript"))
    assert stored == "My internet has been down since Monday"


def test_caller_who_leaves_no_message_reaches_a_person(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.press("2")
    call.expect_say("If your service is down")
    call.press("2")
    call.expect_record()
    call.stay_silent()
    call.expect_say("I didn't hear a message. Let me get you to a person.")
    call.expect_dial("sam")


def eventually(read: Callable[[], str | None], seconds: float = 5.0) -> str | None:
    """What `read` returns once it returns something (callbacks arrive in the background)."""
    deadline = time.monotonic() + seconds
    while (value := read()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_caller_on_hold_hears_the_place_and_can_leave_for_voicemail(nobody_free: Line) -> None:
    call = nobody_free.call(UNKNOWN)
    call.press("0")
    call.expect_enqueue("support")
    call.expect_say("You are number 1 in line.")
    call.expect_say("press 1")
    call.press("1")
    call.expect("leave")
    call.expect_say("We will call you back by")
    call.expect_record()


def test_status_callback_logs_the_calls_final_status(staffed: Line) -> None:
    call = staffed.call(UNKNOWN)
    call.expect_gather()
    call.hang_up()
    call.expect_ended()
    call.wait()
    record = staffed.services.calls.get(call.sid)
    assert record.path[-1] == "status:completed"
    assert record.details["call_status"] == "completed"
    assert record.outcome is None  # hung up in the menu: never routed, nothing to say


def test_time_in_the_queue_is_logged(nobody_free: Line) -> None:
    call = nobody_free.call(UNKNOWN)
    call.press("0")
    call.expect_say("You are number 1 in line.")
    call.hang_up()
    call.wait()
    record = nobody_free.services.calls.get(call.sid)
    assert "queue-result:hangup" in record.path
    assert record.details["queue"] == "support"
    assert record.wait_seconds == float(record.details["wait_seconds"])


def closed_flow(tmp_path: Path) -> Path:
    """The shipped flow with business hours that are closed today and tomorrow."""
    today = datetime.now(UTC).date()
    flow = Path("callflows/default.yaml").read_text()
    hours = (
        "hours:\n"
        "  timezone: UTC\n"
        "  weekly: {mon: [00:00-24:00], tue: [00:00-24:00], wed: [00:00-24:00],"
        " thu: [00:00-24:00], fri: [00:00-24:00], sat: [00:00-24:00], sun: [00:00-24:00]}\n"
        f"  holidays: [{today}, {today + timedelta(days=1)}]\n"
        "  closed_message: We are closed for the holidays.\n"
    )
    path = tmp_path / "closed.yaml"
    path.write_text(flow.replace("start: main\n", hours + "start: main\n"))
    return path


def test_after_hours_caller_hears_the_hours_and_leaves_a_voicemail(
    settings: Settings, tmp_path: Path
) -> None:
    closed = settings.model_copy(update={"ivr_callflow": closed_flow(tmp_path)})
    with running_line(closed) as line:
        call = line.call(UNKNOWN)
        call.expect_say("Thanks for calling.")
        call.expect_say("We are closed for the holidays.")
        promise = call.expect_say("We will call you back by")
        assert " at " in promise.text  # a day and a time: the line opens the day after tomorrow
        call.expect_record()
        call.say("Please call me about my bill")
        call.hang_up()
        call.expect_ended()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, so it can be stopped mid-call."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_redis_going_away_mid_call_still_reaches_a_person(
    settings: Settings, own_redis: RedisServer
) -> None:
    with running_line(settings.model_copy(update={"redis_url": own_redis.url})) as line:
        call = line.call(UNKNOWN)
        call.expect_gather()
        own_redis.stop()
        call.press("1")  # billing: the choice holds without Redis
        call.expect_say("Connecting you to a person")
        call.expect_enqueue("billing")
        call.expect_say("You are number 1 in line.")
        call.hang_up()
        call.wait()
        # With nowhere to store it, the call's final status is refused, so Twilio shows the loss.
        assert [e for e in line.sim.errors if "503" not in e] == []
        assert any("/voice/status answered 503" in e for e in line.sim.errors)
        line.sim.errors.clear()


def test_redis_going_away_on_hold_still_lets_the_caller_leave_a_message(
    settings: Settings, own_redis: RedisServer
) -> None:
    with running_line(settings.model_copy(update={"redis_url": own_redis.url})) as line:
        call = line.call(UNKNOWN)
        call.press("9")
        call.expect_say("Connecting you to a manager now.")
        call.expect_enqueue("managers")
        call.expect_say("press 1")
        own_redis.stop()
        call.press("1")
        call.expect("leave")
        call.expect_say("We will call you back by")
        call.expect_record()
        call.say("Please call me about my refund")
        call.press("#")
        call.expect_say("Thank you. We will call you back by")
        call.expect("hangup")
        call.wait()
        line.sim.switch.settle()  # the recording's and transcription's reports are in, too
        # What Twilio reports and cannot be stored is refused, so Twilio retries and shows it.
        assert [e for e in line.sim.errors if "503" not in e] == []
        line.sim.errors.clear()
