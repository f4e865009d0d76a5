"""Caller identification: from a caller ID to a customer, their tier and their open cases."""

from __future__ import annotations

from importlib.resources import files

from pydantic import BaseModel, ConfigDict
from redis import Redis
from redis.client import Pipeline

from crm.calls import CallLog
from crm.keys import Keys
from crm.models import CallRecord, Case, Customer, Tier, TierThresholds

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
        self._redis = redis
        self._keys = keys
        self._thresholds = thresholds
        self._identify = redis.register_script(_IDENTIFY)

    def identify(self, phone: str | None) -> Caller:
        """Look a caller up by E.164 number; None (withheld, browser, SIP) is an unknown caller."""
        if phone is None:
            return Caller(phone=None)
        with self._redis.pipeline(transaction=False) as pipe:
            self.queue_identify(pipe, phone)
            (found,) = pipe.execute()
        return self.caller_from(phone, found)

    def queue_identify(self, pipe: Pipeline, phone: str) -> None:
        """Add the lookup of `phone` to a pipeline; read its result with `caller_from`."""
        self._identify(
            keys=[self._keys.customer(phone), self._keys.open_cases_of_caller(phone)],
            args=[self._keys.case("")],
            client=pipe,
        )

    def caller_from(self, phone: str, found: list[str | None]) -> Caller:
        """The caller described by a `queue_identify` result."""
        raw_customer, *raw_cases = found
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


def receive_call(
    redis: Redis, directory: Directory, calls: CallLog, record: CallRecord, first_step: str
) -> Caller:
    """Identify a new call's caller and log the call, together in one round trip."""
    if record.from_number is None:
        calls.start(record, first_step)
        return Caller(phone=None)
    with redis.pipeline(transaction=False) as pipe:
        directory.queue_identify(pipe, record.from_number)
        calls.queue_start(pipe, record, first_step)
        found, _ = pipe.execute()
    return directory.caller_from(record.from_number, found)
