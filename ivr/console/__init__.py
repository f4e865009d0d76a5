"""The staff console under /console/: signing in and out, and the pages reps and supervisors
work from. Server-rendered HTML; every form carries the session's CSRF token."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

# The views register themselves on `bp` when their modules are imported.
from ivr.console import login, pages, recordings  # noqa: E402

__all__ = ["bp", "login", "pages", "recordings"]
