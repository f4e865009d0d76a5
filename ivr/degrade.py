"""What each webhook answers when it cannot do its job: declared by the view, next to it.

A caller must never hear an error, and each step degrades to what *that* step means without
Redis: a message stays a message, a finished conversation says goodbye, the manager line stays
the manager line. So every Twilio-facing view names its own degraded answer with
`@degrades_to(...)`, and the blueprint's error handler plays it when the view fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, request
from redis import RedisError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

Answer = Callable[[], Response]
V = TypeVar("V", bound=Callable[..., Response])
_ATTRIBUTE = "degraded_answer"


def degrades_to(answer: Answer) -> Callable[[V], V]:
    """Declare what the view answers, without Redis, when it fails.

    `answer` reads the request itself and must not touch Redis.
    """

    def mark(view: V) -> V:
        setattr(view, _ATTRIBUTE, answer)
        return view

    return mark


def declared_answer(view: Callable[..., object] | None) -> Answer | None:
    """The degraded answer a view declared, if any (the checks of the URL map use this too)."""
    return getattr(view, _ATTRIBUTE, None)


def answer_anyway(bp: Blueprint, last_resort: Answer) -> None:
    """Make `bp`'s failing views play their degraded answer; `last_resort` if that fails too.

    HTTP errors (a bad signature, a malformed request) keep their 4xx: those are not calls
    going wrong, and the request must change nothing.
    """

    @bp.errorhandler(Exception)
    def degraded(exc: Exception) -> Response | HTTPException:
        if isinstance(exc, HTTPException):
            return exc
        if isinstance(exc, RedisError):
            log.error("Redis unavailable during %s: %s", request.path, exc)
        else:
            log.exception("webhook %s failed", request.path)
        answer = declared_answer(current_app.view_functions.get(request.endpoint or ""))
        try:
            return (answer or last_resort)()
        except HTTPException as http_error:
            return http_error
        except Exception:
            log.exception("degraded answer of %s failed", request.path)
            return last_resort()
