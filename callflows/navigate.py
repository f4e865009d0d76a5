"""What a caller's answer to a menu means: an option, one more try, or a person.

Principle 1 in code: a wrong key or silence hears the menu once more; the second miss goes to a
person, never to a hang-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from callflows.schema import CallFlow, Option

TRIES_BEFORE_A_PERSON = 2


@dataclass(frozen=True)
class Chosen:
    """The caller chose an option."""

    option: Option
    answer: str


@dataclass(frozen=True)
class TryAgain:
    """Nothing usable was heard; say the menu once more."""

    attempt: int


@dataclass(frozen=True)
class ToAPerson:
    """Missed twice: stop asking and put the caller through to a person."""


Decision = Chosen | TryAgain | ToAPerson


def answer(flow: CallFlow, menu: str, attempt: int, digits: str, speech: str) -> Decision:
    """Decide what the caller's keys or words in `menu` (try number `attempt`) lead to."""
    option = None
    if digits:
        option = flow.menu(menu).option_for_digit(digits[:1])
    elif speech:
        option = flow.option_for_speech(menu, speech)
    if option is not None:
        return Chosen(option, digits[:1] or speech)
    if attempt < TRIES_BEFORE_A_PERSON:
        return TryAgain(attempt + 1)
    return ToAPerson()
