"""Strict TwiML (voice) parsing: the simulator refuses whatever Twilio would refuse.

Twilio reads a webhook's answer as a TwiML document. When the document is not well-formed XML
(Twilio error 12100) or breaks the TwiML schema (12200: an unknown verb, attribute or value, a verb
nested where it may not be), Twilio logs the error in its debugger and the caller hears "an
application error has occurred". A lenient parser would let the app ship such documents, so this
one fails loudly with `InvalidTwiML`, naming the verb, the attribute or child, and what is wrong.

Where a document runs matters too: an `<Enqueue waitUrl>` document (hold music) and a whisper
(`<Number url>`, `<Client url>`) accept only a few verbs; see `Context`. What each verb may
hold is in `simulator.twiml_schema`.

Deliberately stricter than Twilio, because the app never needs the looser forms, so meeting one
means the app has a bug:
- every URL (URL attributes, `<Play>` and `<Redirect>` text) must be absolute http(s);
- a verb Twilio can never reach (after `<Hangup>`, `<Reject>`, `<Redirect>`, `<Leave>`, or a
  `<Dial>`/`<Enqueue>` with an `action`) is an error rather than silently skipped;
- `<Play>` takes a URL or `digits`, not both; text mixed with child elements is an error (except
  SSML inside `<Say>`, whose tags are accepted and flattened to their text).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType

from simulator import twiml_schema as schema
from simulator.twiml_checks import Check
from simulator.twiml_schema import Context

__all__ = ["PARSE_FAILURE", "SCHEMA_VALIDATION", "Context", "InvalidTwiML", "Verb", "parse"]

PARSE_FAILURE = 12100
SCHEMA_VALIDATION = 12200


class InvalidTwiML(ValueError):
    """A document Twilio would refuse; the message names the verb, the attribute/child and what is
    wrong, and `code` is the error Twilio's debugger would log."""

    def __init__(self, message: str, code: int = SCHEMA_VALIDATION) -> None:
        super().__init__(f"invalid TwiML ({code}): {message}")
        self.code = code


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
    verbs = tuple(
        _build(child, schema.CONTEXT_VERBS[context], schema.WHERE[context]) for child in root
    )
    _check_reachable(verbs)
    return verbs


def _build(element: ET.Element, allowed: frozenset[str], where: str) -> Verb:
    """Validate one element against its spec and where it stands, and turn it into a Verb."""
    name = element.tag
    if name not in schema.SPECS:
        raise InvalidTwiML(f"unknown verb <{name}> {where}")
    if name not in allowed:
        allowed_list = ", ".join(sorted(allowed)) or "no elements"
        raise InvalidTwiML(f"<{name}> is not allowed {where}; allowed there: {allowed_list}")
    spec = schema.SPECS[name]
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
        if child is not element and child.tag not in schema.SSML_TAGS:
            raise InvalidTwiML(f"<{child.tag}> is not allowed inside <Say>; only SSML tags are")
    return " ".join(part.strip() for part in element.itertext() if part.strip())


def _check_reachable(verbs: tuple[Verb, ...]) -> None:
    """Refuse verbs Twilio can never reach: a document that has them has a bug."""
    for before, after in pairwise(verbs):
        if before.name in schema.ENDS_DOCUMENT:
            raise InvalidTwiML(
                f"unreachable verb <{after.name}> after <{before.name}>: Twilio never runs it"
            )
        if before.name in schema.ENDS_WITH_ACTION and "action" in before.attrs:
            raise InvalidTwiML(
                f"unreachable verb <{after.name}> after <{before.name}> with an action: "
                "Twilio continues at the action URL"
            )
