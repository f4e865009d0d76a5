"""Caller identification: from a caller ID to a customer, their tier and their open cases."""

from __future__ import annotations

from importlib.resources import files

from pydantic import BaseModel, ConfigDict
from redis import Redis

from crm.keys import Keys
from crm.models import Case, Customer, Tier, TierThresholds

_IDENTIFY = files("crm").joinpath("lua/identify.lua").read_text()


class Caller(BaseModel):
    """What the line knows about whoever is calling; an unknown caller has no customer."""

    model_config = ConfigDict(frozen=True)

    phone: str | None
    customer: Customer | None = None
    tier: Tier = Tier.STANDARD
    open_cases: tuple[Case, ...] = ()

    @property
    def known(self) -> bool:
        """True when caller ID matched a customer."""
        return self.customer is not None


class Directory:
    """Answers "who is calling?" with one Redis round trip per call."""

    def __init__(self, redis: Redis, keys: Keys, thresholds: TierThresholds) -> None:
        self._keys = keys
        self._thresholds = thresholds
        self._identify = redis.register_script(_IDENTIFY)

    def identify(self, phone: str | None) -> Caller:
        """Look a caller up by E.164 number; None (withheld, browser, SIP) is an unknown caller."""
        if phone is None:
            return Caller(phone=None)
        raw_customer, *raw_cases = self._identify(
            keys=[self._keys.customer(phone), self._keys.open_cases_of_caller(phone)],
            args=[self._keys.case("")],
        )
        customer = Customer.model_validate_json(raw_customer) if raw_customer else None
        cases = sorted(
            (Case.model_validate_json(raw) for raw in raw_cases), key=lambda case: case.created_at
        )
        return Caller(
            phone=phone,
            customer=customer,
            tier=self._thresholds.tier_for(customer.spend) if customer else Tier.STANDARD,
            open_cases=tuple(cases),
        )
