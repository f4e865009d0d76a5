"""<Gather> as Twilio runs it: keys collected across presses until numDigits, finishOnKey or
the timeout; speech only where asked for; silence falls through.
"""

from __future__ import annotations

from simulator.server import Simulator
from tests.simulator_webhooks import (
    CALLER,
    Webhooks,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_gather_stops_listening_at_num_digits(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="3"/>')
    call = sim.call(CALLER)
    call.press("123456")
    call.expect_ended()
    assert hooks.forms("/menu")[0]["Digits"] == "123"


def test_gather_waits_for_num_digits_across_separate_key_presses(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="3"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    for key in "123":
        call.press(key)
    call.expect_ended()
    assert [form["Digits"] for form in hooks.forms("/menu")] == ["123"]


def test_finish_on_key_ends_the_gather_and_is_left_out_of_digits(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" finishOnKey="*"/>')
    call = sim.call(CALLER)
    call.press("42*7")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["Digits"] == "42"
    assert form.get("FinishedOnKey", "*") == "*"


def test_gather_collects_keys_pressed_one_by_one_until_its_finish_key(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/case" finishOnKey="#" timeout="10"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    for key in "1001#":
        call.press(key)
    call.expect_ended()
    (form,) = hooks.forms("/case")
    assert (form["Digits"], form["FinishedOnKey"]) == ("1001", "#")


def test_gather_sends_what_was_typed_when_the_caller_stops_pressing(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/case" timeout="1"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.press("42")
    call.expect_ended()
    (form,) = hooks.forms("/case")
    assert (form["Digits"], form["FinishedOnKey"]) == ("42", "")


def test_finish_on_key_alone_is_no_input_and_falls_through(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"/>', "<Say>We did not get that.</Say>")
    call = sim.call(CALLER)
    call.press("#")
    call.expect_say("We did not get that.")
    call.expect_ended()
    assert hooks.forms("/menu") == []


def test_speech_gather_sends_speech_result_and_confidence(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather input="dtmf speech" action="{app}/menu"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.say("agent please")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["SpeechResult"] == "agent please"
    # Twilio's Gather reference promises a score between 0.0 and 1.0, nothing more.
    assert 0.0 <= float(form["Confidence"]) <= 1.0
    assert "Digits" not in form


def test_dtmf_only_gather_does_not_hear_speech(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"/>', "<Say>We did not get that.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.say("agent")
    call.press("0")
    call.expect_ended()
    (form,) = hooks.forms("/menu")
    assert form["Digits"] == "0"
    assert "SpeechResult" not in form
    assert "We did not get that." not in call.heard()


def test_silence_falls_through_to_the_next_verb(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer(
        "/voice",
        '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>',
        "<Say>We did not get that.</Say>",
    )
    call = sim.call(CALLER)
    call.expect_gather()
    call.stay_silent()
    call.expect_say("We did not get that.")
    call.expect_ended()
    assert hooks.forms("/menu") == []


def test_silence_with_action_on_empty_result_still_posts_the_action(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        '<Gather action="{app}/menu" actionOnEmptyResult="true"/>',
    )
    hooks.answer("/menu", "<Say>Let me find you a person.</Say>")
    call = sim.call(CALLER)
    call.stay_silent()
    call.expect_say("Let me find you a person.")
    call.expect_ended()
    (form,) = hooks.forms("/menu")
    assert form.get("Digits", "") == ""
    assert "SpeechResult" not in form


def test_gather_without_action_posts_back_to_its_own_document(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Redirect>{app}/menu?step=top</Redirect>")
    hooks.answer("/menu", '<Gather numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("2")
    call.expect_gather()
    call.hang_up()
    call.expect_ended()
    first, second = hooks.forms("/menu")[:2]
    assert "Digits" not in first and first["step"] == "top"
    assert second["Digits"] == "2" and second["step"] == "top"


def test_gather_with_get_sends_its_parameters_in_the_query_string(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" method="GET" numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("5")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["Digits"] == "5" and form["From"] == CALLER
