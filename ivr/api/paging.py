"""Lists a page at a time: `?page=1&per_page=50` (at most 200), answered with the page, its
size and how many there are in all. A query that is not one is a 400 saying why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm.models import explain
from ivr.api.auth import BadInput

MAX_PER_PAGE = 200


class Paging(BaseModel):
    """Which page of a list; a list's own filters extend it."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=50, ge=1, le=MAX_PER_PAGE)

    @property
    def offset(self) -> int:
        """How many come before this page."""
        return (self.page - 1) * self.per_page


Q = TypeVar("Q", bound=Paging)


def query(model: type[Q]) -> Q:
    """The request's query string as `model`, or a 400 naming what is wrong."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise BadInput(explain(exc)) from None


def page_of(
    name: str, items: Sequence[object], paging: Paging, total: int | None = None
) -> Response:
    """A page of `items` as JSON under `name`; `total` when `items` is the page already."""
    if total is None:
        total, items = len(items), items[paging.offset : paging.offset + paging.per_page]
    return jsonify(
        {name: list(items), "page": paging.page, "per_page": paging.per_page, "total": total}
    )
