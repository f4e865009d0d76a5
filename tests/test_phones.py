"""Caller IDs become E.164 or an unknown caller; never an error."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

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


# Every valid example number phonenumbers knows, by region and line type: real shapes of
# numbers from everywhere, so the property below runs on numbers that must be recognised.
EXAMPLES = sorted(
    {
        (region, phonenumbers.format_number(number, PhoneNumberFormat.E164))
        for region in phonenumbers.SUPPORTED_REGIONS
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE)
        if (number := phonenumbers.example_number_for_type(region, kind)) is not None
        and phonenumbers.is_valid_number(number)
    }
)
DIALLING_FROM = ["US", "GB", "DE", "FR", "JP", "AU", "BR", "IN", "MX", "IT"]


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """A valid number as a person or a phone system may write it: (text, line region, E.164)."""
    region, e164 = draw(st.sampled_from(EXAMPLES))
    number = phonenumbers.parse(e164)
    spelling = draw(st.sampled_from(["e164", "international", "national", "dialled from"]))
    if spelling == "e164":
        text, line_region = e164, draw(st.sampled_from(DIALLING_FROM))
    elif spelling == "international":
        text = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        line_region = draw(st.sampled_from(DIALLING_FROM))
    elif spelling == "national":  # only means this number on a line in its own country
        text, line_region = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL), region
    else:  # e.g. 011 44 20 ... from the US, 00 1 415 ... from Germany
        line_region = draw(st.sampled_from(DIALLING_FROM))
        text = phonenumbers.format_out_of_country_calling_number(number, line_region)
    separator = draw(st.sampled_from([" ", "-", ".", ""]))
    padding = draw(st.sampled_from(["", " ", "\t", "  "]))
    return padding + text.replace(" ", separator) + padding, line_region, e164


@given(written_numbers())
def test_any_valid_number_however_written_is_that_customer(
    written: tuple[str, str, str],
) -> None:
    text, line_region, e164 = written
    assert caller_e164(text, line_region) == e164
    assert to_e164(text, line_region) == e164
    assert caller_e164(e164, "US") == e164  # E.164 reads the same on any line


@given(st.text(max_size=40), st.sampled_from(DIALLING_FROM))
def test_garbage_caller_id_is_never_an_error(raw: str, line_region: str) -> None:
    result = caller_e164(raw, line_region)
    assert result is None or (
        result.startswith("+")
        and phonenumbers.is_valid_number(phonenumbers.parse(result))
        and caller_e164(result, line_region) == result
    )
