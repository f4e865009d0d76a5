"""How the service answers a request it cannot use: a clear 400, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, abort
from pydantic import ValidationError

T = TypeVar("T")


def parsed(parse: Callable[[], T]) -> T:
    """Run a parse of request input; if it fails, stop the request with 400 naming each field.

    Only request input goes through here: a stored record that fails to parse is our fault,
    not the caller's, and is handled as any other failure.
    """
    try:
        return parse()
    except ValidationError as exc:
        fields = ", ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        abort(Response(f"malformed request: {fields}\n", 400, mimetype="text/plain"))
