"""`ivr import`: a file that cannot be imported is refused whole, with one line per problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crm.keys import Keys
from ivr.cli import main
from ivr.services import Services

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
