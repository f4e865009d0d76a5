"""The TwiML (voice) schema the simulator holds documents to: verbs, their attributes and nesting.

`SPECS` says what each verb or noun may hold; `CONTEXT_VERBS` which verbs a document may hold
where it runs (a call, hold music, a whisper). Rules that span attributes, text and children
are plain functions over a parsed `Verb` returning what is wrong, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from simulator import twiml_checks as check

if TYPE_CHECKING:
    from simulator.twiml import Verb


class Context(StrEnum):
    """Where a document is executed, which decides the verbs it may hold."""

    CALL = "call"  # a call's normal document
    WAIT = "wait"  # an <Enqueue waitUrl> document: the hold music of a queued caller
    WHISPER = "whisper"  # a <Number url>/<Client url> document heard by the answering person


# --- rules that span attributes, text and children --------------------------------------------


def _play_source(verb: Verb) -> str | None:
    if bool(verb.text) == ("digits" in verb.attrs):
        return "needs either a URL as text or a digits attribute, not both and not neither"
    return None


def _enqueue_name(verb: Verb) -> str | None:
    if not verb.text and "workflowSid" not in verb.attrs:
        return "needs a queue name as text (or a workflowSid)"
    return None


def _dial_target(verb: Verb) -> str | None:
    if bool(verb.text) == bool(verb.children):
        return "needs either a number as text or nouns (Number, Client, ...), not both"
    names = [child.name for child in verb.children]
    if len(names) > 1 and ({"Queue", "Conference"} & set(names)):
        return "may hold a <Queue> or <Conference> only as its single noun"
    if len(names) > MAX_DIAL_NOUNS:
        return f"may ring at most {MAX_DIAL_NOUNS} endpoints at once, got {len(names)}"
    return None


def _client_identity(verb: Verb) -> str | None:
    identities = [child for child in verb.children if child.name == "Identity"]
    if len(identities) + bool(verb.text) != 1:
        return "needs exactly one identity: as text or as one <Identity> child"
    return None


def _parameter_fields(verb: Verb) -> str | None:
    missing = [attr for attr in ("name", "value") if attr not in verb.attrs]
    return f"needs attribute(s) {', '.join(missing)}" if missing else None


# --- the schema -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What one verb or noun may hold. `text` None means no text at all."""

    attrs: Mapping[str, check.Check]
    text: check.Check | None = None
    children: frozenset[str] = frozenset()
    rules: tuple[Callable[[Verb], str | None], ...] = ()
    ssml: bool = False


# Twilio rings at most ten endpoints of one <Dial> at once.
MAX_DIAL_NOUNS = 10
SSML_TAGS = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)
ENDS_DOCUMENT = frozenset({"Hangup", "Reject", "Redirect", "Leave"})
ENDS_WITH_ACTION = frozenset({"Dial", "Enqueue"})

_STATUS_CALLBACK = {
    "statusCallbackEvent": check.CALL_EVENTS,
    "statusCallback": check.url,
    "statusCallbackMethod": check.METHOD,
}
_RECORDING_CALLBACK = {
    "recordingStatusCallback": check.url,
    "recordingStatusCallbackMethod": check.METHOD,
    "recordingStatusCallbackEvent": check.RECORDING_EVENTS,
}

SPECS: Mapping[str, Spec] = {
    "Say": Spec(
        {"voice": check.any_text, "language": check.any_text, "loop": check.integer(0)},
        text=check.required(check.any_text),
        ssml=True,
    ),
    "Play": Spec(
        {"loop": check.integer(0), "digits": check.TONES},
        text=check.optional(check.url),
        rules=(_play_source,),
    ),
    "Pause": Spec({"length": check.integer(0)}),
    "Gather": Spec(
        {
            "input": check.one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
            "action": check.url,
            "method": check.METHOD,
            "timeout": check.integer(0),
            "speechTimeout": check.pattern(r"auto|[0-9]+", "'auto' or an integer >= 0"),
            "maxSpeechTime": check.integer(1),
            "profanityFilter": check.BOOL,
            "finishOnKey": check.pattern(r"[0-9#*]?", "one key of 0-9, # or *, or empty"),
            "numDigits": check.integer(1),
            "partialResultCallback": check.url,
            "partialResultCallbackMethod": check.METHOD,
            "language": check.any_text,
            "hints": check.any_text,
            "bargeIn": check.BOOL,
            "debug": check.BOOL,
            "actionOnEmptyResult": check.BOOL,
            "speechModel": check.any_text,
            "enhanced": check.BOOL,
        },
        children=frozenset({"Say", "Play", "Pause"}),
    ),
    "Redirect": Spec({"method": check.METHOD}, text=check.required(check.url)),
    "Hangup": Spec({}),
    "Leave": Spec({}),
    "Reject": Spec({"reason": check.one_of("rejected", "busy")}),
    "Enqueue": Spec(
        {
            "action": check.url,
            "method": check.METHOD,
            "waitUrl": check.url,
            "waitUrlMethod": check.METHOD,
            "workflowSid": check.any_text,
            "maxQueueSize": check.integer(1),
        },
        text=check.optional(check.pattern(r".{1,64}", "a queue name of at most 64 characters")),
        children=frozenset({"Task"}),
        rules=(_enqueue_name,),
    ),
    "Task": Spec(
        {"priority": check.integer(0), "timeout": check.integer(1)},
        text=check.required(check.any_text),
    ),
    "Record": Spec(
        {
            "action": check.url,
            "method": check.METHOD,
            "timeout": check.integer(0),
            "finishOnKey": check.pattern(r"[0-9#*]*", "keys from 0-9, # and *"),
            "maxLength": check.integer(1),
            "playBeep": check.BOOL,
            "trim": check.TRIM,
            "transcribe": check.BOOL,
            "transcribeCallback": check.url,
            **_RECORDING_CALLBACK,
        }
    ),
    "Dial": Spec(
        {
            "action": check.url,
            "method": check.METHOD,
            # Twilio's Dial reference: timeout is 5 to 600 seconds, default 30.
            "timeout": check.integer(5, 600),
            "hangupOnStar": check.BOOL,
            "timeLimit": check.integer(1),
            "callerId": check.any_text,
            "record": check.one_of(
                "do-not-record",
                "record-from-answer",
                "record-from-ringing",
                "record-from-answer-dual",
                "record-from-ringing-dual",
                "true",
                "false",
            ),
            "trim": check.TRIM,
            "answerOnBridge": check.BOOL,
            "ringTone": check.any_text,
            "recordingTrack": check.one_of("both", "inbound", "outbound"),
            "sequential": check.BOOL,
            **_RECORDING_CALLBACK,
        },
        text=check.optional(check.PHONE),
        children=frozenset({"Number", "Client", "Queue", "Conference", "Sip"}),
        rules=(_dial_target,),
    ),
    "Number": Spec(
        {
            "sendDigits": check.TONES,
            "url": check.url,
            "method": check.METHOD,
            "byoc": check.any_text,
            "machineDetection": check.one_of("Enable", "DetectMessageEnd"),
            "machineDetectionTimeout": check.integer(1),
            "amdStatusCallback": check.url,
            "amdStatusCallbackMethod": check.METHOD,
            **_STATUS_CALLBACK,
        },
        text=check.required(check.PHONE),
    ),
    "Client": Spec(
        {"url": check.url, "method": check.METHOD, **_STATUS_CALLBACK},
        text=check.optional(check.any_text),
        children=frozenset({"Identity", "Parameter"}),
        rules=(_client_identity,),
    ),
    "Identity": Spec({}, text=check.required(check.any_text)),
    "Parameter": Spec(
        {"name": check.any_text, "value": check.any_text}, rules=(_parameter_fields,)
    ),
    "Queue": Spec(
        {
            "url": check.url,
            "method": check.METHOD,
            "reservationSid": check.any_text,
            "postWorkActivitySid": check.any_text,
        },
        text=check.required(check.any_text),
    ),
    "Conference": Spec(
        {
            "muted": check.BOOL,
            "beep": check.one_of("true", "false", "onEnter", "onExit"),
            "startConferenceOnEnter": check.BOOL,
            "endConferenceOnExit": check.BOOL,
            "waitUrl": check.url,
            "waitMethod": check.METHOD,
            "maxParticipants": check.integer(2, 250),
            "record": check.one_of("do-not-record", "record-from-start"),
            "region": check.any_text,
            "coach": check.any_text,
            "trim": check.TRIM,
            "statusCallbackEvent": check.words("start", "end", "join", "leave", "mute", "hold"),
            "statusCallback": check.url,
            "statusCallbackMethod": check.METHOD,
            "eventCallbackUrl": check.url,
            "jitterBufferSize": check.one_of("off", "small", "medium", "large"),
            "participantLabel": check.any_text,
            **_RECORDING_CALLBACK,
        },
        text=check.required(check.any_text),
    ),
    "Sip": Spec(
        {
            "username": check.any_text,
            "password": check.any_text,
            "url": check.url,
            "method": check.METHOD,
            **_STATUS_CALLBACK,
        },
        text=check.required(check.pattern(r"sips?:.+", "a sip: or sips: URI")),
    ),
}

CONTEXT_VERBS: Mapping[Context, frozenset[str]] = {
    Context.CALL: frozenset(
        {"Say", "Play", "Pause", "Gather", "Redirect", "Hangup", "Reject"}
        | {"Enqueue", "Leave", "Dial", "Record"}
    ),
    # Twilio's Enqueue reference: a waitUrl document may hold only these verbs.
    Context.WAIT: frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}),
    Context.WHISPER: frozenset({"Play", "Say", "Pause", "Gather", "Hangup", "Redirect"}),
}
WHERE: Mapping[Context, str] = {
    Context.CALL: "in a call document",
    Context.WAIT: "in a wait document (<Enqueue waitUrl>, hold music)",
    Context.WHISPER: "in a whisper document (<Number url>/<Client url>)",
}
