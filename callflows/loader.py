"""Reading a call flow: YAML, then the schema, then the linter, refusing at the first stage
that finds problems and naming every problem of that stage by file and dotted path.

The linter only runs on a flow whose shape is right, because its rules read the menus the
schema has checked; mixing the two would report the same mistake twice.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from callflows.lint import Problem, lint
from callflows.schema import CallFlow
from callflows.timezones import ZoneUnknown, zone_of_number


class FlowError(ValueError):
    """A call flow that cannot be used; the message has one line per problem."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


def default_flow_path() -> Path:
    """The call flow shipped with the package, used when no flow is configured."""
    return Path(str(resources.files(__package__ or "callflows") / "default.yaml"))


def load_flow(path: Path, support_number: str | None = None) -> CallFlow:
    """Read, check and lint the call flow file at `path` for the line `support_number`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowError(str(path), [Problem("(file)", f"cannot be read: {exc.strerror}")]) from exc
    return parse_flow(text, source=str(path), support_number=support_number)


def parse_flow(text: str, source: str, support_number: str | None = None) -> CallFlow:
    """Check and lint a call flow written as YAML; `source` names it in error messages.

    A flow that states no time zone takes the zone of the line's number, `support_number`
    (E.164); without one (linting a file alone) its zone is left unresolved.
    """
    data = _read_yaml(text, source)
    try:
        flow = CallFlow.model_validate(data)
    except ValidationError as exc:
        raise FlowError(source, [_problem(error) for error in exc.errors()]) from None
    problems = lint(flow)
    if problems:
        raise FlowError(source, problems)
    if flow.stated_timezone is None and support_number is not None:
        try:
            zone = zone_of_number(support_number)
        except ZoneUnknown as exc:
            raise FlowError(source, [Problem("timezone", str(exc))]) from None
        return flow.model_copy(update={"timezone": zone})
    return flow


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FlowError(source, [_yaml_problem(exc)]) from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise FlowError(source, [Problem("(top level)", f"must be a mapping, found {found}")])
    return data


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
    reason = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return Problem(where, f"YAML syntax error: {reason}" + (f" ({context})" if context else ""))


def _problem(error: ErrorDetails) -> Problem:
    message = error["msg"].removeprefix("Value error, ")
    return Problem(_dotted(error["loc"]) or "(top level)", message)


def _dotted(loc: tuple[int | str, ...]) -> str:
    """The YAML path of a pydantic error location, without the tag pydantic adds to say which
    option kind it tried (`options.3.queue.queue` is `options.3.queue` in the file).
    """
    kept = [
        part
        for index, part in enumerate(loc)
        if not (index >= 2 and loc[index - 2] == "options" and isinstance(loc[index - 1], int))
    ]
    return ".".join(str(part) for part in kept)
