"""Twilio's webhook parameters as pydantic models: the edge where caller IDs become E.164."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from crm.phones import caller_e164


class TwilioCall(BaseModel):
    """The parameters Twilio sends with every voice webhook."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    call_sid: str = Field(alias="CallSid", min_length=2, max_length=64)
    account_sid: str = Field(alias="AccountSid", min_length=2, max_length=64)
    caller_id: str = Field(alias="From", default="", max_length=256)
    to: str = Field(alias="To", default="", max_length=256)
    call_status: str = Field(alias="CallStatus", default="")
    direction: str = Field(alias="Direction", default="inbound")
    from_number: str | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str], region: str) -> TwilioCall:
        """Parse a webhook form; `from_number` is the caller's E.164 number or None if unknown."""
        call = cls.model_validate(dict(form))
        return call.model_copy(update={"from_number": caller_e164(call.caller_id, region)})
