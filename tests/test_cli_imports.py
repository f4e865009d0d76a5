"""`ivr import`: a file that cannot be imported is refused whole, with one line per problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crm.keys import Keys
from ivr.cli import main
from ivr.services import Services
from queues.routing_results import Caller, Offered

HEADER = "phone,name,spend,account\n"
Run = Callable[..., Result]
Write = Callable[[str | bytes], str]


@pytest.fixture
def ivr(settings: object, env: dict[str, str]) -> Run:  # settings: the environment is set
    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return run


@pytest.fixture
def csv_file(tmp_path: Path) -> Write:
    def write(content: str | bytes) -> str:
        path = tmp_path / "rows.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    return write


def refused(result: Result) -> str:
    """The error output of a refused command, checked to be short and free of tracebacks."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.output


def nothing_stored(services: Services) -> bool:
    return services.redis.keys(Keys().customer("*")) == [] and services.reps.all() == []


def test_a_control_character_in_a_name_is_refused_with_its_line(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file(HEADER + "+14155550100,Ada,1,\n+14155550101,Bo\x07b,2,\n")
    output = refused(ivr("import", "customers", path))
    assert "line 3: name: contains a control character (U+0007)" in output
    assert nothing_stored(services)


def test_a_control_character_in_a_rep_name_is_refused_with_its_line(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file("id,name,endpoint,role,password\nsam,Sam\x1b[31m,client:sam,rep,pw\n")
    output = refused(ivr("import", "reps", path))
    assert "line 2: name: contains a control character (U+001B)" in output
    assert nothing_stored(services)


def test_a_latin1_file_is_one_line_naming_where_and_what_to_do(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file((HEADER + "+14155550100,Ada,1,\n+14155550101,José,2,\n").encode("latin-1"))
    output = refused(ivr("import", "customers", path))
    assert output.count("\n") == 1, output
    assert "line 3, byte 17 (0xE9) is not UTF-8" in output
    assert "save the file as UTF-8" in output
    assert nothing_stored(services)


def test_a_utf8_file_with_a_byte_order_mark_imports(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    content = "\ufeff" + HEADER + "+14155550101,José,2,\n"  # as spreadsheets save UTF-8
    result = ivr("import", "customers", csv_file(content))
    assert result.exit_code == 0, result.output
    assert services.customers.get("+14155550101").name == "José"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "the file is empty; its first line must be phone,name,spend,account"),
        ("\n\n", "the file is empty; its first line must be phone,name,spend,account"),
        (HEADER, "no rows below the header line"),
        (HEADER + "\n\n", "no rows below the header line"),
    ],
)
def test_an_empty_file_is_one_clear_line(
    ivr: Run, csv_file: Write, content: str, problem: str
) -> None:
    output = refused(ivr("import", "customers", csv_file(content)))
    assert output.count("\n") == 1, output
    assert f"nothing imported: {problem}" in output
    assert "bad row" not in output


def test_an_empty_reps_file_is_one_clear_line(ivr: Run, csv_file: Write) -> None:
    output = refused(ivr("import", "reps", csv_file("")))
    assert "its first line must be id,name,endpoint,role,password" in output


def test_two_rows_with_one_account_are_refused_naming_both(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file(
        HEADER + "+14155550100,Ada,1,A-1\n+14155550101,Bob,2,A-2\n+14155550102,Cy,3,A-1\n"
    )
    output = refused(ivr("import", "customers", path))
    assert "line 4: account A-1 is already +14155550100's on line 2, not +14155550102's" in output
    assert nothing_stored(services)


def test_an_account_stored_for_another_customer_is_not_moved(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    assert ivr("import", "customers", csv_file(HEADER + "+14155550100,Ada,1,A-1\n")).exit_code == 0
    path = csv_file(HEADER + "+14155550105,Eve,1,B-7\n+14155550101,Bob,2,A-1\n")

    output = refused(ivr("import", "customers", path))

    assert "line 3: account A-1 is already +14155550100's, not +14155550101's" in output
    assert services.customers.by_account("A-1").phone == "+14155550100"  # type: ignore[union-attr]
    assert services.customers.get("+14155550101") is None
    assert services.customers.get("+14155550105") is None


def test_reimporting_a_file_or_handing_an_account_over_in_one_file_is_fine(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    first = HEADER + "+14155550100,Ada,1,A-1\n+14155550101,Bob,2,A-2\n"
    assert ivr("import", "customers", csv_file(first)).exit_code == 0
    assert ivr("import", "customers", csv_file(first)).exit_code == 0
    # Ada gives up A-1 in the same file that gives it to Bob: nothing is taken from anyone.
    swap = HEADER + "+14155550100,Ada,1,A-9\n+14155550101,Bob,2,A-1\n"
    result = ivr("import", "customers", csv_file(swap))
    assert result.exit_code == 0, result.output
    assert services.customers.by_account("A-1").name == "Bob"  # type: ignore[union-attr]
    assert services.customers.by_account("A-9").name == "Ada"  # type: ignore[union-attr]
    # A-2 was Bob's; its index entry is stale, so it can go to someone new.
    new = HEADER + "+14155550102,Cy,3,A-2\n"
    assert ivr("import", "customers", csv_file(new)).exit_code == 0
    assert services.customers.by_account("A-2").name == "Cy"  # type: ignore[union-attr]


REPS_HEADER = "id,name,endpoint,role,password"


def lines_of(services: Services, rep_id: str) -> tuple[tuple[str, ...], set[str]]:
    """A stored rep's lines, as the record says and as the set routing reads says."""
    rep = services.reps.get(rep_id)
    assert rep is not None, rep_id
    return rep.lines, services.redis.smembers(Keys().rep_lines(rep_id))  # type: ignore[return-value]


def test_reps_answer_the_lines_their_teams_column_names(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file(
        REPS_HEADER + ",teams\n"
        "sam,Sam,client:sam,rep,pw,tech;billing\n"
        "bo,Bo,client:bo,rep,pw,Billing support\n"  # spaces also separate; any case
        "kim,Kim,client:kim,rep,pw,\n"  # empty: support
        "mia,Mia,client:mia,supervisor,pw,tech\n"
    )
    result = ivr("import", "reps", path)
    assert result.exit_code == 0, result.output
    assert result.output == "imported 4 reps\n"

    assert lines_of(services, "sam") == (("tech", "billing"), {"tech", "billing"})
    assert lines_of(services, "bo") == (("billing", "support"), {"billing", "support"})
    assert lines_of(services, "kim") == (("support",), {"support"})
    assert lines_of(services, "mia") == (("tech", "managers"), {"tech", "managers"})

    # Once available, each rep is offered to the callers of exactly their lines.
    for rep_id in ("sam", "bo", "kim", "mia"):
        assert ivr("reps", "presence", rep_id, "available").exit_code == 0
    free = {
        line: set(services.redis.zrange(Keys().available(line), 0, -1))
        for line in ("support", "tech", "billing", "managers")
    }
    assert free == {
        "support": {"bo", "kim"},
        "tech": {"sam", "mia"},
        "billing": {"sam", "bo"},
        "managers": {"mia"},
    }
    offered = services.router.place(Caller(call_sid="CA1", line="managers"))
    assert isinstance(offered, Offered) and offered.rep.id == "mia"


def test_reps_without_a_teams_column_are_on_support_and_supervisors_on_managers_too(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file(REPS_HEADER + "\nsam,Sam,client:sam,rep,pw\nmia,Mia,client:mia,supervisor,pw\n")
    result = ivr("import", "reps", path)
    assert result.exit_code == 0, result.output
    assert lines_of(services, "sam") == (("support",), {"support"})
    assert lines_of(services, "mia") == (("support", "managers"), {"support", "managers"})


def test_an_unknown_team_refuses_the_whole_reps_file_naming_its_line(
    ivr: Run, csv_file: Write, services: Services
) -> None:
    path = csv_file(
        REPS_HEADER + ",teams\n"
        "sam,Sam,client:sam,rep,pw,tech\n"
        "bo,Bo,client:bo,rep,pw,tech;sales\n"
        "kim,Kim,client:kim,rep,pw,managers\n"  # only a supervisor's role puts them there
    )
    output = refused(ivr("import", "reps", path))
    assert "nothing imported, 2 bad row(s)" in output
    assert "line 3: teams.1: Input should be 'support', 'tech' or 'billing'" in output
    assert "line 4: teams.0: Input should be 'support', 'tech' or 'billing'" in output
    assert "line 2" not in output
    assert nothing_stored(services)
    assert services.redis.keys(Keys().rep_lines("*")) == []
