"""The system of record: cases stay indexed by caller and owner, calls by CallSid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.models import CallRecord, CaseStatus, Customer, Presence, Rep, Tier
from crm.reps import UnknownRep
from ivr.services import Services


@pytest.fixture
def staffed(services: Services) -> Services:
    services.reps.save_all(
        [
            Rep(id="sam", name="Sam", endpoint="+14155550200", password_hash="x"),
            Rep(id="kim", name="Kim", endpoint="client:kim", password_hash="x"),
        ]
    )
    services.customers.save_all(
        [Customer(phone="+14155550100", name="Ada", spend=Decimal(1500), account="A-1")]
    )
    return services


def test_references_count_up(staffed: Services) -> None:
    first = staffed.cases.open("+14155550100", "sam", "Router")
    second = staffed.cases.open("+14155550100", "sam", "Bill")
    assert (first.reference, second.reference) == ("C-1001", "C-1002")
    assert staffed.cases.get("c-1001") == first


def test_a_new_case_starts_its_timeline(staffed: Services) -> None:
    case = staffed.cases.open("+14155550100", "sam", "Router")
    events = staffed.cases.timeline(case.reference)
    assert [(e.kind, e.by, e.text) for e in events] == [("opened", "sam", "Router")]


def test_identify_finds_customer_tier_and_open_cases(staffed: Services) -> None:
    case = staffed.cases.open("+14155550100", "sam", "Router")
    caller = staffed.directory.identify("+14155550100")
    assert caller.customer is not None and caller.customer.name == "Ada"
    assert caller.tier is Tier.SILVER
    assert [c.reference for c in caller.open_cases] == [case.reference]


def test_unknown_and_withheld_callers(staffed: Services) -> None:
    assert not staffed.directory.identify("+14155559999").known
    assert staffed.directory.identify(None).open_cases == ()


def test_closed_case_leaves_the_open_indexes(staffed: Services) -> None:
    case = staffed.cases.open("+14155550100", "sam", "Router")
    case.status = CaseStatus.CLOSED
    staffed.cases.save(case)
    assert staffed.cases.open_for_caller("+14155550100") == []
    assert staffed.cases.open_for_owner("sam") == []
    assert staffed.cases.get(case.reference).status is CaseStatus.CLOSED


def test_a_closed_case_left_in_a_stale_index_is_not_fast_tracked(staffed: Services) -> None:
    case = staffed.cases.open("+14155550100", "sam", "Router")
    closed = case.model_copy(update={"status": CaseStatus.CLOSED})
    staffed.redis.set(f"ivr:case:{case.reference}", closed.model_dump_json())  # index not updated
    assert staffed.directory.identify("+14155550100").open_cases == ()


def test_call_steps_reach_the_event_stream(staffed: Services) -> None:
    staffed.calls.record_step("CA9", "menu:main:queue", {"menu.main": "1"})
    ((_, fields),) = staffed.redis.xrange("ivr:events")
    assert fields == {
        "event": "call.step",
        "call_sid": "CA9",
        "step": "menu:main:queue",
        "menu.main": "1",
    }


def test_reassigned_case_moves_between_owners(staffed: Services) -> None:
    case = staffed.cases.open("+14155550100", "sam", "Router")
    case.owner = "kim"
    staffed.cases.save(case)
    assert staffed.cases.open_for_owner("sam") == []
    assert [c.reference for c in staffed.cases.open_for_owner("kim")] == [case.reference]


def test_presence_of_unknown_rep_is_refused(staffed: Services) -> None:
    staffed.presence.set("sam", Presence.BUSY)
    assert staffed.reps.presence("sam") is Presence.BUSY
    with pytest.raises(UnknownRep):
        staffed.presence.set("ghost", Presence.AVAILABLE)


def test_importing_a_rep_again_keeps_their_presence(staffed: Services) -> None:
    staffed.presence.set("sam", Presence.AVAILABLE)
    staffed.reps.save_all([Rep(id="sam", name="Sam R", endpoint="+14155550200", password_hash="y")])
    assert staffed.reps.presence("sam") is Presence.AVAILABLE
    assert [rep.id for rep in staffed.reps.all()] == ["kim", "sam"]


def test_call_log_keeps_the_first_record(services: Services) -> None:
    first = CallRecord(call_sid="CA1", caller_id="+14155550100")
    assert services.calls.start(first, "incoming") is True
    assert services.calls.start(first.model_copy(update={"to": "+1"}), "incoming") is False
    services.calls.record_step("CA1", "menu:main:person", {"menu.main": "0"})
    record = services.calls.get("CA1")
    assert record.to == "" and record.path == ["incoming", "menu:main:person"]
    assert record.details == {"menu.main": "0"}


def test_models_refuse_numbers_that_are_not_e164() -> None:
    with pytest.raises(ValueError, match="international format"):
        Customer(phone="4155550100", name="Ada")
    with pytest.raises(ValueError, match="client:IDENTITY"):
        Rep(id="x", name="X", endpoint="client:has space", password_hash="h")
