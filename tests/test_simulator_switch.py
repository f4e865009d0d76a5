"""The simulated switch runs a call as Twilio does: the parameters of every webhook, status
callbacks, Redirect, Hangup and Reject, and the documents Twilio refuses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from simulator.server import Simulator
from tests.simulator_webhooks import (
    ACCOUNT_SID,
    CALLER,
    LINE_NUMBER,
    Webhooks,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_pressed_digits_reach_the_gather_action_with_the_standard_parameters(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1 for sales.</Say></Gather>')
    hooks.answer("/menu", "<Say>Sales it is.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.press("1#")
    call.expect_say("Sales it is.")
    call.expect_ended()

    (form,) = hooks.forms("/menu")
    assert form["Digits"] == "1"
    assert form["CallSid"] == call.sid and form["CallSid"].startswith("CA")
    assert len(form["CallSid"]) == 34
    assert form["AccountSid"] == ACCOUNT_SID
    assert (form["From"], form["To"]) == (CALLER, LINE_NUMBER)
    assert (form["Caller"], form["Called"]) == (CALLER, LINE_NUMBER)
    assert form["Direction"] == "inbound"
    assert form["CallStatus"] == "in-progress"
    assert form["ApiVersion"] == "2010-04-01"


def test_each_webhook_sent_is_logged_with_its_path_status_and_time(
    sim: Simulator, hooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/boom" numDigits="1"/>')
    with caplog.at_level(logging.INFO, logger="simulator.webhooks"):
        call = sim.call(CALLER)
        call.press("1")
        call.expect_ended()
    lines = [r.getMessage() for r in caplog.records if r.name == "simulator.webhooks"]
    assert re.fullmatch(r"POST /voice -> 200 in \d+ ms", lines[0]), lines
    assert re.fullmatch(r"POST /boom -> 500 in \d+ ms", lines[1]), lines
    assert lines[2].startswith("POST /status -> 200"), lines
    sim.errors.clear()


def test_first_webhook_of_an_inbound_call_says_it_is_ringing(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Say>Hello.</Say>")
    call = sim.call(CALLER)
    call.expect_ended()
    (form,) = hooks.forms("/voice")
    assert form["CallStatus"] == "ringing"


def test_redirect_replaces_the_document_with_standard_parameters_only(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="1"/>')
    hooks.answer("/menu", "<Redirect>{app}/next</Redirect>")
    hooks.answer("/next", "<Say>Next step.</Say>")
    call = sim.call(CALLER)
    call.press("3")
    call.expect_say("Next step.")
    call.expect_ended()
    (form,) = hooks.forms("/next")
    assert form["CallSid"] == call.sid
    assert "Digits" not in form


def test_hangup_ends_the_call_and_the_status_callback_reports_completed(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Say>Goodbye.</Say><Hangup/>")
    call = sim.call(CALLER)
    call.expect("hangup")
    call.expect_ended()
    assert call.status == "completed"
    (status,) = hooks.forms("/status")
    assert status["CallSid"] == call.sid
    assert status["CallStatus"] == "completed"
    assert status["CallbackSource"] == "call-progress-events"
    assert status["Direction"] == "inbound"
    assert status["Timestamp"].endswith("+0000")


def test_status_callback_says_how_long_the_call_lasted(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.started -= timedelta(seconds=90)  # ninety seconds in the menu
    call.hang_up()
    call.expect_ended()
    (status,) = hooks.forms("/status")
    assert int(status["CallDuration"]) in (90, 91)  # whole seconds, rounded up


def test_the_end_of_a_call_shows_before_its_status_callback_is_answered(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.switch.config = replace(sim.switch.config, status_callback_url=f"{hooks.base}/held/status")
    hooks.answer("/voice", "<Say>Goodbye.</Say>")
    call = sim.call(CALLER)
    call.expect("ended")
    hooks.wait_for("/held/status")
    assert hooks.answered == []
    hooks.release.set()
    call.wait()
    assert hooks.answered == ["/held/status"]


def test_document_running_out_of_verbs_hangs_up(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Say>That is all.</Say>")
    call = sim.call(CALLER)
    call.expect_ended()
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"


@pytest.mark.parametrize(("reason", "status"), [("busy", "busy"), ("rejected", "no-answer")])
def test_reject_ends_the_call_unanswered(
    sim: Simulator, hooks: Webhooks, reason: str, status: str
) -> None:
    hooks.answer("/voice", f'<Reject reason="{reason}"/>')
    call = sim.call(CALLER)
    call.expect("reject", reason)
    call.expect_ended()
    assert call.status == status
    assert call.heard() == []
    assert hooks.forms("/status")[0]["CallStatus"] == status


def test_record_in_hold_music_is_refused_and_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Leave a message.</Say><Record/>")
    call = sim.call(CALLER)
    error = call.expect("error")
    call.expect_ended()
    assert "<Record> is not allowed" in error.text
    assert len(sim.errors) == 1 and call.sid in sim.errors[0]
    assert sim.switch.queue("support").members == []
    sim.errors.clear()


def test_unknown_verb_is_refused_and_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Say>Hello.</Say><Speak>Hi</Speak>")
    call = sim.call(CALLER)
    call.expect_ended()
    assert call.heard() == []
    assert len(sim.errors) == 1 and "unknown verb <Speak>" in sim.errors[0]
    sim.errors.clear()


def test_error_answer_from_the_app_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/boom" numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("1")
    error = call.expect("error")
    call.expect_ended()
    assert "500" in error.text
    assert len(sim.errors) == 1
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"
    sim.errors.clear()


def test_endless_redirects_are_stopped(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Redirect>{app}/voice</Redirect>")
    call = sim.call(CALLER)
    call.expect("error", "loop")
    call.expect_ended()
    assert len(sim.errors) == 1
    sim.errors.clear()
