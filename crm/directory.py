"""Caller identification: from a caller ID to a customer, their tier, open cases and owners."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from redis import Redis
from redis.client import Pipeline

from crm.calls import START_CALL, CallLog
from crm.keys import Keys
from crm.models import CallRecord, Case, Customer, Presence, Rep, Tier, TierThresholds
from crm.scripts import LuaScript, run_scripts

WHO_IS_CALLING = ("crm", "who_is_calling")
IDENTIFY = LuaScript("identify", libraries=[WHO_IS_CALLING])
_FIELDS_PER_CASE = 3  # case, owner, owner's presence


@dataclass(frozen=True)
class CaseOwner:
    """The rep who owns a case and whether they can take a call now."""

    rep: Rep | None
    presence: Presence = Presence.OFFLINE


@dataclass(frozen=True)
class Caller:
    """What the line knows about whoever is calling; an unknown caller has no customer.

    Assembled from records already validated on the way out of Redis, so a plain dataclass:
    checking them again on every call would cost every caller time.
    """

    phone: str | None
    customer: Customer | None = None
    tier: Tier = Tier.STANDARD
    open_cases: tuple[Case, ...] = ()
    owners: Mapping[str, CaseOwner] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        """True when caller ID matched a customer."""
        return self.customer is not None

    def owner_of(self, case: Case) -> CaseOwner:
        """The owner of one of the caller's open cases."""
        return self.owners.get(case.owner, CaseOwner(rep=None))


class Directory:
    """Answers "who is calling?" with one Redis round trip per call."""

    def __init__(self, redis: Redis, keys: Keys, thresholds: TierThresholds) -> None:
        self._redis = redis
        self._keys = keys
        self._thresholds = thresholds

    def identify(self, phone: str | None) -> Caller:
        """Look a caller up by E.164 number; None (withheld, browser, SIP) is an unknown caller."""
        if phone is None:
            return Caller(phone=None)
        (found,) = run_scripts(
            self._redis, lambda pipe: self.queue_identify(pipe, phone), [IDENTIFY]
        )
        return self.caller_from(phone, found)

    def receive(self, record: CallRecord, calls: CallLog, first_step: str) -> Caller:
        """Identify a new call's caller and log the call, together in one round trip."""
        phone = record.from_number
        if phone is None:
            calls.start(record, first_step)
            return Caller(phone=None)

        def build(pipe: Pipeline) -> None:
            self.queue_identify(pipe, phone)
            calls.queue_start(pipe, record, first_step)

        found, _ = run_scripts(self._redis, build, [IDENTIFY, START_CALL])
        return self.caller_from(phone, found)

    def queue_identify(self, pipe: Pipeline, phone: str) -> None:
        """Add the lookup of `phone` to a pipeline; read its result with `caller_from`."""
        IDENTIFY.queue(
            pipe,
            keys=[
                self._keys.customer(phone),
                self._keys.open_cases_of_caller(phone),
                self._keys.presence,
            ],
            args=[self._keys.case(""), self._keys.rep("")],
        )

    def caller_from(self, phone: str, found: list[str | None]) -> Caller:
        """The caller described by a `queue_identify` result."""
        raw_customer, *per_case = found
        customer = Customer.from_stored(raw_customer) if raw_customer else None
        cases: list[Case] = []
        owners: dict[str, CaseOwner] = {}
        for index in range(0, len(per_case), _FIELDS_PER_CASE):
            raw_case, raw_owner, presence = per_case[index : index + _FIELDS_PER_CASE]
            case = Case.from_stored(cast(str, raw_case))  # present: the script checked
            cases.append(case)
            owners[case.owner] = CaseOwner(
                rep=Rep.from_stored(raw_owner) if raw_owner else None,
                presence=Presence(presence) if presence else Presence.OFFLINE,
            )
        return Caller(
            phone=phone,
            customer=customer,
            tier=self._thresholds.tier_for(customer.spend) if customer else Tier.STANDARD,
            open_cases=tuple(sorted(cases, key=lambda case: case.created_at)),
            owners=owners,
        )
