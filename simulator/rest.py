"""Twilio's REST API, as far as the app uses it, so `twilio.rest.Client` works unchanged.

Served under `/2010-04-01/Accounts/<AccountSid>/`: calls (create, fetch, redirect, hang up),
queues and their members (dequeue), messages and recordings. Requests must carry the account's
credentials (HTTP basic auth), as Twilio requires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request

from simulator.account import API_VERSION, new_sid
from simulator.leg import Leg
from simulator.people import Person
from simulator.switch import MAX_QUEUE_SIZE, Call, Message, Queue, Switch

bp = Blueprint("rest", __name__, url_prefix=f"/{API_VERSION}/Accounts/<account_sid>")

P = ParamSpec("P")
R = TypeVar("R")
SILENT_WAV = (
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00"
    b"\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
)


def switch() -> Switch:
    """The simulated account this server plays."""
    return current_app.extensions["switch"]


def _error(status: int, code: int, message: str) -> Response:
    response = jsonify(
        code=code,
        message=message,
        more_info=f"https://www.twilio.com/docs/errors/{code}",
        status=status,
    )
    response.status_code = status
    return response


def authenticated(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Refuse requests without the account's SID and auth token, as Twilio does (and fail
    those the test asked to fail, as Twilio does in an incident)."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if switch().rest_fails_now():
            return _error(500, 20500, "Internal Server Error")
        config = switch().config
        auth = request.authorization
        if (
            auth is None
            or auth.username != config.account_sid
            or auth.password != config.auth_token
            or kwargs.get("account_sid") != config.account_sid
        ):
            return _error(401, 20003, "Authenticate")
        return view(*args, **kwargs)

    return checked


def _date(value: datetime | None) -> str | None:
    return format_datetime(value) if value else None


def _call_json(leg: Call) -> dict[str, Any]:
    account = switch().config.account_sid
    return {
        "sid": leg.sid,
        "account_sid": account,
        "parent_call_sid": leg.parent.sid if leg.parent else None,
        "to": leg.to,
        "from": leg.from_,
        "status": leg.status,
        "direction": leg.direction,
        "start_time": _date(leg.started),
        "end_time": _date(leg.ended_at),
        "date_created": _date(leg.started),
        "api_version": API_VERSION,
        "uri": f"/{API_VERSION}/Accounts/{account}/Calls/{leg.sid}.json",
    }


def _queue_json(line: Queue) -> dict[str, Any]:
    account = switch().config.account_sid
    return {
        "sid": line.sid,
        "account_sid": account,
        "friendly_name": line.name,
        "current_size": len(line.members),
        "max_size": line.max_size,
        "average_wait_time": line.average_wait(),
        "date_created": _date(line.created),
        "uri": f"/{API_VERSION}/Accounts/{account}/Queues/{line.sid}.json",
    }


def _member_json(line: Queue, leg: Leg) -> dict[str, Any]:
    enqueued = leg.enqueued_at or leg.started
    return {
        "call_sid": leg.sid,
        "queue_sid": line.sid,
        "position": line.position(leg),
        "wait_time": line.wait_of(leg),
        "date_enqueued": _date(enqueued),
    }


def _page(key: str, items: list[dict[str, Any]]) -> Response:
    return jsonify(
        {
            key: items,
            "page": 0,
            "page_size": max(len(items), 50),
            "start": 0,
            "end": max(len(items) - 1, 0),
            "first_page_uri": request.path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": request.path,
        }
    )


@bp.post("/Calls.json")
@authenticated
def create_call(account_sid: str) -> Response | tuple[Response, int]:
    """Place an outbound call: ring `To` and, once answered, follow `Url` (or `Twiml`)."""
    form = request.form
    to, from_ = form.get("To", ""), form.get("From", "")
    url, twiml = form.get("Url"), form.get("Twiml")
    if not to or not from_:
        return _error(400, 21201, "To and From are required")
    if not url and not twiml:
        return _error(400, 21205, "Url or Twiml is required")
    sim = switch()
    person = sim.people.get(to) or Person(endpoint=to, presses=None)
    leg = sim.add_leg(
        Call(
            sim,
            from_=from_,
            to=to,
            direction="outbound-api",
            person=person,
            status_callback=form.get("StatusCallback"),
            status_events=tuple(form.getlist("StatusCallbackEvent")) or ("completed",),
        )
    )
    leg.start(url, form.get("Method", "POST"), twiml)
    return jsonify(_call_json(leg)), 201


@bp.get("/Calls/<call_sid>.json")
@authenticated
def fetch_call(account_sid: str, call_sid: str) -> Response:
    """A call's state."""
    leg = switch().leg(call_sid)
    return jsonify(_call_json(leg)) if leg else _error(404, 20404, "call not found")


@bp.post("/Calls/<call_sid>.json")
@authenticated
def update_call(account_sid: str, call_sid: str) -> Response:
    """Redirect a live call to new TwiML (`Url` or inline `Twiml`), or end it (`Status`)."""
    leg = switch().leg(call_sid)
    if leg is None:
        return _error(404, 20404, "call not found")
    if leg.ended:
        return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
    form = request.form
    if form.get("Status") in ("completed", "canceled"):
        leg.hang_up()
    elif form.get("Twiml"):
        # As when creating a call, inline TwiML wins over a URL.
        leg.redirect_twiml(form["Twiml"])
    elif form.get("Url"):
        leg.redirect(form["Url"], form.get("Method", "POST"))
    else:
        return _error(400, 21205, "Url, Twiml or Status is required")
    return jsonify(_call_json(leg))


@bp.get("/Queues.json")
@authenticated
def list_queues(account_sid: str) -> Response:
    """Every queue of the account."""
    with switch().lock:
        return _page("queues", [_queue_json(line) for line in switch().queues.values()])


@bp.post("/Queues.json")
@authenticated
def create_queue(account_sid: str) -> Response | tuple[Response, int]:
    """Create a queue (or return the one with that name)."""
    size = request.form.get("MaxSize", "")
    if size and not (size.isdigit() and 1 <= int(size) <= MAX_QUEUE_SIZE):
        return _error(400, 21201, f"MaxSize must be a whole number from 1 to {MAX_QUEUE_SIZE}")
    line = switch().queue(request.form.get("FriendlyName", ""))
    if size:
        line.max_size = int(size)
    return jsonify(_queue_json(line)), 201


@bp.get("/Queues/<queue_sid>.json")
@authenticated
def fetch_queue(account_sid: str, queue_sid: str) -> Response:
    """One queue's size and settings."""
    line = switch().queue_by_sid(queue_sid)
    return jsonify(_queue_json(line)) if line else _error(404, 20404, "queue not found")


@bp.get("/Queues/<queue_sid>/Members.json")
@authenticated
def list_members(account_sid: str, queue_sid: str) -> Response:
    """The callers waiting in a queue, in order."""
    line = switch().queue_by_sid(queue_sid)
    if line is None:
        return _error(404, 20404, "queue not found")
    with switch().lock:
        return _page("queue_members", [_member_json(line, leg) for leg in line.members])


@bp.route("/Queues/<queue_sid>/Members/<member>.json", methods=["GET", "POST"])
@authenticated
def member(account_sid: str, queue_sid: str, member: str) -> Response:
    """Fetch a member (`Front` or a CallSid) or, with `Url`, dequeue it to that TwiML."""
    sim = switch()
    line = sim.queue_by_sid(queue_sid)
    if line is None:
        return _error(404, 20404, "queue not found")
    if request.method == "POST" and not request.form.get("Url"):
        return _error(400, 21205, "Url is required")
    with sim.lock:
        waiting = (
            line.members if member == "Front" else [m for m in line.members if m.sid == member]
        )
        leg = waiting[0] if waiting else None
        if leg is None:
            return _error(404, 20404, "queue member not found")
        body = _member_json(line, leg)
        if request.method == "POST":
            leg.redirect(request.form["Url"], request.form.get("Method", "POST"))
    return jsonify(body)


@bp.post("/Messages.json")
@authenticated
def send_message(account_sid: str) -> tuple[Response, int] | Response:
    """Send an SMS: kept in the switch for tests and the dev phone to read."""
    form = request.form
    if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
        return _error(400, 21604, "To and From are required")
    if not form.get("Body"):
        return _error(400, 21602, "Message body is required")
    message = Message(new_sid("SM"), form["To"], form.get("From", ""), form["Body"])
    with switch().lock:
        switch().messages.append(message)
    return jsonify(
        sid=message.sid,
        account_sid=account_sid,
        to=message.to,
        from_=message.from_,
        body=message.body,
        status="queued",
        direction="outbound-api",
        date_created=_date(message.created),
        uri=f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message.sid}.json",
    ), 201


@bp.get("/Recordings/<recording_sid>.json")
@authenticated
def fetch_recording(account_sid: str, recording_sid: str) -> Response:
    """A recording's metadata."""
    recording = switch().recordings.get(recording_sid)
    if recording is None:
        return _error(404, 20404, "recording not found")
    return jsonify(
        sid=recording.sid,
        account_sid=account_sid,
        call_sid=recording.call_sid,
        duration=str(recording.duration),
        status="completed",
        channels=1,
        source="RecordVerb",
        date_created=_date(recording.created),
        uri=f"/{API_VERSION}/Accounts/{account_sid}/Recordings/{recording.sid}.json",
    )


@bp.get("/Recordings/<recording>")
@authenticated
def recording_media(account_sid: str, recording: str) -> Response:
    """A recording's audio (silence of the right kind; its words are in the transcript)."""
    sid = recording.rsplit(".", 1)[0]
    if sid not in switch().recordings:
        return _error(404, 20404, "recording not found")
    return Response(SILENT_WAV, mimetype="audio/x-wav")
