"""What the console shows, as the API serves it (the console is a face on this, with no logic
of its own): `GET /api/me`, a rep's own screen (their presence, the call ringing them or in
progress with who and why, their open cases, their callbacks), and `GET /api/floor`, the
supervisors' view (who waits on each line, reps by presence, callbacks at risk)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from crm.models import Case, Presence, utcnow
from ivr.api import bp
from ivr.api.auth import asking, error
from ivr.api.callbacks import as_json as callback_json
from ivr.screen_pop import screen_pop
from ivr.services_access import services
from voicemail.promises import at_risk


def my_case(case: Case) -> dict[str, object]:
    """A case as its owner's list shows it."""
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status.value,
        "promised_by": case.promised_by.isoformat() if case.promised_by else None,
        "flagged": case.flagged,
        "time_spent_seconds": case.time_spent_seconds,
    }


@bp.get("/me")
def me() -> Response:
    """The asker's own screen."""
    staff = asking()
    if staff.by_token:
        return error(400, "the API token is no rep: sign in to the console to have a screen")
    pop = screen_pop(services(), staff.id)
    callbacks = [c for c in services().callbacks.open_callbacks() if c.owner == staff.id]
    wrap_up = services().floor.wrap_up_left(staff.id, utcnow().timestamp())
    return jsonify(
        id=staff.id,
        name=staff.name,
        role=staff.role.value,
        presence=services().reps.presence(staff.id).value,
        wrap_up_seconds_left=wrap_up,
        call=asdict(pop) if pop else None,
        cases=[my_case(case) for case in services().cases.open_for_owner(staff.id)],
        callbacks=[callback_json(c) for c in callbacks],
    )


@bp.get("/floor")
def floor() -> Response:
    """The supervisors' view of the floor now."""
    staff = asking()
    if not staff.is_supervisor:
        return error(403, f"{staff.id} is not a supervisor; the floor is for supervisors")
    now = utcnow()
    seen = services().floor
    states = services().presence.states()
    waiting = services().callbacks.open_callbacks()
    return jsonify(
        lines=[asdict(line) for line in seen.lines(now.timestamp())],
        reps=[
            {
                "id": rep.id,
                "name": rep.name,
                "role": rep.role.value,
                "presence": states.get(rep.id, Presence.OFFLINE).value,
                "call": seen.call_of(rep.id),
            }
            for rep in services().reps.all()
        ],
        callbacks_due=sum(1 for c in waiting if c.due <= now),
        callbacks_at_risk=[callback_json(c) for c in waiting if at_risk(c, now)],
    )
