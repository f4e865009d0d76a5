"""Callbacks: the promises waiting to be kept, calling one off, and starting one now."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field

from crm.models import utcnow
from ivr import callback_calls
from ivr.api import bp
from ivr.api.auth import body, error, not_theirs
from ivr.api.paging import Paging, page_of, query
from ivr.services_access import services
from voicemail.book import CallbackRefused
from voicemail.models import Callback, CallbackState
from voicemail.promises import at_risk


class Cancellation(BaseModel):
    """`{"reason": "..."}`: why the callback is called off (kept on it)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="cancelled by staff", min_length=1, max_length=500)


def as_json(callback: Callback) -> dict[str, object]:
    """What the API shows of a callback."""
    return {
        "id": callback.id,
        "phone": callback.phone,
        "line": callback.line,
        "case": callback.case or None,
        "owner": callback.owner or None,
        "state": callback.state.value,
        "attempts": callback.attempts,
        "max_attempts": callback.max_attempts,
        "due": callback.due.isoformat(),
        "promised_by": callback.promised_by.isoformat(),
        "at_risk": at_risk(callback, utcnow()),
        "messages": len(callback.messages),
    }


@bp.get("/callbacks")
def list_callbacks() -> Response:
    """Callbacks not yet kept, soonest due first, a page at a time."""
    waiting = [as_json(c) for c in services().callbacks.open_callbacks()]
    return page_of("callbacks", waiting, query(Paging))


@bp.post("/callbacks/<callback_id>/cancel")
def cancel_callback(callback_id: str) -> Response:
    """Call a callback off, its owner or a supervisor: 404 for none, 403 for someone else's,
    409 once it is closed."""
    cancellation = body(Cancellation)
    callback = services().callbacks.get(callback_id)
    if callback is None:
        return error(404, f"no callback {callback_id}")
    if refused := not_theirs(callback.owner, f"cancel callback {callback_id}"):
        return refused
    try:
        was = services().callbacks.cancel(callback_id, cancellation.reason)
    except CallbackRefused as exc:
        return error(409, str(exc))
    services().router.release(callback_id, None)
    return jsonify(id=callback_id, state=CallbackState.CANCELLED.value, was=was.value)


@bp.post("/callbacks/<callback_id>/dispatch")
def dispatch_callback(callback_id: str) -> Response:
    """Start a callback now, whatever its due time: it joins its line (a free rep is rung at
    once). 404 for none, 409 when it is being dialled or closed."""
    callback = services().callbacks.get(callback_id)
    if callback is None:
        return error(404, f"no callback {callback_id}")
    if refused := not_theirs(callback.owner, f"start callback {callback_id}"):
        return refused
    if callback.state not in (CallbackState.PENDING, CallbackState.RETRY_WAIT):
        return error(409, f"callback {callback_id} is {callback.state.value}")
    callback_calls.join_line(current_app, callback_id)
    now = services().callbacks.get(callback_id)
    assert now is not None  # callbacks are never deleted
    return jsonify(
        id=callback_id, state=now.state.value, position=services().router.position(callback_id)
    )
