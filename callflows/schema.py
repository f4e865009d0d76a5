"""The call flow language: what a business may say in its phone menu YAML, as pydantic models.

The models check shape only (field types, known actions, placeholders); the rules that protect
callers (a person first, two levels at most, a short first prompt) live in `callflows.lint`, so
each broken rule can be reported with its own path and reason.
"""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, HttpUrl, field_validator

from callflows.hours import BusinessHours, known_timezone
from callflows.line_policy import CasePolicy, Promises, Routing, Tiers
from callflows.model import FlowModel

# Principle 1: these words reach a person in every menu, whatever the flow's own words say.
PERSON_WORDS: tuple[str, ...] = ("agent", "representative", "person", "human", "operator")
# Principle 6: asking for a manager works from any menu once the flow offers one anywhere.
MANAGER_WORDS: tuple[str, ...] = ("manager", "supervisor")

_WORD = re.compile(r"[\w']+")


def _key_text(value: Any) -> Any:
    # YAML reads an unquoted `key: 1` as an integer; a keypad digit is still meant.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9:
        return str(value)
    return value


Key = Annotated[
    Literal["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"],
    BeforeValidator(_key_text),
]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]


def tokens(text: str) -> tuple[str, ...]:
    """The lower-case words of a sentence, as speech recognition results are compared."""
    return tuple(_WORD.findall(text.lower()))


def _mentions(heard: tuple[str, ...], phrases: tuple[str, ...]) -> bool:
    for phrase in phrases:
        wanted = tokens(phrase)
        width = len(wanted)
        if width and any(heard[i : i + width] == wanted for i in range(len(heard) - width + 1)):
            return True
    return False


class _Option(FlowModel):
    key: Key
    say: str = Field(min_length=1, description="the sentence that offers this option")
    words: tuple[str, ...] = Field(default=(), description="speech keywords that choose it")

    def speech_words(self) -> tuple[str, ...]:
        """The words that choose this option when spoken."""
        return self.words


class PersonOption(_Option):
    """Reach a live person, in the general queue or a named skill queue."""

    action: Literal["person"]
    queue: Name | None = None

    def speech_words(self) -> tuple[str, ...]:
        """The flow's words plus the ones that must always reach a person."""
        return self.words + PERSON_WORDS


class QueueOption(_Option):
    """Wait for a rep of one skill queue."""

    action: Literal["queue"]
    queue: Name


class MenuOption(_Option):
    """Open a sub-menu."""

    action: Literal["menu"]
    menu: Name


class CaseStatusOption(_Option):
    """Hear the status of an open case."""

    action: Literal["case_status"]


class ManagerOption(_Option):
    """Reach a supervisor, or a manager callback when none can answer."""

    action: Literal["manager"]

    def speech_words(self) -> tuple[str, ...]:
        """The flow's words plus the ones that must always reach a manager."""
        return self.words + MANAGER_WORDS


class VoicemailOption(_Option):
    """Leave a message that is acknowledged with a callback time."""

    action: Literal["voicemail"]


class RepeatOption(_Option):
    """Hear the menu again."""

    action: Literal["repeat"]


Option = Annotated[
    PersonOption
    | QueueOption
    | MenuOption
    | CaseStatusOption
    | ManagerOption
    | VoicemailOption
    | RepeatOption,
    Field(discriminator="action"),
]


class Menu(FlowModel):
    """One menu: its options, offered in order, make up its prompt."""

    options: tuple[Option, ...] = Field(min_length=1)

    @property
    def prompt(self) -> str:
        """What the caller hears: every option's sentence, in order."""
        return " ".join(option.say for option in self.options)

    @property
    def person_option(self) -> PersonOption | None:
        """The option that reaches a person, if the menu has one."""
        return next((o for o in self.options if isinstance(o, PersonOption)), None)

    @property
    def manager_option(self) -> ManagerOption | None:
        """The option that reaches a manager, if the menu has one."""
        return next((o for o in self.options if isinstance(o, ManagerOption)), None)

    def option_for_digit(self, digit: str) -> Option | None:
        """The option a key press chooses, or None for a key the menu does not offer."""
        return next((o for o in self.options if o.key == digit), None)

    def option_for_speech(self, text: str) -> Option | None:
        """The first option, in menu order, whose words the caller said.

        Person and manager options also answer to the fixed PERSON_WORDS and MANAGER_WORDS.
        The person option comes first in every valid menu, so "a person about my bill" reaches
        a person: a caller who asks for one is never kept in the menu.
        """
        heard = tokens(text)
        return next((o for o in self.options if _mentions(heard, o.speech_words())), None)


class Greeting(FlowModel):
    """The first sentence of a call: by name when the caller ID is a known customer."""

    known: str = Field(min_length=1)
    unknown: str = Field(min_length=1)

    @field_validator("known")
    @classmethod
    def _only_first_name(cls, value: str) -> str:
        return _placeholders(value, allowed={"first_name"})

    @field_validator("unknown")
    @classmethod
    def _no_placeholders(cls, value: str) -> str:
        return _placeholders(value, allowed=set())


def _placeholders(text: str, allowed: set[str]) -> str:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"unbalanced braces: {exc}") from exc
    unknown = fields - allowed
    if unknown:
        allowed_text = ", ".join(f"{{{name}}}" for name in sorted(allowed)) or "none"
        raise ValueError(
            f"unknown placeholder {', '.join(sorted(unknown))!r}; allowed: {allowed_text}"
        )
    return text


class CallFlow(FlowModel):
    """A whole phone menu as the business wrote it."""

    name: str = Field(min_length=1)
    voice: str | None = None
    language: str = "en-US"
    greeting: Greeting
    timezone: str | None = Field(
        default=None, description="IANA zone of the line; else hours.timezone, else its number's"
    )
    hours: BusinessHours | None = None
    tiers: Tiers = Tiers()
    promises: Promises = Promises()
    routing: Routing = Routing()
    cases: CasePolicy = CasePolicy()
    hold_music: HttpUrl | None = Field(
        default=None, description="audio played between hold announcements; silence if unset"
    )
    start: Name
    menus: dict[Name, Menu] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    @property
    def stated_timezone(self) -> str | None:
        """The zone the flow itself states, if any (`timezone`, else `hours.timezone`)."""
        return self.timezone or (self.hours.timezone if self.hours else None)

    @property
    def zone(self) -> ZoneInfo:
        """The line's time zone: every time a caller hears is said in it.

        LookupError when the flow states none and was loaded without the line's number (as
        `ivr check` may be): guessing UTC would make every promise wrong.
        """
        stated = self.stated_timezone
        if stated is None:
            raise LookupError(
                f"call flow {self.name!r} has no time zone: state `timezone:` in the flow, "
                "or load it with the line's number"
            )
        return ZoneInfo(stated)

    def menu(self, name: str) -> Menu:
        """The menu called `name`; KeyError names the menus there are."""
        try:
            return self.menus[name]
        except KeyError:
            raise KeyError(f"no menu {name!r}; menus: {', '.join(self.menus)}") from None

    @property
    def start_menu(self) -> Menu:
        """The menu every call begins with."""
        return self.menu(self.start)

    def greeting_for(self, first_name: str | None) -> str:
        """The greeting for a caller: by first name when the caller is known by one."""
        if first_name and first_name.strip():
            return self.greeting.known.format(first_name=first_name.strip())
        return self.greeting.unknown

    def first_prompt(self, first_name: str | None = None) -> str:
        """Everything a caller hears before they can choose: greeting and the start menu."""
        return f"{self.greeting_for(first_name)} {self.start_menu.prompt}"

    def sub_menus(self, name: str) -> tuple[str, ...]:
        """The names of the menus that menu `name` opens, in option order."""
        return tuple(o.menu for o in self.menu(name).options if isinstance(o, MenuOption))

    def manager_option(self) -> ManagerOption | None:
        """The manager option of the start menu, else of its first sub-menu that has one."""
        for name in (self.start, *self.sub_menus(self.start)):
            option = self.menus[name].manager_option if name in self.menus else None
            if option is not None:
                return option
        return None

    def option_for_speech(self, menu_name: str, text: str) -> Option | None:
        """What a caller's words choose in a menu; asking for a manager works in every menu.

        The menu's own options win. Otherwise a manager word reaches the flow's manager option
        (start menu first, then its sub-menus), so a caller two levels down who says "manager"
        is not told to go back up first.
        """
        option = self.menu(menu_name).option_for_speech(text)
        if option is None and _mentions(tokens(text), MANAGER_WORDS):
            return self.manager_option()
        return option

    def is_open(self, at: datetime) -> bool:
        """Whether a person can answer at `at`; a flow without hours is always open."""
        return self.hours is None or self.hours.is_open(at)

    def next_open(self, at: datetime) -> datetime:
        """The first instant at or after `at` when the line is open."""
        return at if self.hours is None else self.hours.next_open(at)
