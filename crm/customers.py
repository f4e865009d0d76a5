"""The customer directory: customers by the number they call from, or by account number."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from redis import Redis

from crm.keys import Keys
from crm.models import Customer


class CustomerRepository:
    """Customers stored as JSON under their E.164 phone, so caller ID lookup is one GET."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def get(self, phone: str) -> Customer | None:
        """The customer who calls from `phone` (E.164), if known."""
        raw = self._redis.get(self._keys.customer(phone))
        return Customer.model_validate_json(raw) if raw else None

    def by_account(self, account: str) -> Customer | None:
        """The customer with this account number, if any."""
        phone = cast(str | None, self._redis.hget(self._keys.customer_by_account, account))
        customer = self.get(phone) if phone else None
        return customer if customer and customer.account == account else None

    def save_all(self, customers: Iterable[Customer]) -> int:
        """Store customers in one transaction: all of them or, if Redis fails, none."""
        count = 0
        with self._redis.pipeline(transaction=True) as pipe:
            for customer in customers:
                pipe.set(self._keys.customer(customer.phone), customer.model_dump_json())
                if customer.account:
                    pipe.hset(self._keys.customer_by_account, customer.account, customer.phone)
                count += 1
            pipe.execute()
        return count
