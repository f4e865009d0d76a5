"""The dev phone: a web page for ringing the support line by hand, as any demo customer.

`GET /phone` is the page; it drives the switch through the JSON endpoints under `/phone/api/`:

    GET  /phone/api/callers                 the demo customers one can call as
    POST /phone/api/calls                   {"from": "+14155550100"} places an inbound call
    GET  /phone/api/calls                   every leg: callers, reps' phones, callbacks
    GET  /phone/api/calls/<sid>?since=N     a leg's status and its transcript from event N on
    POST /phone/api/calls/<sid>/press       {"digits": "1"}
    POST /phone/api/calls/<sid>/say         {"words": "agent"}
    POST /phone/api/calls/<sid>/silence     let the current Gather or Record time out
    POST /phone/api/calls/<sid>/hangup
    GET  /phone/api/messages?since=N        SMS the app sent

Bad input answers 400, an unknown CallSid 404, acting on a leg that is over 409; errors are
JSON `{"error": "..."}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from simulator.switch import Call, Event, Message, Switch

bp = Blueprint("devphone", __name__, url_prefix="/phone", template_folder="templates")

# Where `create_simulator_app` keeps the demo customers the page offers to call as.
CALLERS = "DEVPHONE_CALLERS"
# What Twilio sends as `From` when the caller withholds their number.
WITHHELD = ("anonymous", "restricted", "unknown", "private")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_CLIENT = re.compile(r"client:[A-Za-z0-9_.@-]{1,120}")
_SEPARATORS = re.compile(r"[\s().-]")
_DIGITS = re.compile(r"[0-9*#]{1,32}")
MAX_WORDS_LENGTH = 500
# An ended leg stays on the page this long, so one sees how it ended, then drops off.
ENDED_LEGS_SHOWN_FOR = timedelta(seconds=30)


class BadInput(ValueError):
    """A request the dev phone cannot act on; answered with 400."""


@dataclass(frozen=True)
class Caller:
    """A demo customer the dev phone can call as, with what the line knows of them."""

    phone: str
    name: str
    note: str = ""


def caller_id(text: str) -> str:
    """The `From` Twilio would send for `text`: E.164, a withheld number, or `client:NAME`.

    Raises BadInput (a ValueError), with a message fit for the person typing, for anything else.
    """
    text = text.strip()
    if text.lower() in WITHHELD:
        return text.lower()
    if _CLIENT.fullmatch(text):
        return text
    number = _SEPARATORS.sub("", text)
    if _E164.fullmatch(number):
        return number
    raise BadInput(
        f"{text!r} is not a caller ID: give an E.164 number like +14155550100,"
        " 'anonymous', or client:NAME"
    )


def switch() -> Switch:
    """The simulated account the page drives."""
    return current_app.extensions["switch"]


def callers() -> Sequence[Caller]:
    """The demo customers of this simulator's configuration."""
    return current_app.config.get(CALLERS, ())


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


def _body() -> dict[str, Any]:
    """The request's fields, from a JSON object or a form, whichever was sent."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return request.form.to_dict()


def _text_field(name: str) -> str:
    value = _body().get(name, "")
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value.strip()


def _event_json(index: int, event: Event) -> dict[str, Any]:
    return {"index": index, "kind": event.kind, "text": event.text, "detail": dict(event.detail)}


def _leg_json(leg: Call) -> dict[str, Any]:
    person = leg.person
    return {
        "sid": leg.sid,
        "from": leg.from_,
        "to": leg.to,
        "direction": leg.direction,
        "status": leg.status,
        "ended": leg.ended,
        "parent_sid": leg.parent.sid if leg.parent else None,
        "person": person.name if person is not None and person.name else None,
        "queue": leg.queue.name if leg.queue is not None else None,
        "events": len(leg.transcript),
        "started": leg.started.isoformat(),
    }


def _message_json(index: int, message: Message) -> dict[str, Any]:
    return {
        "index": index,
        "sid": message.sid,
        "to": message.to,
        "from": message.from_,
        "body": message.body,
        "created": message.created.isoformat(),
    }


def _since() -> int:
    since = request.args.get("since", "0")
    if not since.isdigit():
        raise BadInput("since must be a whole number of events")
    return int(since)


@bp.errorhandler(BadInput)
def bad_input(error: BadInput) -> tuple[Response, int]:
    """Anything the page or a script sent that does not make sense."""
    return _error(400, str(error))


@bp.get("")
def page() -> str:
    """The dev phone itself."""
    return render_template("phone.html", callers=callers(), number=switch().config.number)


@bp.get("/api/callers")
def list_callers() -> Response:
    """The demo customers one can call as."""
    return jsonify(callers=[asdict(caller) for caller in callers()])


@bp.post("/api/calls")
def start_call() -> tuple[Response, int]:
    """Ring the support line from `from`; Gathers wait in real time for the person at the page."""
    text = _text_field("from")
    if not text:
        raise BadInput("from is required: the number to call from")
    from_ = caller_id(text)
    leg = switch().call(from_, interactive=True)
    return jsonify(_leg_json(leg)), 201


@bp.get("/api/calls")
def list_calls() -> Response:
    """The live legs of the account and those that ended moments ago, newest first."""
    shown_since = datetime.now(UTC) - ENDED_LEGS_SHOWN_FOR
    with switch().lock:
        legs = [
            leg
            for leg in switch().calls.values()
            if leg.ended_at is None or leg.ended_at >= shown_since
        ]
    legs.sort(key=lambda leg: leg.started, reverse=True)
    return jsonify(calls=[_leg_json(leg) for leg in legs])


@bp.get("/api/calls/<sid>")
def call_state(sid: str) -> Response | tuple[Response, int]:
    """A leg's status and what it heard and did, from event `since` on."""
    since = _since()
    leg = switch().leg(sid)
    if leg is None:
        return _error(404, f"no call {sid}")
    # Read `ended` before the transcript so a client that sees it also has the last events.
    state = _leg_json(leg)
    transcript = list(leg.transcript)
    events = [_event_json(i, e) for i, e in enumerate(transcript[since:], start=since)]
    return jsonify({**state, "events": events, "next": len(transcript)})


def _act(sid: str, action: Callable[[Call], None]) -> Response | tuple[Response, int]:
    leg = switch().leg(sid)
    if leg is None:
        return _error(404, f"no call {sid}")
    if leg.ended:
        return _error(409, f"call {sid} is over")
    action(leg)
    return jsonify(_leg_json(leg)), 202


@bp.post("/api/calls/<sid>/press")
def press(sid: str) -> Response | tuple[Response, int]:
    """Key in digits on this leg's keypad."""
    digits = _text_field("digits")
    if not _DIGITS.fullmatch(digits):
        raise BadInput("digits must be 1 to 32 of 0-9, * and #")
    return _act(sid, lambda leg: leg.press(digits))


@bp.post("/api/calls/<sid>/say")
def say(sid: str) -> Response | tuple[Response, int]:
    """Speak words on this leg: answers a speech Gather, or is recorded."""
    words = _text_field("words")
    if not words or len(words) > MAX_WORDS_LENGTH:
        raise BadInput(f"words must be 1 to {MAX_WORDS_LENGTH} characters")
    return _act(sid, lambda leg: leg.say(words))


@bp.post("/api/calls/<sid>/silence")
def silence(sid: str) -> Response | tuple[Response, int]:
    """Say nothing: the current Gather or Record times out now."""
    return _act(sid, Call.stay_silent)


@bp.post("/api/calls/<sid>/hangup")
def hang_up(sid: str) -> Response | tuple[Response, int]:
    """Put this leg's phone down."""
    return _act(sid, Call.hang_up)


@bp.get("/api/messages")
def list_messages() -> Response:
    """SMS the app sent, from message `since` on."""
    since = _since()
    with switch().lock:
        messages = list(switch().messages)
    return jsonify(
        messages=[_message_json(i, m) for i, m in enumerate(messages[since:], start=since)],
        next=len(messages),
    )
