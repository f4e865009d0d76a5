"""Only Twilio may drive a call: every Twilio-facing view checks `X-Twilio-Signature`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Response, request

from ivr.services_access import services

P = ParamSpec("P")
R = TypeVar("R")


def signed_url() -> str:
    """The URL Twilio signed: the public base (as Twilio sees us, past proxies) + path + query."""
    query = request.query_string.decode()
    base = str(services().settings.public_base_url)
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def twilio_signed(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Answer 403, before the view runs and changes anything, unless Twilio signed the request."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not services().validator.validate(
            signed_url(), request.form, signature
        ):
            return Response("invalid or missing X-Twilio-Signature\n", 403, mimetype="text/plain")
        return view(*args, **kwargs)

    return checked
