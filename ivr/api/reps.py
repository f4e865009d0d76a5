"""Reps and their presence: who is on the floor, and a rep making themselves (un)available."""

from __future__ import annotations

from flask import Response, jsonify
from pydantic import BaseModel, ConfigDict

from crm.models import Presence
from crm.reps import UnknownRep
from ivr.api import bp
from ivr.api.auth import body, error, not_theirs
from ivr.api.paging import Paging, page_of, query
from ivr.services_access import services
from queues.presence import PresenceRefused


class PresenceChange(BaseModel):
    """`{"presence": "available"}`: the state a rep sets."""

    model_config = ConfigDict(extra="forbid")

    presence: Presence


@bp.get("/reps")
def list_reps() -> Response:
    """Every rep with their role, lines and presence, a page at a time."""
    states = services().presence.states()
    return page_of(
        "reps",
        [
            {
                "id": rep.id,
                "name": rep.name,
                "role": rep.role.value,
                "lines": list(rep.lines),
                "presence": states[rep.id].value,
            }
            for rep in services().reps.all()
        ],
        query(Paging),
    )


@bp.post("/reps/<rep_id>/presence")
def set_presence(rep_id: str) -> Response:
    """Set a rep's presence, a rep their own: 404 for nobody, 400 for no such state, 403 for
    another rep's, 409 when not allowed now."""
    if refused := not_theirs(rep_id, "change their presence"):
        return refused
    change = body(PresenceChange)
    try:
        previous = services().presence.set(rep_id, change.presence)
    except UnknownRep as exc:
        return error(404, str(exc))
    except PresenceRefused as exc:
        return error(409, str(exc))
    return jsonify(id=rep_id, presence=change.presence.value, previous=previous.value)
