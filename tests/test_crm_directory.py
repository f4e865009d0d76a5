"""Who is calling: a customer with several open cases is known with every case and its owner."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.keys import Keys
from crm.models import CallRecord, Customer, Presence, Rep, Tier
from ivr.services import Services

ADA = "+14155550100"


@pytest.fixture
def staffed(services: Services) -> Services:
    services.reps.save_all(
        [
            Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x"),
            Rep(id="kim", name="Kim Lee", endpoint="client:kim", password_hash="x"),
            Rep(id="mia", name="Mia Chen", endpoint="+14155550300", password_hash="x"),
        ]
    )
    services.customers.save_all([Customer(phone=ADA, name="Ada", spend=Decimal(12000))])
    services.presence.set("sam", Presence.AVAILABLE)
    services.presence.set("kim", Presence.BUSY)
    return services


def test_caller_with_several_open_cases_gets_all_of_them_oldest_first_with_owners(
    staffed: Services,
) -> None:
    # References that cross a digit boundary: oldest first is not alphabetical order.
    staffed.redis.set(Keys().case_sequence, 9998)
    first = staffed.cases.open(ADA, "sam", "Router drops the line")
    second = staffed.cases.open(ADA, "kim", "Bill charged twice", "billing")
    third = staffed.cases.open(ADA, "sam", "Slow evenings")
    assert (first.reference, second.reference, third.reference) == ("C-9999", "C-10000", "C-10001")

    caller = staffed.directory.identify(ADA)

    assert caller.known and caller.tier is Tier.GOLD
    assert [case.reference for case in caller.open_cases] == ["C-9999", "C-10000", "C-10001"]
    assert [case.subject for case in caller.open_cases] == [
        "Router drops the line",
        "Bill charged twice",
        "Slow evenings",
    ]
    owners = [caller.owner_of(case) for case in caller.open_cases]
    assert [(o.rep.name if o.rep else None, o.presence) for o in owners] == [
        ("Sam Rivera", Presence.AVAILABLE),
        ("Kim Lee", Presence.BUSY),
        ("Sam Rivera", Presence.AVAILABLE),
    ]


def test_owner_without_presence_is_offline_and_a_vanished_owner_is_nobody(
    staffed: Services,
) -> None:
    staffed.cases.open(ADA, "mia", "Wrong invoice address")
    staffed.redis.hdel(Keys().presence, "mia")  # a rep with no presence recorded at all
    staffed.cases.open(ADA, "kim", "Modem lights")
    staffed.redis.delete(Keys().rep("kim"))  # an owner removed from the directory since

    caller = staffed.directory.identify(ADA)

    mia, kim = (caller.owner_of(case) for case in caller.open_cases)
    assert mia.rep is not None and mia.rep.id == "mia" and mia.presence is Presence.OFFLINE
    assert kim.rep is None


def test_receive_logs_the_call_and_knows_every_open_case(staffed: Services) -> None:
    staffed.cases.open(ADA, "sam", "Router drops the line")
    staffed.cases.open(ADA, "kim", "Bill charged twice")
    record = CallRecord(call_sid="CA1", from_number=ADA, caller_id=ADA)

    caller = staffed.directory.receive(record, staffed.calls, "incoming")

    assert [case.owner for case in caller.open_cases] == ["sam", "kim"]
    logged = staffed.calls.get("CA1")
    assert logged is not None and logged.path == ["incoming"]
