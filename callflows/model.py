"""The base of every part of a call flow: what the business wrote, checked strictly."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FlowModel(BaseModel):
    """A part of a call flow: unknown keys are refused (a typo is an error, not a default),
    and a loaded flow never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
