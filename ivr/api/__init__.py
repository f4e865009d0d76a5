"""The JSON API under /api/: staff and integrations, with the token (later the console session).

Errors are JSON `{"error": "..."}` with a 4xx status; a request that fails changes nothing.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

# The views and the guard register themselves on `bp` when their modules are imported.
from ivr.api import auth, callbacks, cases, escalations, me, reports, reps  # noqa: E402

__all__ = ["auth", "bp", "callbacks", "cases", "escalations", "me", "reports", "reps"]
