"""The rules a call flow must follow so callers are treated the way they asked to be.

Each rule reports a `Problem` with the dotted path of the YAML it is about, so a business
editing its menu sees exactly which line breaks which promise. `load_flow` refuses a flow with
any problem: a menu that hides the person option is a broken product, not a style issue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from callflows.line_policy import TEAM_LINES
from callflows.schema import CallFlow, Menu, MenuOption, PersonOption, QueueOption
from callflows.twilio_limits import (
    language_problem,
    say_problem,
    voice_language_problem,
    voice_problem,
)

MAX_LEVELS = 2
MAX_OPTIONS = 5
WORDS_PER_SECOND = 2.5
MAX_FIRST_PROMPT_SECONDS = 20.0
PERSON_KEY = "0"
# The known greeting is said with the caller's first name in it; a customer's name may be 200
# characters, each up to 4 bytes in UTF-8, so the greeting must leave that much room.
LONGEST_FIRST_NAME = "W" * 800


@dataclass(frozen=True)
class Problem:
    """One broken rule: where in the YAML (dotted path) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def lint(flow: CallFlow) -> list[Problem]:
    """Every rule the flow breaks, in the order the YAML is read; empty when it is fine."""
    problems: list[Problem] = []
    for name, menu in flow.menus.items():
        problems += _menu_problems(name, menu)
    problems += _graph_problems(flow)
    problems += _first_prompt_problems(flow)
    problems += _promise_problems(flow)
    problems += _timezone_problems(flow)
    problems += _twilio_problems(flow)
    problems += _line_problems(flow)
    return problems


def _option_path(menu: str, index: int, field: str | None = None) -> str:
    path = f"menus.{menu}.options.{index}"
    return f"{path}.{field}" if field else path


def _menu_problems(name: str, menu: Menu) -> Iterator[Problem]:
    options = menu.options
    if len(options) > MAX_OPTIONS:
        yield Problem(
            f"menus.{name}.options",
            f"{len(options)} options; a menu may offer at most {MAX_OPTIONS}",
        )
    yield from _duplicate_keys(name, menu)
    yield from _person_first(name, menu)


def _duplicate_keys(name: str, menu: Menu) -> Iterator[Problem]:
    first_use: dict[str, int] = {}
    for index, option in enumerate(menu.options):
        if option.key in first_use:
            yield Problem(
                _option_path(name, index, "key"),
                f"key {option.key!r} is already used by option {first_use[option.key] + 1}",
            )
        first_use.setdefault(option.key, index)


def _person_first(name: str, menu: Menu) -> Iterator[Problem]:
    persons = [i for i, o in enumerate(menu.options) if isinstance(o, PersonOption)]
    if not persons:
        yield Problem(
            f"menus.{name}.options",
            "no person option; every menu must offer a person, as its first option",
        )
    elif persons[0] != 0:
        yield Problem(
            _option_path(name, persons[0]),
            f"the person option is option {persons[0] + 1}; it must be the first one said",
        )
    for index, option in enumerate(menu.options):
        is_person = isinstance(option, PersonOption)
        if is_person and option.key != PERSON_KEY:
            yield Problem(
                _option_path(name, index, "key"),
                f"the person option uses key {option.key!r}; it must be key {PERSON_KEY}",
            )
        if not is_person and option.key == PERSON_KEY:
            yield Problem(
                _option_path(name, index, "key"),
                f"key {PERSON_KEY} must reach a person, not {option.action!r}",
            )


def _graph_problems(flow: CallFlow) -> Iterator[Problem]:
    yield from _unknown_targets(flow)
    if flow.start not in flow.menus:
        yield Problem("start", f"no menu {flow.start!r}; menus: {', '.join(flow.menus)}")
        return
    levels, walk_problems = _walk(flow)
    yield from walk_problems
    for name in flow.menus:
        if name not in levels:
            yield Problem(f"menus.{name}", f"not reachable from the start menu {flow.start!r}")
    near = [name for name, level in levels.items() if level <= MAX_LEVELS]
    if all(flow.menus[name].manager_option is None for name in near):
        yield Problem(
            f"menus.{flow.start}",
            "no manager option in the start menu or its sub-menus; a manager must be reachable",
        )


def _unknown_targets(flow: CallFlow) -> Iterator[Problem]:
    for name, menu in flow.menus.items():
        for index, option in enumerate(menu.options):
            if isinstance(option, MenuOption) and option.menu not in flow.menus:
                yield Problem(
                    _option_path(name, index, "menu"),
                    f"no menu {option.menu!r}; menus: {', '.join(flow.menus)}",
                )


def _walk(flow: CallFlow) -> tuple[dict[str, int], list[Problem]]:
    """The level of every menu reached from `start` (start is 1), and the loops, second ways
    in and levels too deep met on the way.
    """
    problems: list[Problem] = []
    levels = {flow.start: 1}
    ancestors: dict[str, tuple[str, ...]] = {flow.start: (flow.start,)}
    pending = [flow.start]
    while pending:
        parent = pending.pop(0)
        for index, option in enumerate(flow.menus[parent].options):
            if not isinstance(option, MenuOption) or option.menu not in flow.menus:
                continue
            path = _option_path(parent, index, "menu")
            target = option.menu
            if target in ancestors[parent]:
                problems.append(Problem(path, f"leads back to menu {target!r}, making a loop"))
            elif target in levels:
                message = f"menu {target!r} is reached a second time; each menu has one way in"
                problems.append(Problem(path, message))
            else:
                levels[target] = levels[parent] + 1
                ancestors[target] = (*ancestors[parent], target)
                pending.append(target)
                if levels[target] > MAX_LEVELS:
                    problems.append(_too_deep(path, target, levels[target]))
    return levels, problems


def _too_deep(path: str, target: str, level: int) -> Problem:
    return Problem(
        path, f"opens menu {target!r} at level {level}; menus may be at most {MAX_LEVELS} deep"
    )


def speaking_seconds(text: str) -> float:
    """How long a sentence takes to say, estimated at WORDS_PER_SECOND."""
    return len(text.split()) / WORDS_PER_SECOND


def _first_prompt_problems(flow: CallFlow) -> Iterator[Problem]:
    if flow.start not in flow.menus:
        return
    prompt = flow.start_menu.prompt
    for which, greeting in (("unknown", flow.greeting.unknown), ("known", flow.greeting.known)):
        seconds = speaking_seconds(f"{greeting} {prompt}")
        if seconds >= MAX_FIRST_PROMPT_SECONDS:
            yield Problem(
                f"greeting.{which}",
                f"the first prompt (this greeting and menu {flow.start!r}) takes about "
                f"{seconds:.1f} s to hear at {WORDS_PER_SECOND} words/s; "
                f"it must be under {MAX_FIRST_PROMPT_SECONDS:.0f} s",
            )


def _promise_problems(flow: CallFlow) -> Iterator[Problem]:
    promises, tiers = flow.promises, flow.tiers
    if promises.manager_callback_minutes >= promises.callback_minutes:
        yield Problem(
            "promises.manager_callback_minutes",
            f"{promises.manager_callback_minutes} min must be shorter than "
            f"callback_minutes ({promises.callback_minutes} min)",
        )
    if tiers.gold <= tiers.silver:
        yield Problem(
            "tiers.gold",
            f"gold ({tiers.gold}) must need more spend than silver ({tiers.silver})",
        )


def _timezone_problems(flow: CallFlow) -> Iterator[Problem]:
    if flow.hours and flow.timezone and flow.timezone != flow.hours.timezone:
        yield Problem(
            "timezone",
            f"{flow.timezone!r} differs from hours.timezone {flow.hours.timezone!r}; "
            "state the line's zone once",
        )


def _twilio_problems(flow: CallFlow) -> Iterator[Problem]:
    """What Twilio itself would refuse or play wrongly: voice, language, lengths."""
    yield from _voice_problems(flow)
    for path, text in _said_in_one_say(flow):
        too_long = say_problem(text, flow.voice)
        if too_long:
            room = f" (counting {len(LONGEST_FIRST_NAME)} for a first name)"
            yield Problem(path, too_long + (room if path == "greeting.known" else ""))


def _voice_problems(flow: CallFlow) -> Iterator[Problem]:
    voice = voice_problem(flow.voice) if flow.voice else None
    language = language_problem(flow.language)
    if voice:
        yield Problem("voice", voice)
    if language:
        yield Problem("language", language)
    if flow.voice and not voice and not language:
        # Only a known voice and a listed language can be compared.
        mismatch = voice_language_problem(flow.voice, flow.language)
        if mismatch:
            yield Problem("voice", f"{mismatch}; choose a voice of the flow's language")


def _line_problems(flow: CallFlow) -> Iterator[Problem]:
    """A queue no team answers would hold its callers for ever."""
    for name, menu in flow.menus.items():
        for index, option in enumerate(menu.options):
            queue = option.queue if isinstance(option, PersonOption | QueueOption) else None
            if queue and queue not in TEAM_LINES:
                yield Problem(
                    _option_path(name, index, "queue"),
                    f"option {index + 1} sends callers to {queue!r}, which no team answers; "
                    f"the lines are {', '.join(TEAM_LINES)} (managers: the manager option)",
                )


def _said_in_one_say(flow: CallFlow) -> Iterator[tuple[str, str]]:
    """Each text the flow has said in a single <Say>, with its place in the YAML.

    A menu is said as one prompt: an option too long on its own is named, else the menu whose
    options only together are too long.
    """
    yield "greeting.known", flow.greeting_for(LONGEST_FIRST_NAME)
    yield "greeting.unknown", flow.greeting.unknown
    if flow.hours:
        yield "hours.closed_message", flow.hours.closed_message
    for name, menu in flow.menus.items():
        long_options = [
            (_option_path(name, index, "say"), option.say)
            for index, option in enumerate(menu.options)
            if say_problem(option.say, flow.voice)
        ]
        yield from long_options or [(f"menus.{name}.options", menu.prompt)]
