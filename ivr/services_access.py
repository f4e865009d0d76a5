"""The one accessor views use to reach the process's services."""

from __future__ import annotations

from flask import current_app

from ivr.services import Services

EXTENSION = "ivr"


def services() -> Services:
    """The services the app factory built for this app."""
    return current_app.extensions[EXTENSION]
