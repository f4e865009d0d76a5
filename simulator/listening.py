"""The verbs that listen to the caller: `<Gather>` and `<Record>`, by Twilio's rules.

A Gather waits for `numDigits` keys, its `finishOnKey` or its timeout, however the keys arrive
(all at once or one by one, as on a phone). A Record ends only on one of its `finishOnKey` keys
(any key by default, none when the attribute is empty), on silence, or on a hang-up; a
transcription is made when `transcribe` is true or a `transcribeCallback` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.signals import Ended, Next
from simulator.twiml import Context, Verb

if TYPE_CHECKING:
    from simulator.interpreter import Interpreter

# Twilio's defaults: a Gather finishes on #, a Record on any key.
GATHER_FINISH_KEY = "#"
RECORD_FINISH_KEYS = "1234567890*#"
# Twilio's Gather and Record listen this long for input by default.
DEFAULT_TIMEOUT_SECONDS = 5
# What Twilio's speech recognition reports: how sure it is of what it heard (0 to 1).
SPEECH_CONFIDENCE = "0.92"


def gather(run: Interpreter, verb: Verb, context: Context, url: str) -> Next | None:
    """`<Gather>`: play the nested prompts, then collect keys or words for the action."""
    leg = run.leg
    for child in verb.children:
        run.handle(child, context, url)
    modes = (verb.attr("input", "dtmf") or "dtmf").split()
    leg.log("gather", verb.attr("action", "") or "", input=" ".join(modes))
    action = verb.attr("action") or url
    method = verb.attr("method", "POST") or "POST"
    timeout = verb.int_attr("timeout", DEFAULT_TIMEOUT_SECONDS)
    keys = ""  # pressed so far: a Gather waits for numDigits, its finish key or its timeout
    while True:
        answer = leg.await_input(timeout, gather=True, more=bool(keys))
        if answer.kind == "digits" and "dtmf" in modes:
            keys, finished_on, complete = gathered_digits(keys, answer.value, verb)
            if complete and not keys:
                break  # the finish key alone is no input
            if complete or leg.answers_by_itself:
                params = {"Digits": keys, "FinishedOnKey": finished_on}
                return Next(action, method, params, context)
            continue
        if answer.kind == "speech" and "speech" in modes and not keys:
            params = {"SpeechResult": answer.value, "Confidence": SPEECH_CONFIDENCE}
            return Next(action, method, params, context)
        if keys and answer.kind == "silence":
            # The caller stopped pressing: Twilio sends what was typed when the timeout ends.
            return Next(action, method, {"Digits": keys, "FinishedOnKey": ""}, context)
        if answer.kind == "silence" or leg.answers_by_itself:
            break
        # Input of a kind this Gather does not listen for goes unheard; it keeps listening.
    if verb.bool_attr("actionOnEmptyResult", False):
        return Next(action, method, {}, context)
    return None


def gathered_digits(typed: str, pressed: str, verb: Verb) -> tuple[str, str, bool]:
    """A Gather's Digits after more key presses, the finish key if one was pressed, and whether
    the Gather is complete (its finishOnKey pressed, or numDigits reached)."""
    finish = verb.attr("finishOnKey", GATHER_FINISH_KEY) or ""
    limit = verb.attr("numDigits")
    digits = typed
    for key in pressed:
        if finish and key == finish:
            return digits, key, True
        digits += key
        if limit and len(digits) >= int(limit):
            return digits, "", True
    return digits, "", False


def record(run: Interpreter, verb: Verb, context: Context, url: str) -> Next | None:
    """`<Record>`: keep what the caller says until a finish key, silence or a hang-up."""
    leg = run.leg
    leg.log("record", verb.attr("action", "") or "")
    words: list[str] = []
    finished_on = ""
    finish_keys = verb.attr("finishOnKey", RECORD_FINISH_KEYS) or ""
    hung_up = False
    while True:
        try:
            answer = leg.await_input(verb.int_attr("timeout", DEFAULT_TIMEOUT_SECONDS), False)
        except Ended:
            hung_up = True
            break
        if answer.kind == "speech":
            words.append(answer.value)
            continue
        if answer.kind == "digits":
            finished_on = next((key for key in answer.value if key in finish_keys), "")
            if not finished_on:
                continue  # a key that is not a finishOnKey is recorded, not obeyed
        break
    if not words:
        if hung_up:
            raise Ended
        return None  # Twilio skips the action of an empty recording and goes on
    recording = run.switch.store_recording(leg, " ".join(words))
    leg.log("recorded", recording.text, sid=recording.sid)
    run.switch.after_recording(leg, verb, recording)
    params = {
        "RecordingUrl": recording.url,
        "RecordingSid": recording.sid,
        "RecordingDuration": str(recording.duration),
        "Digits": "hangup" if hung_up else finished_on,
    }
    action = verb.attr("action") or url
    method = verb.attr("method", "POST") or "POST"
    if hung_up:
        run.post_after_hangup(action, params, method)
        raise Ended
    return Next(action, method, params)
