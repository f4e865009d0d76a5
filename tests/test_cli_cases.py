"""`ivr cases` from the shell: a change made `--as` a rep follows the same rules as from the
console and the API (only the owner or a supervisor closes, resolves or reassigns a case),
refuses with the same reason and a failing exit, changes nothing then, and notes who acted."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from crm.models import CaseStatus
from ivr.cli import main
from ivr.services import Services
from tests.staff_session import STAFF


@pytest.fixture
def ivr(settings: object, env: dict[str, str]):  # settings: the environment is set
    """Run `ivr ARGS...` with the test environment."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return run


@pytest.fixture
def reference(services: Services) -> str:
    services.reps.save_all(list(STAFF.values()))
    return services.cases.open("+14155550100", "sam", "No dial tone").reference


@pytest.mark.parametrize(
    ("args", "doing"),
    [(["close"], "close"), (["resolve"], "resolve"), (["reassign", "--to", "kim"], "reassign")],
)
def test_another_rep_is_refused_and_nothing_changes(
    ivr, services: Services, reference: str, args: list[str], doing: str
) -> None:
    command, *options = args
    result = ivr("cases", command, reference, *options, "--as", "kim")
    assert result.exit_code == 1
    assert result.output == f"Error: only sam or a supervisor may {doing} case {reference}\n"
    case = services.cases.get(reference)
    assert case is not None and (case.status, case.owner) == (CaseStatus.OPEN, "sam")
    assert [e.kind for e in services.cases.timeline(reference)] == ["opened"]


def test_the_owner_and_a_supervisor_change_it_and_the_timeline_says_who(
    ivr, services: Services, reference: str
) -> None:
    assert ivr("cases", "note", reference, "Rang back, no answer", "--as", "kim").exit_code == 0
    moved = ivr("cases", "reassign", reference.lower(), "--to", "kim", "--as", "sam")
    assert moved.output == f"{reference} is now kim's\n"
    closed = ivr("cases", "close", reference, "--as", "mia", "--reason", "duplicate")
    assert closed.output == f"{reference} is closed\n"
    events = [(e.kind, e.by, e.text) for e in services.cases.timeline(reference)]
    assert events[1:] == [
        ("note", "kim", "Rang back, no answer"),
        ("reassigned", "sam", "sam to kim"),
        ("closed", "mia", "duplicate"),
    ]
    again = ivr("cases", "close", reference, "--as", "mia")
    assert (again.exit_code, again.output) == (
        1,
        f"Error: case {reference} is closed; it cannot be closed again\n",
    )


def test_an_unknown_case_or_rep_is_named(ivr, reference: str) -> None:
    assert ivr("cases", "close", "C-9999", "--as", "sam").output == "Error: no case C-9999\n"
    assert ivr("cases", "close", reference, "--as", "ghost").output == (
        "Error: no rep with id 'ghost'\n"
    )
