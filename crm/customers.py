"""The customer directory: customers by the number they call from, or by account number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from redis import Redis
from redis.client import Pipeline

from crm.keys import Keys
from crm.models import Customer


@dataclass(frozen=True)
class AccountClaim:
    """An account number a customer was given that another customer already holds."""

    account: str
    phone: str
    holder: str


class AccountTaken(ValueError):
    """Raised when saving would move account numbers from one customer to another."""

    def __init__(self, claims: list[AccountClaim]) -> None:
        super().__init__("; ".join(f"account {c.account} is already {c.holder}'s" for c in claims))
        self.claims = claims


class CustomerRepository:
    """Customers stored as JSON under their E.164 phone, so caller ID lookup is one GET."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def get(self, phone: str) -> Customer | None:
        """The customer who calls from `phone` (E.164), if known."""
        raw = self._redis.get(self._keys.customer(phone))
        return Customer.from_stored(raw) if raw else None

    def by_account(self, account: str) -> Customer | None:
        """The customer with this account number, if any."""
        phone = cast(str | None, self._redis.hget(self._keys.customer_by_account, account))
        customer = self.get(phone) if phone else None
        return customer if customer and customer.account == account else None

    def save_all(self, customers: Iterable[Customer]) -> int:
        """Store customers in one transaction: all of them or, if Redis fails, none.

        An account number still held by a customer not among these is refused with
        `AccountTaken`, and nothing is stored: an account belongs to one customer.
        """
        batch = list(customers)
        with_account = {c.account: c.phone for c in batch if c.account is not None}
        phones = {c.phone for c in batch}

        def write(pipe: Pipeline) -> None:
            taken = self._holders(pipe, with_account, phones)
            if taken:
                raise AccountTaken(taken)
            pipe.multi()
            for customer in batch:
                pipe.set(self._keys.customer(customer.phone), customer.model_dump_json())
                if customer.account:
                    pipe.hset(self._keys.customer_by_account, customer.account, customer.phone)

        self._redis.transaction(write, self._keys.customer_by_account)
        return len(batch)

    def _holders(
        self, pipe: Pipeline, wanted: dict[str, str], saved: set[str]
    ) -> list[AccountClaim]:
        """Accounts in `wanted` (account -> phone) that a customer outside `saved` still holds.

        The index alone can be stale (a customer re-imported with another account), so each
        holder's own record has the last word. The holders are watched, so a change to any of
        them between this read and the write makes the transaction start again.
        """
        if not wanted:
            return []
        accounts = list(wanted)
        indexed = cast(list[str | None], pipe.hmget(self._keys.customer_by_account, accounts))
        others = {
            account: holder
            for account, holder in zip(accounts, indexed, strict=True)
            if holder is not None and holder != wanted[account] and holder not in saved
        }
        if not others:
            return []
        holder_keys = [self._keys.customer(phone) for phone in others.values()]
        pipe.watch(*holder_keys)
        records = cast(list[str | None], pipe.mget(holder_keys))
        return [
            AccountClaim(account=account, phone=wanted[account], holder=holder)
            for (account, holder), raw in zip(others.items(), records, strict=True)
            if raw is not None and Customer.from_stored(raw).account == account
        ]
