"""Steps of a call as TwiML: what the caller hears and which URL Twilio calls next.

Pure functions over the flow; the web layer passes in the absolute URLs (Twilio needs absolute
URLs, and only the web layer knows the public base). Every document ends in a way Twilio accepts:
a Gather with an action, a queue, a recording, or a goodbye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from callflows import prompts
from callflows.schema import CallFlow

GATHER_SECONDS = 5
HOLD_PAUSE_SECONDS = 10
# Twilio transcribes recordings of up to 120 seconds only.
RECORD_MAX_SECONDS = 120
# Seconds a rep's phone rings before the caller is offered the next person instead.
RING_SECONDS = 20
# Seconds a customer's phone rings for their callback before the try counts as not answered.
CUSTOMER_RING_SECONDS = 30


class Speaker:
    """Says sentences in the flow's voice and language, so every prompt sounds the same."""

    def __init__(self, flow: CallFlow) -> None:
        self._voice = {"language": flow.language} | ({"voice": flow.voice} if flow.voice else {})

    def say(self, target: VoiceResponse | Gather, *sentences: str) -> None:
        """Append one `<Say>` per sentence."""
        for sentence in sentences:
            if sentence:
                target.say(sentence, **self._voice)


def menu(flow: CallFlow, name: str, action_url: str, before: Sequence[str] = ()) -> VoiceResponse:
    """`before`, then the menu's options while listening for a key or a word.

    Silence also posts to `action_url` (no Digits), so the web layer decides what a silent
    caller hears: the menu once more, then a person.
    """
    speaker = Speaker(flow)
    document = VoiceResponse()
    speaker.say(document, *before)
    words = sorted({w for o in flow.menu(name).options for w in o.speech_words()})
    gather = Gather(
        input="dtmf speech",
        num_digits=1,
        timeout=GATHER_SECONDS,
        action=action_url,
        method="POST",
        action_on_empty_result=True,
        speech_timeout="auto",
        hints=", ".join(words),
        language=flow.language,
    )
    speaker.say(gather, flow.menu(name).prompt)
    document.append(gather)
    return document


def enqueue(
    flow: CallFlow, queue: str, wait_url: str, action_url: str, before: Sequence[str] = ()
) -> VoiceResponse:
    """`before`, then wait in `queue` for the next free person, with the hold step playing."""
    document = VoiceResponse()
    Speaker(flow).say(document, *before)
    document.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action_url)
    return document


def hold(
    flow: CallFlow, position: int, choice_url: str, expected_seconds: int | None = None
) -> VoiceResponse:
    """The hold step (an Enqueue waitUrl document): place in line, the likely wait, and the
    callback offer. Only Play, Say, Pause, Gather, Redirect, Leave and Hangup are allowed here.
    """
    speaker = Speaker(flow)
    document = VoiceResponse()
    if position > 0:
        speaker.say(document, prompts.hold_position(position))
    if expected_seconds is not None:
        speaker.say(document, prompts.expected_wait(expected_seconds))
    gather = Gather(input="dtmf", num_digits=1, timeout=GATHER_SECONDS, action=choice_url)
    speaker.say(gather, prompts.HOLD_OFFER, prompts.HOLD_KEEP_PLACE)
    document.append(gather)
    if flow.hold_music:
        document.play(str(flow.hold_music))
    else:
        document.pause(length=HOLD_PAUSE_SECONDS)
    return document


def leave_queue() -> VoiceResponse:
    """Step out of the queue; Twilio then calls the Enqueue action with QueueResult=leave."""
    document = VoiceResponse()
    document.leave()
    return document


def stay_in_queue() -> VoiceResponse:
    """Keep holding: an empty document ends this round of hold music."""
    return VoiceResponse()


@dataclass(frozen=True)
class VoicemailLinks:
    """Where Twilio reports a recorded message, and where a caller who said nothing goes."""

    recorded: str
    recording_status: str
    transcription: str
    no_message: str


def voicemail(
    flow: CallFlow, promise: str, links: VoicemailLinks, before: Sequence[str] = ()
) -> VoiceResponse:
    """`before`, the promise, then record a message after the tone.

    Twilio goes on past `<Record>` only when nothing was recorded: that caller is not hung up
    on, but put through to a person.
    """
    speaker = Speaker(flow)
    document = VoiceResponse()
    speaker.say(document, *before, prompts.callback_promise(promise), prompts.VOICEMAIL_PROMPT)
    document.record(
        action=links.recorded,
        method="POST",
        max_length=RECORD_MAX_SECONDS,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=links.recording_status,
        recording_status_callback_method="POST",
        transcribe=True,
        transcribe_callback=links.transcription,
    )
    speaker.say(document, prompts.NO_MESSAGE)
    document.redirect(links.no_message, method="POST")
    return document


def goodbye(flow: CallFlow, *sentences: str) -> VoiceResponse:
    """Last words, then hang up."""
    document = VoiceResponse()
    Speaker(flow).say(document, *sentences)
    document.hangup()
    return document


def dial(
    flow: CallFlow,
    endpoint: str,
    action_url: str,
    whisper_url: str,
    before: Sequence[str] = (),
) -> VoiceResponse:
    """`before`, then ring one person (a number or a browser client) for RING_SECONDS.

    The person first hears `whisper_url` (who is calling and why) and must accept, so a
    phone's own voicemail picking up never swallows the caller.
    """
    document = VoiceResponse()
    Speaker(flow).say(document, *before)
    ring = Dial(action=action_url, method="POST", timeout=RING_SECONDS)
    if endpoint.startswith("client:"):
        ring.client(endpoint.removeprefix("client:"), url=whisper_url, method="POST")
    else:
        ring.number(endpoint, url=whisper_url, method="POST")
    document.append(ring)
    return document


def whisper(
    flow: CallFlow, about: Sequence[str], accept_url: str, accept: str = prompts.ACCEPT
) -> VoiceResponse:
    """What the answering rep hears before the caller is connected: who, why, press 1. No
    answer is not accepted: the caller goes to the next person."""
    return question(flow, [*about, accept], accept_url)


def question(flow: CallFlow, sentences: Sequence[str], action_url: str) -> VoiceResponse:
    """A one-key question; the key goes to `action_url`, and no answer hangs up."""
    speaker = Speaker(flow)
    document = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=GATHER_SECONDS, action=action_url)
    speaker.say(gather, *sentences)
    document.append(gather)
    document.hangup()
    return document


def accepted(digits: str) -> VoiceResponse:
    """The rep's answer to a whisper: 1 connects (an empty document bridges), else hang up."""
    document = VoiceResponse()
    if digits != "1":
        document.hangup()
    return document


def ask_number(
    flow: CallFlow, action_url: str, sentences: Sequence[str], no_answer_url: str
) -> VoiceResponse:
    """Ask for a number on the keypad, ended by pound; silence goes to `no_answer_url`."""
    speaker = Speaker(flow)
    document = VoiceResponse()
    gather = Gather(input="dtmf", finish_on_key="#", timeout=GATHER_SECONDS + 5, action=action_url)
    speaker.say(gather, *sentences)
    document.append(gather)
    document.redirect(no_answer_url, method="POST")
    return document


def call_customer(
    flow: CallFlow, number: str, caller_id: str, action_url: str, before: Sequence[str] = ()
) -> VoiceResponse:
    """`before`, then dial the customer from the rep's call, showing the line's number."""
    document = VoiceResponse()
    Speaker(flow).say(document, *before)
    ring = Dial(
        action=action_url, method="POST", timeout=CUSTOMER_RING_SECONDS, caller_id=caller_id
    )
    ring.number(number)
    document.append(ring)
    return document


def ask_case_reference(
    flow: CallFlow, action_url: str, before: Sequence[str] = ()
) -> VoiceResponse:
    """Ask (once) for a case number on the keypad."""
    speaker = Speaker(flow)
    document = VoiceResponse()
    speaker.say(document, *before)
    gather = Gather(
        input="dtmf",
        finish_on_key="#",
        timeout=GATHER_SECONDS + 5,
        action=action_url,
        action_on_empty_result=True,
    )
    speaker.say(gather, prompts.ASK_CASE_REFERENCE)
    document.append(gather)
    return document


def spelled(reference: str) -> str:
    """A case reference as a caller can follow it: "C-1042" -> "C 1 0 4 2"."""
    return " ".join(reference.replace("-", ""))


def first_name(full_name: str) -> str:
    """The name to greet someone by."""
    words = full_name.split()
    return words[0] if words else ""
