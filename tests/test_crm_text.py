"""Text a caller or rep will hear never holds a character XML 1.0 cannot carry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm.keys import Keys
from crm.models import Case, CaseEvent, Customer, Rep, explain
from ivr.services import Services

FORBIDDEN = [
    ("\x00", "a control character (U+0000)"),
    ("\x07", "a control character (U+0007)"),
    ("\x08", "a control character (U+0008)"),
    ("\x0b", "a control character (U+000B)"),
    ("\x0c", "a control character (U+000C)"),
    ("\x0e", "a control character (U+000E)"),
    ("\x1f", "a control character (U+001F)"),
    ("\ufffe", "a non-character (U+FFFE)"),
    ("\uffff", "a non-character (U+FFFF)"),
]


def refusal(build: object) -> str:
    with pytest.raises(ValidationError) as raised:
        build()  # type: ignore[operator]
    return explain(raised.value)


@pytest.mark.parametrize(("char", "named"), FORBIDDEN)
def test_every_free_text_field_refuses_what_xml_forbids(char: str, named: str) -> None:
    bad = f"Ada{char}Lovelace"
    case = {"reference": "C-1", "customer_phone": "+14155550100", "owner": "sam"}
    assert refusal(lambda: Customer(phone="+14155550100", name=bad)) == f"name: contains {named}"
    assert refusal(lambda: Customer(phone="+14155550100", name="Ada", account=bad)) == (
        f"account: contains {named}"
    )
    assert refusal(lambda: Rep(id="sam", name=bad, endpoint="client:sam", password_hash="h")) == (
        f"name: contains {named}"
    )
    assert refusal(lambda: Case(**case, subject=bad)) == f"subject: contains {named}"
    assert refusal(lambda: Case(**case, subject="x", category=bad)) == f"category: contains {named}"
    assert refusal(lambda: CaseEvent(kind="note", text=bad)) == f"text: contains {named}"


def test_lone_surrogates_are_not_text_at_all() -> None:
    # What a terminal's undecodable bytes become in a command line argument.
    assert "valid string" in refusal(lambda: Customer(phone="+14155550100", name="Ada\udcff"))
    assert "valid string" in refusal(
        lambda: Case(reference="C-1", customer_phone="+14155550100", owner="s", subject="\ud800")
    )


def test_tabs_newlines_and_any_language_are_welcome() -> None:
    customer = Customer(phone="+14155550100", name="Zoë\tO'Brien-Łukasz 山田 \u0085\ufffd")
    assert customer.name.startswith("Zoë\t")
    assert (
        Case(
            reference="C-1", customer_phone="+14155550100", owner="sam", subject="line 1\r\nline 2"
        ).subject
        == "line 1\r\nline 2"
    )


def test_a_changed_field_is_checked_too() -> None:
    case = Case(reference="C-1", customer_phone="+14155550100", owner="sam", subject="Router")
    with pytest.raises(ValidationError, match=r"contains a control character \(U\+0001\)"):
        case.subject = "Router\x01"


def test_text_stored_before_the_edge_refused_it_is_read_cleaned(services: Services) -> None:
    keys = Keys()
    services.reps.save_all(
        [Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="h")]
    )
    services.customers.save_all([Customer(phone="+14155550100", name="Ada")])
    case = services.cases.open("+14155550100", "sam", "Router")
    # What an older version let through, written straight to Redis.
    services.redis.set(
        keys.customer("+14155550100"), '{"phone": "+14155550100", "name": "Ada\\u0007 L"}'
    )
    services.redis.set(
        keys.case(case.reference), case.model_dump_json().replace("Router", "Rou\\u0001ter")
    )
    services.redis.set(
        keys.rep("sam"),
        '{"id": "sam", "name": "Sam\\u001b Rivera", "endpoint": "+14155550200", '
        '"password_hash": "h"}',
    )

    caller = services.directory.identify("+14155550100")

    assert caller.customer is not None and caller.customer.name == "Ada L"
    assert [c.subject for c in caller.open_cases] == ["Router"]
    owner = caller.owner_of(caller.open_cases[0]).rep
    assert owner is not None and owner.name == "Sam Rivera"
    assert services.customers.get("+14155550100").name == "Ada L"  # type: ignore[union-attr]
    assert services.cases.get(case.reference).subject == "Router"  # type: ignore[union-attr]
    assert services.reps.get("sam").name == "Sam Rivera"  # type: ignore[union-attr]


def test_a_refused_case_takes_no_reference(services: Services) -> None:
    services.reps.save_all(
        [Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="h")]
    )
    with pytest.raises(ValidationError):
        services.cases.open("+14155550100", "sam", "Router\x07")
    assert services.cases.open("+14155550100", "sam", "Router").reference == "C-1001"
    assert services.redis.get(Keys().case_sequence) == "1001"
