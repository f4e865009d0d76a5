"""The menu language: YAML call flows, their schema and linter, rendering steps to TwiML. No I/O."""

from callflows.hours import BusinessHours
from callflows.lint import Problem, lint
from callflows.loader import FlowError, default_flow_path, load_flow, parse_flow
from callflows.schema import (
    CallFlow,
    CaseStatusOption,
    ManagerOption,
    Menu,
    MenuOption,
    Option,
    PersonOption,
    QueueOption,
    RepeatOption,
    VoicemailOption,
)

__all__ = [
    "BusinessHours",
    "CallFlow",
    "CaseStatusOption",
    "FlowError",
    "ManagerOption",
    "Menu",
    "MenuOption",
    "Option",
    "PersonOption",
    "Problem",
    "QueueOption",
    "RepeatOption",
    "VoicemailOption",
    "default_flow_path",
    "lint",
    "load_flow",
    "parse_flow",
]
