"""<Record> as Twilio runs it: ended only by one of its finishOnKey keys, silence or a hang-up;
recording and transcription callbacks; a transcription only when asked for.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from ivr.twilio_rest import build_client
from simulator.server import Simulator
from tests.simulator_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    Webhooks,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_recording_reaches_the_callbacks_and_the_action_and_can_be_fetched(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        "<Say>Leave a message after the beep.</Say>",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/recording"'
        ' transcribe="true" transcribeCallback="{app}/transcript"/>',
    )
    hooks.answer("/recorded", "<Say>Thanks, goodbye.</Say>")
    call = sim.call(CALLER)
    call.expect_record()
    call.say("my printer is on fire")
    call.press("#")
    call.expect_say("Thanks, goodbye.")
    call.expect_ended()

    (action,) = hooks.forms("/recorded")
    assert action["CallSid"] == call.sid
    assert action["RecordingSid"].startswith("RE")
    assert action["Digits"] == "#"
    status = hooks.wait_for("/recording")
    assert status["RecordingSid"] == action["RecordingSid"]
    assert status["RecordingUrl"] == action["RecordingUrl"]
    assert status["RecordingDuration"] == action["RecordingDuration"]
    assert status["RecordingStatus"] == "completed"
    assert status["CallSid"] == call.sid
    transcript = hooks.wait_for("/transcript")
    assert transcript["TranscriptionText"] == "my printer is on fire"
    assert transcript["RecordingSid"] == action["RecordingSid"]

    media = requests.get(action["RecordingUrl"], auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert media.status_code == 200 and media.content.startswith(b"RIFF")
    assert requests.get(action["RecordingUrl"], timeout=5).status_code == 401
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    fetched = client.recordings(action["RecordingSid"]).fetch()
    assert fetched.call_sid == call.sid
    assert fetched.duration == action["RecordingDuration"]


def test_record_ignores_keys_that_are_not_its_finish_keys(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded" finishOnKey="#"/>')
    call = sim.call(CALLER)
    call.expect_record()
    call.say("my order")
    call.press("1")  # not a finish key: part of the recording, the recording goes on
    call.say("never arrived")
    call.press("#")
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "#"
    assert sim.switch.recordings[action["RecordingSid"]].text == "my order never arrived"


def test_record_with_no_finish_keys_is_ended_by_no_key(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded" finishOnKey="" timeout="1"/>')
    sim.switch.config = replace(sim.switch.config, idle_timeout_seconds=1)
    call = sim.call(CALLER)
    call.expect_record()
    call.say("hello")
    call.press("#")
    call.say("still talking")
    call.hang_up()
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "hangup"
    assert sim.switch.recordings[action["RecordingSid"]].text == "hello still talking"


def test_caller_hanging_up_during_a_recording_posts_the_action_with_hangup(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded"/>')
    call = sim.call(CALLER)
    call.expect_record()
    call.say("call me back")
    call.hang_up()
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "hangup"
    assert action["CallStatus"] == "completed"
    assert action["RecordingSid"] in sim.switch.recordings


@pytest.mark.parametrize(
    ("transcribe", "transcribed"),
    [(' transcribe="true"', True), ("", True), (' transcribe="false"', False)],
)
def test_a_transcription_is_sent_only_when_transcribe_is_asked_for_or_implied(
    sim: Simulator, hooks: Webhooks, transcribe: str, transcribed: bool
) -> None:
    # Twilio's Record reference: a transcribeCallback implies transcribe="true".
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/recording"'
        f' transcribeCallback="{{app}}/transcript"{transcribe}/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say("please call me back about my bill")
    call.press("#")
    call.expect_ended()
    hooks.wait_for("/recording")
    assert sim.switch.settle()
    sent = [form["TranscriptionText"] for form in hooks.forms("/transcript")]
    assert sent == (["please call me back about my bill"] if transcribed else [])


@pytest.mark.parametrize(
    ("words", "seconds", "status"),
    [(1, 1, "failed"), (5, 2, "completed"), (300, 120, "completed"), (301, 121, "failed")],
)
def test_only_recordings_of_2_to_120_seconds_are_transcribed(
    sim: Simulator, hooks: Webhooks, words: int, seconds: int, status: str
) -> None:
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" transcribe="true" transcribeCallback="{app}/transcript"/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say(" ".join(["word"] * words))
    call.press("#")
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["RecordingDuration"] == str(seconds)
    transcript = hooks.wait_for("/transcript")
    assert transcript["RecordingSid"] == action["RecordingSid"]
    assert transcript["TranscriptionStatus"] == status
    if status == "completed":
        assert transcript["TranscriptionText"].split() == ["word"] * words
    else:
        assert "TranscriptionText" not in transcript


def test_settle_waits_for_recording_callbacks_still_under_way(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/held/recording"/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say("please call me back")
    call.press("#")
    call.expect_ended()
    hooks.wait_for("/held/recording")
    assert not sim.switch.settle(timeout=0.05)
    hooks.release.set()
    assert sim.switch.settle()
    assert hooks.answered == ["/held/recording"]
