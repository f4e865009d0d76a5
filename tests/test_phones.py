"""Caller IDs become E.164 or an unknown caller; never an error."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.phones import InvalidPhoneNumber, caller_e164, to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+14155550100", "+14155550100"),
        ("(415) 555-0100", "+14155550100"),
        ("415.555.0100", "+14155550100"),
        (" +1 415 555 0100 ", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_spellings_of_one_number_are_one_number(raw: str, expected: str) -> None:
    assert caller_e164(raw, "US") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "anonymous",
        "Anonymous",
        "+266696687",
        "restricted",
        "unknown",
        "",
        None,
        "client:alice",
        "sip:bob@example.com",
        "not-a-number",
        "+1555",
    ],
)
def test_withheld_browser_and_sip_callers_are_unknown(raw: str | None) -> None:
    assert caller_e164(raw, "US") is None


def test_national_number_uses_the_line_region() -> None:
    assert to_e164("020 7946 0958", "GB") == "+442079460958"


def test_invalid_number_says_why() -> None:
    with pytest.raises(InvalidPhoneNumber, match="not a valid phone number"):
        to_e164("+1 555", "US")


@given(st.text(max_size=40))
def test_any_caller_id_is_either_unknown_or_valid_e164(raw: str) -> None:
    result = caller_e164(raw, "US")
    if result is not None:
        assert result.startswith("+")
        assert phonenumbers.is_valid_number(phonenumbers.parse(result))
        assert caller_e164(result, "US") == result
