"""Manager escalations: callers waiting for a manager, a supervisor accepting one (first
accept wins), and a rep handing a live call up."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field

from crm.models import Role
from ivr import dispatch
from ivr.api import bp
from ivr.api.auth import asking, body, error, not_theirs
from ivr.api.paging import Paging, page_of, query
from ivr.services_access import services
from queues import lines
from queues.dispatcher import Moved
from queues.routing_results import Claim, Refused

REFUSALS = {
    "taken": "escalation {id} was already taken by {detail}",
    "gone": "escalation {id} is no longer waiting",
    "busy": "{rep} is on a call ({detail}); finish it first",
}


class Acceptance(BaseModel):
    """`{"supervisor": "mo"}`: who takes the call. A signed-in supervisor takes it themselves
    and may leave it out; the API token's holder names them."""

    model_config = ConfigDict(extra="forbid")

    supervisor: str | None = Field(default=None, min_length=1, max_length=64)


class HandUp(BaseModel):
    """`{"reason": "..."}`: why a rep hands their caller to a manager."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


@bp.get("/escalations")
def list_escalations() -> Response:
    """Callers waiting for a manager, longest first in our order: id, caller, reason, wait."""
    now = services().router.now()
    waiting = []
    for call_sid, entry in services().router.waiting_on(lines.MANAGERS):
        phone = entry.get("phone", "")
        customer = services().customers.get(phone) if phone else None
        waiting.append(
            {
                "id": call_sid,
                "phone": phone or None,
                "name": customer.name if customer else None,
                "tier": entry.get("tier", "standard"),
                "reason": entry.get("reason", ""),
                "waiting_seconds": round(now - float(entry.get("arrived", now))),
            }
        )
    return page_of("escalations", waiting, query(Paging))


@bp.post("/escalations/<call_sid>/accept")
def accept_escalation(call_sid: str) -> Response:
    """A supervisor takes a waiting manager call: their phone rings with it. The first accept
    wins; a later one, or one for a caller no longer waiting, gets 409 and changes nothing."""
    acceptance = body(Acceptance)
    staff = asking()
    if not staff.is_supervisor:
        return error(403, f"{staff.id} is not a supervisor; only supervisors take manager calls")
    taker = acceptance.supervisor if staff.by_token else acceptance.supervisor or staff.id
    if taker is None:
        return error(400, 'name the supervisor who takes the call: {"supervisor": "<id>"}')
    if not staff.by_token and taker != staff.id:
        return error(403, f"{staff.id} may accept a manager call only for themselves")
    supervisor = services().reps.get(taker)
    if supervisor is None:
        return error(404, f"no rep with id {taker!r}")
    if supervisor.role is not Role.SUPERVISOR:
        return error(
            403, f"{supervisor.id} is not a supervisor; only supervisors take manager calls"
        )
    if services().router.entry(call_sid).get("line") != lines.MANAGERS:
        return error(404, f"no escalation {call_sid} is waiting")
    taken = services().router.take(call_sid, supervisor.id)
    if isinstance(taken, Refused):
        message = REFUSALS[taken.reason].format(id=call_sid, detail=taken.detail, rep=supervisor.id)
        return error(409, message)
    claim = Claim(call_sid=call_sid, rep_id=supervisor.id, line=lines.MANAGERS)
    moved = dispatch.connect(current_app, claim)
    if moved is Moved.UNREACHABLE:
        services().router.unclaim(call_sid, supervisor.id)
        return error(503, "Twilio cannot be reached to ring you now; try again in a moment")
    if moved is Moved.GONE:
        services().router.release(call_sid, None)
        return error(409, f"the caller of escalation {call_sid} has hung up")
    return jsonify(id=call_sid, accepted_by=supervisor.id)


@bp.post("/calls/<call_sid>/escalate")
def escalate_call(call_sid: str) -> Response:
    """A rep hands their live caller up to a manager: the rep's part ends (wrap-up), the
    caller goes to a free supervisor or waits on the managers' line."""
    hand_up = body(HandUp)
    entry = services().router.entry(call_sid)
    rep_id = entry.get("rep", "")
    if entry.get("state") != "offered" or not rep_id:
        return error(409, f"call {call_sid} is not with a rep now")
    if refused := not_theirs(rep_id, f"hand call {call_sid} up"):
        return refused
    # The rep's part ends first, so the caller's next step cannot ring them again.
    services().router.finished(call_sid, rep_id, entry.get("line", lines.SUPPORT), None)
    moved = dispatch.move_call(
        current_app, call_sid, "voice.escalated", by=rep_id, reason=hand_up.reason
    )
    if moved is not Moved.MOVED:
        return error(409, f"call {call_sid} could not be moved ({moved.value})")
    return jsonify(id=call_sid, escalated_by=rep_id)
