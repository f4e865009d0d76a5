"""Absolute URLs of our own webhooks, as Twilio must be given them inside TwiML."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import current_app

from ivr.services_access import services


def link(endpoint: str, **params: Any) -> str:
    """The public URL of `endpoint` with `params` as its query (signed by Twilio as given)."""
    query = f"?{urlencode(params)}" if params else ""
    return f"{services().settings.public_base_url}{_path(endpoint)}{query}"


@lru_cache(maxsize=64)
def _path(endpoint: str) -> str:
    # Routes never change once the app is built, and url_for is costly on every webhook.
    # Built from the URL map alone, so the worker (with no request) makes the same links.
    return current_app.url_map.bind("").build(endpoint)
