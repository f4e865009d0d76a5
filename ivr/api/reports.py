"""Reports for supervisors (and the API token): `GET /api/reports/cases`, `.../calls`,
`.../recurring`, `.../promises?days=7`. Read from rollups kept as cases change and calls end:
fast however many there are."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from flask import Response, jsonify, request

from crm.call_reports import calls_by_tier
from crm.case_reports import case_report, recurring_report
from crm.models import utcnow
from ivr.api import bp
from ivr.api.auth import asking, error
from ivr.services_access import services
from voicemail.promises import promise_report

MAX_DAYS = 366


@bp.get("/reports/<name>")
def get_report(name: str) -> Response:
    """One report by name; 404 for a report there is none of, 403 for a rep."""
    if not asking().is_supervisor:
        return error(403, f"{asking().id} is not a supervisor; reports are for supervisors")
    if name == "cases":
        return jsonify(asdict(case_report(services().redis, services().keys)))
    if name == "calls":
        tiers = calls_by_tier(services().redis, services().keys)
        return jsonify(calls=[asdict(row) | {"abandonment": row.abandonment} for row in tiers])
    if name == "recurring":
        rows = recurring_report(services().redis, services().keys)
        return jsonify(recurring=[asdict(row) for row in rows])
    if name == "promises":
        days = request.args.get("days", "7")
        if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
            return error(400, f"days: a whole number from 1 to {MAX_DAYS}")
        now = utcnow()
        figures = promise_report(services().callbacks, now - timedelta(days=int(days)), now)
        return jsonify(days=int(days), **asdict(figures))
    return error(404, f"no report {name!r}; there are: cases, calls, recurring, promises")
