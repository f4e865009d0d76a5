"""Strict TwiML (voice) parsing: the simulator refuses whatever Twilio would refuse.

Twilio reads a webhook's answer as a TwiML document. When the document is not well-formed XML
(Twilio error 12100) or breaks the TwiML schema (12200: an unknown verb, attribute or value, a verb
nested where it may not be), Twilio logs the error in its debugger and the caller hears "an
application error has occurred". A lenient parser would let the app ship such documents, so this
one fails loudly with `InvalidTwiML`, naming the verb, the attribute or child, and what is wrong.

Where a document runs matters too: an `<Enqueue waitUrl>` document (hold music) and a whisper
(`<Number url>`, `<Client url>`) accept only a few verbs; see `Context`.

Deliberately stricter than Twilio, because the app never needs the looser forms, so meeting one
means the app has a bug:
- every URL (URL attributes, `<Play>` and `<Redirect>` text) must be absolute http(s);
- a verb Twilio can never reach (after `<Hangup>`, `<Reject>`, `<Redirect>`, `<Leave>`, or a
  `<Dial>`/`<Enqueue>` with an `action`) is an error rather than silently skipped;
- `<Play>` takes a URL or `digits`, not both; text mixed with child elements is an error (except
  SSML inside `<Say>`, whose tags are accepted and flattened to their text).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from urllib.parse import urlsplit

PARSE_FAILURE = 12100
SCHEMA_VALIDATION = 12200

# A check returns what is wrong with a value ("must be ..."), or None when it is fine.
Check = Callable[[str], str | None]


class InvalidTwiML(ValueError):
    """A document Twilio would refuse; the message names the verb, the attribute/child and what is
    wrong, and `code` is the error Twilio's debugger would log."""

    def __init__(self, message: str, code: int = SCHEMA_VALIDATION) -> None:
        super().__init__(f"invalid TwiML ({code}): {message}")
        self.code = code


class Context(StrEnum):
    """Where a document is executed, which decides the verbs it may hold."""

    CALL = "call"  # a call's normal document
    WAIT = "wait"  # an <Enqueue waitUrl> document: the hold music of a queued caller
    WHISPER = "whisper"  # a <Number url>/<Client url> document heard by the answering person


@dataclass(frozen=True)
class Verb:
    """One validated verb or noun, as written in the document."""

    name: str
    attrs: Mapping[str, str]
    text: str
    children: tuple[Verb, ...]

    def attr(self, name: str, default: str | None = None) -> str | None:
        """The attribute as written, or `default` when it is absent."""
        return self.attrs.get(name, default)

    def int_attr(self, name: str, default: int) -> int:
        """An integer attribute (already validated), or `default` when it is absent."""
        value = self.attrs.get(name)
        return default if value is None else int(value)

    def bool_attr(self, name: str, default: bool) -> bool:
        """A true/false attribute (already validated), or `default` when it is absent."""
        value = self.attrs.get(name)
        return default if value is None else value == "true"


def parse(document: str | bytes, context: Context = Context.CALL) -> tuple[Verb, ...]:
    """Verbs of a <Response>, validated; raises InvalidTwiML."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise InvalidTwiML(f"document is not well-formed XML: {exc}", PARSE_FAILURE) from exc
    if root.tag != "Response":
        raise InvalidTwiML(f"the root element must be <Response>, not <{root.tag}>")
    if root.attrib:
        raise InvalidTwiML(f"<Response> takes no attributes, got {', '.join(root.attrib)}")
    if _own_text(root):
        raise InvalidTwiML("<Response> must not contain text, only verbs")
    verbs = tuple(_build(child, _CONTEXT_VERBS[context], _WHERE[context]) for child in root)
    _check_reachable(verbs)
    return verbs


def _build(element: ET.Element, allowed: frozenset[str], where: str) -> Verb:
    """Validate one element against its spec and where it stands, and turn it into a Verb."""
    name = element.tag
    if name not in _SPECS:
        raise InvalidTwiML(f"unknown verb <{name}> {where}")
    if name not in allowed:
        allowed_list = ", ".join(sorted(allowed)) or "no elements"
        raise InvalidTwiML(f"<{name}> is not allowed {where}; allowed there: {allowed_list}")
    spec = _SPECS[name]
    attrs = _checked_attrs(name, element.attrib, spec.attrs)
    children: tuple[Verb, ...]
    if spec.ssml:
        text, children = _ssml_text(element), ()
    else:
        text = _own_text(element)
        children = tuple(_build(child, spec.children, f"inside <{name}>") for child in element)
    _check_text(name, text, spec.text)
    verb = Verb(name, MappingProxyType(attrs), text, children)
    for rule in spec.rules:
        problem = rule(verb)
        if problem:
            raise InvalidTwiML(f"<{name}> {problem}")
    return verb


def _checked_attrs(
    name: str, attrs: Mapping[str, str], checks: Mapping[str, Check]
) -> dict[str, str]:
    """The element's attributes, each known to its verb and holding an allowed value."""
    for attr, value in attrs.items():
        if attr not in checks:
            known = ", ".join(sorted(checks)) or "none"
            raise InvalidTwiML(f"<{name}> has unknown attribute {attr!r}; known: {known}")
        problem = checks[attr](value)
        if problem:
            raise InvalidTwiML(f"<{name}> attribute {attr}={value!r} {problem}")
    return dict(attrs)


def _check_text(name: str, text: str, check: Check | None) -> None:
    """Refuse text where the verb takes none, or text its check refuses."""
    if check is None:
        if text:
            raise InvalidTwiML(f"<{name}> must not contain text, got {text!r}")
        return
    problem = check(text)
    if problem:
        raise InvalidTwiML(f"<{name}> text {text!r} {problem}" if text else f"<{name}> {problem}")


def _own_text(element: ET.Element) -> str:
    """The element's stripped text; text mixed with child elements is refused."""
    text = (element.text or "").strip()
    if len(element) and (text or any((child.tail or "").strip() for child in element)):
        raise InvalidTwiML(f"<{element.tag}> mixes text with child elements")
    return text


def _ssml_text(element: ET.Element) -> str:
    """What a <Say> speaks: its text with any SSML tags (checked by name) flattened away."""
    for child in element.iter():
        if child is not element and child.tag not in _SSML_TAGS:
            raise InvalidTwiML(f"<{child.tag}> is not allowed inside <Say>; only SSML tags are")
    return " ".join(part.strip() for part in element.itertext() if part.strip())


def _check_reachable(verbs: tuple[Verb, ...]) -> None:
    """Refuse verbs Twilio can never reach: a document that has them has a bug."""
    for before, after in pairwise(verbs):
        if before.name in _ENDS_DOCUMENT:
            raise InvalidTwiML(
                f"unreachable verb <{after.name}> after <{before.name}>: Twilio never runs it"
            )
        if before.name in _ENDS_WITH_ACTION and "action" in before.attrs:
            raise InvalidTwiML(
                f"unreachable verb <{after.name}> after <{before.name}> with an action: "
                "Twilio continues at the action URL"
            )


# --- value checks ---------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def _integer(low: int, high: int | None = None) -> Check:
    """Whole numbers from `low` (to `high`), written as plain digits."""
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def check(value: str) -> str | None:
        number = int(value) if _DIGITS.fullmatch(value) else None
        if number is None or number < low or (high is not None and number > high):
            return f"must be {expected}"
        return None

    return check


def _one_of(*allowed: str) -> Check:
    """Exactly one of the allowed values."""

    def check(value: str) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(repr, allowed))}"

    return check


def _words(*allowed: str) -> Check:
    """A space-separated, non-empty list of the allowed values."""

    def check(value: str) -> str | None:
        words = value.split()
        if words and all(word in allowed for word in words):
            return None
        return f"must be space-separated words from {', '.join(allowed)}"

    return check


def _pattern(regex: str, expected: str) -> Check:
    """Values matching `regex` entirely."""
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"must be {expected}"

    return check


def _url(value: str) -> str | None:
    """Absolute http(s) URLs only: the app always emits them, so a relative one is a bug."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return "must be an absolute http(s) URL"


def _any(value: str) -> str | None:
    """Free text Twilio passes on without a schema of its own."""
    return None


def _required(check: Check) -> Check:
    """Text that must be present and pass `check`."""

    def required(value: str) -> str | None:
        return check(value) if value else "needs text content"

    return required


def _optional(check: Check) -> Check:
    """Text that may be absent (a rule of the verb decides), else passes `check`."""

    def optional(value: str) -> str | None:
        return check(value) if value else None

    return optional


_METHOD = _one_of("GET", "POST")
_BOOL = _one_of("true", "false")
_PHONE = _pattern(r"\+?[0-9][0-9 ().-]*", "a phone number")
_TONES = _pattern(r"[0-9#*wW]+", "DTMF tones: 0-9, #, * and w (a half-second pause)")
_CALL_EVENTS = _words("initiated", "ringing", "answered", "completed")
_RECORDING_EVENTS = _words("in-progress", "completed", "absent")
_TRIM = _one_of("trim-silence", "do-not-trim")


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
    if len(names) > _MAX_DIAL_NOUNS:
        return f"may ring at most {_MAX_DIAL_NOUNS} endpoints at once, got {len(names)}"
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
class _Spec:
    """What one verb or noun may hold. `text` None means no text at all."""

    attrs: Mapping[str, Check]
    text: Check | None = None
    children: frozenset[str] = frozenset()
    rules: tuple[Callable[[Verb], str | None], ...] = ()
    ssml: bool = False


# Twilio rings at most ten endpoints of one <Dial> at once.
_MAX_DIAL_NOUNS = 10
_SSML_TAGS = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)
_ENDS_DOCUMENT = frozenset({"Hangup", "Reject", "Redirect", "Leave"})
_ENDS_WITH_ACTION = frozenset({"Dial", "Enqueue"})

_STATUS_CALLBACK = {
    "statusCallbackEvent": _CALL_EVENTS,
    "statusCallback": _url,
    "statusCallbackMethod": _METHOD,
}
_RECORDING_CALLBACK = {
    "recordingStatusCallback": _url,
    "recordingStatusCallbackMethod": _METHOD,
    "recordingStatusCallbackEvent": _RECORDING_EVENTS,
}

_SPECS: Mapping[str, _Spec] = {
    "Say": _Spec(
        {"voice": _any, "language": _any, "loop": _integer(0)},
        text=_required(_any),
        ssml=True,
    ),
    "Play": _Spec(
        {"loop": _integer(0), "digits": _TONES},
        text=_optional(_url),
        rules=(_play_source,),
    ),
    "Pause": _Spec({"length": _integer(0)}),
    "Gather": _Spec(
        {
            "input": _one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
            "action": _url,
            "method": _METHOD,
            "timeout": _integer(0),
            "speechTimeout": _pattern(r"auto|[0-9]+", "'auto' or an integer >= 0"),
            "maxSpeechTime": _integer(1),
            "profanityFilter": _BOOL,
            "finishOnKey": _pattern(r"[0-9#*]?", "one key of 0-9, # or *, or empty"),
            "numDigits": _integer(1),
            "partialResultCallback": _url,
            "partialResultCallbackMethod": _METHOD,
            "language": _any,
            "hints": _any,
            "bargeIn": _BOOL,
            "debug": _BOOL,
            "actionOnEmptyResult": _BOOL,
            "speechModel": _any,
            "enhanced": _BOOL,
        },
        children=frozenset({"Say", "Play", "Pause"}),
    ),
    "Redirect": _Spec({"method": _METHOD}, text=_required(_url)),
    "Hangup": _Spec({}),
    "Leave": _Spec({}),
    "Reject": _Spec({"reason": _one_of("rejected", "busy")}),
    "Enqueue": _Spec(
        {
            "action": _url,
            "method": _METHOD,
            "waitUrl": _url,
            "waitUrlMethod": _METHOD,
            "workflowSid": _any,
            "maxQueueSize": _integer(1),
        },
        text=_optional(_pattern(r".{1,64}", "a queue name of at most 64 characters")),
        children=frozenset({"Task"}),
        rules=(_enqueue_name,),
    ),
    "Task": _Spec({"priority": _integer(0), "timeout": _integer(1)}, text=_required(_any)),
    "Record": _Spec(
        {
            "action": _url,
            "method": _METHOD,
            "timeout": _integer(0),
            "finishOnKey": _pattern(r"[0-9#*]*", "keys from 0-9, # and *"),
            "maxLength": _integer(1),
            "playBeep": _BOOL,
            "trim": _TRIM,
            "transcribe": _BOOL,
            "transcribeCallback": _url,
            **_RECORDING_CALLBACK,
        }
    ),
    "Dial": _Spec(
        {
            "action": _url,
            "method": _METHOD,
            # Twilio's Dial reference: timeout is 5 to 600 seconds, default 30.
            "timeout": _integer(5, 600),
            "hangupOnStar": _BOOL,
            "timeLimit": _integer(1),
            "callerId": _any,
            "record": _one_of(
                "do-not-record",
                "record-from-answer",
                "record-from-ringing",
                "record-from-answer-dual",
                "record-from-ringing-dual",
                "true",
                "false",
            ),
            "trim": _TRIM,
            "answerOnBridge": _BOOL,
            "ringTone": _any,
            "recordingTrack": _one_of("both", "inbound", "outbound"),
            "sequential": _BOOL,
            **_RECORDING_CALLBACK,
        },
        text=_optional(_PHONE),
        children=frozenset({"Number", "Client", "Queue", "Conference", "Sip"}),
        rules=(_dial_target,),
    ),
    "Number": _Spec(
        {
            "sendDigits": _TONES,
            "url": _url,
            "method": _METHOD,
            "byoc": _any,
            "machineDetection": _one_of("Enable", "DetectMessageEnd"),
            "machineDetectionTimeout": _integer(1),
            "amdStatusCallback": _url,
            "amdStatusCallbackMethod": _METHOD,
            **_STATUS_CALLBACK,
        },
        text=_required(_PHONE),
    ),
    "Client": _Spec(
        {"url": _url, "method": _METHOD, **_STATUS_CALLBACK},
        text=_optional(_any),
        children=frozenset({"Identity", "Parameter"}),
        rules=(_client_identity,),
    ),
    "Identity": _Spec({}, text=_required(_any)),
    "Parameter": _Spec({"name": _any, "value": _any}, rules=(_parameter_fields,)),
    "Queue": _Spec(
        {"url": _url, "method": _METHOD, "reservationSid": _any, "postWorkActivitySid": _any},
        text=_required(_any),
    ),
    "Conference": _Spec(
        {
            "muted": _BOOL,
            "beep": _one_of("true", "false", "onEnter", "onExit"),
            "startConferenceOnEnter": _BOOL,
            "endConferenceOnExit": _BOOL,
            "waitUrl": _url,
            "waitMethod": _METHOD,
            "maxParticipants": _integer(2, 250),
            "record": _one_of("do-not-record", "record-from-start"),
            "region": _any,
            "coach": _any,
            "trim": _TRIM,
            "statusCallbackEvent": _words("start", "end", "join", "leave", "mute", "hold"),
            "statusCallback": _url,
            "statusCallbackMethod": _METHOD,
            "eventCallbackUrl": _url,
            "jitterBufferSize": _one_of("off", "small", "medium", "large"),
            "participantLabel": _any,
            **_RECORDING_CALLBACK,
        },
        text=_required(_any),
    ),
    "Sip": _Spec(
        {"username": _any, "password": _any, "url": _url, "method": _METHOD, **_STATUS_CALLBACK},
        text=_required(_pattern(r"sips?:.+", "a sip: or sips: URI")),
    ),
}

_CONTEXT_VERBS: Mapping[Context, frozenset[str]] = {
    Context.CALL: frozenset(
        {"Say", "Play", "Pause", "Gather", "Redirect", "Hangup", "Reject"}
        | {"Enqueue", "Leave", "Dial", "Record"}
    ),
    # Twilio's Enqueue reference: a waitUrl document may hold only these verbs.
    Context.WAIT: frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}),
    Context.WHISPER: frozenset({"Play", "Say", "Pause", "Gather", "Hangup", "Redirect"}),
}
_WHERE: Mapping[Context, str] = {
    Context.CALL: "in a call document",
    Context.WAIT: "in a wait document (<Enqueue waitUrl>, hold music)",
    Context.WHISPER: "in a whisper document (<Number url>/<Client url>)",
}
