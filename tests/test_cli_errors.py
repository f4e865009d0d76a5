"""Every `ivr` command fails with one line saying what to fix: never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crm.keys import Keys
from crm.models import Rep
from ivr.cli import main
from ivr.services import Services
from tests.conftest import free_port

COMMANDS = [
    ("import", "customers", "{customers}"),
    ("import", "reps", "{reps}"),
    ("cases", "open", "--phone", "+14155550100", "--owner", "sam", "--subject", "Router"),
    ("reps", "presence", "sam", "busy"),
    ("worker", "--burst"),
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    customers, reps = tmp_path / "customers.csv", tmp_path / "reps.csv"
    customers.write_text("phone,name,spend,account\n+14155550100,Ada,1,A-1\n")
    reps.write_text("id,name,endpoint,role,password\nsam,Sam,client:sam,rep,pw\n")
    return {"customers": str(customers), "reps": str(reps)}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result: Result) -> str:
    """The message of a command that failed cleanly: exit status 1, one line, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_unreachable_redis_is_one_line_naming_redis_url(
    env: dict[str, str], files: dict[str, str], command: tuple[str, ...]
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = [arg.format(**files) for arg in command]
    started = time.monotonic()
    output = one_line_error(run({**env, "REDIS_URL": url}, *args))
    assert f"cannot reach Redis at REDIS_URL={url}" in output
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_missing_redis_socket_is_one_line_naming_redis_url(
    env: dict[str, str], files: dict[str, str], command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"unix://{tmp_path}/no-such/redis.sock"
    output = one_line_error(run({**env, "REDIS_URL": url}, *[a.format(**files) for a in command]))
    assert f"cannot reach Redis at REDIS_URL={url}" in output
    assert "No such file or directory" in output


def test_a_command_redis_refuses_is_one_line_naming_redis_url(
    env: dict[str, str], services: Services
) -> None:
    staff(services)
    services.redis.set(Keys().presence, "not a hash")  # e.g. another program's key
    output = one_line_error(run(env, "reps", "presence", "sam", "busy"))
    assert f"Redis at REDIS_URL={env['REDIS_URL']} refused a command: WRONGTYPE" in output


def test_a_password_in_redis_url_is_never_printed(env: dict[str, str]) -> None:
    url = f"redis://:hunter2secret@127.0.0.1:{free_port()}"
    output = one_line_error(run({**env, "REDIS_URL": url}, "reps", "presence", "sam", "busy"))
    assert "hunter2secret" not in output and "REDIS_URL=redis://***@127.0.0.1" in output


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://127.0.0.1:notaport", "is not a Redis URL"),
        ("redis://", "names no host"),
        ("rediss://:6380", "names no host"),
        ("redis://127.0.0.1:6379/zero", "the path must be a database number"),
        ("unix://", "names no socket"),
        ("http://127.0.0.1:6379", "must start with redis://, rediss:// or unix://"),
    ],
)
def test_a_malformed_redis_url_is_refused_before_anything_runs(
    env: dict[str, str], files: dict[str, str], url: str, problem: str
) -> None:
    output = one_line_error(
        run({**env, "REDIS_URL": url}, "import", "customers", files["customers"])
    )
    assert "REDIS_URL is invalid" in output and problem in output


def staff(services: Services) -> None:
    services.reps.save_all(
        [Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="h")]
    )


def test_a_subject_with_a_control_character_is_one_line_and_opens_nothing(
    env: dict[str, str], services: Services
) -> None:
    staff(services)
    args = ["cases", "open", "--phone", "+14155550100", "--owner", "sam", "--subject"]
    output = one_line_error(run(env, *args, "Router\x01dead"))
    assert "subject: contains a control character (U+0001)" in output
    output = one_line_error(run(env, *args, "Router", "--category", "tech\x7f\x07"))
    assert "category: contains a control character (U+0007)" in output
    assert services.redis.keys(Keys().case("*")) == []


def test_an_over_long_subject_is_one_line_and_opens_nothing(
    env: dict[str, str], services: Services
) -> None:
    staff(services)
    args = ["cases", "open", "--phone", "+14155550100", "--owner", "sam", "--subject", "x" * 501]
    output = one_line_error(run(env, *args))
    assert "subject: String should have at most 500 characters" in output
    assert services.redis.keys(Keys().case("*")) == []
    assert services.redis.get(Keys().case_sequence) is None  # no reference spent on it


def test_a_bad_phone_for_a_case_is_one_line(env: dict[str, str], services: Services) -> None:
    staff(services)
    args = ["cases", "open", "--phone", "+1 555", "--owner", "sam", "--subject", "Router"]
    assert "'+1 555' is not a valid phone number" in one_line_error(run(env, *args))


def test_serve_help_describes_only_what_the_app_serves(env: dict[str, str]) -> None:
    text = run(env, "serve", "--help").output.lower()
    assert "voice webhooks" in text and "sms" in text and "healthz" in text
    for missing in ("console", "api", "callback", "status page"):
        assert missing not in text, missing


def test_worker_help_describes_what_the_worker_runs(env: dict[str, str]) -> None:
    text = run(env, "worker", "--help").output.lower()
    assert "rq" in text and "scheduler" in text and "dispatcher" in text
    assert "callback sweeper" in text
    for missing in ("reminder", "sign-off"):
        assert missing not in text, missing
