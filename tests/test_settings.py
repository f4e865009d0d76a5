"""Configuration errors name the variable; a good environment loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.settings import DEV_ENV_FILE, DEV_PID_VARIABLE, ConfigError, Settings


def load(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **changes: str | None) -> Settings:
    for name, value in {**env, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return Settings.load(_env_file=None)


def test_missing_auth_token_is_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN is not set"):
        load(monkeypatch, env, TWILIO_AUTH_TOKEN=None)


def test_bad_support_number_is_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"SUPPORT_NUMBER is invalid: .*'\+1555'"):
        load(monkeypatch, env, SUPPORT_NUMBER="+1555")


def test_bad_public_url_is_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is invalid"):
        load(monkeypatch, env, PUBLIC_BASE_URL="support.example.com")


def test_error_is_one_line(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as raised:
        load(monkeypatch, env, SECRET_KEY=None, TWILIO_ACCOUNT_SID="nope")
    message = str(raised.value)
    assert "\n" not in message
    assert "SECRET_KEY is not set" in message
    assert "TWILIO_ACCOUNT_SID is invalid" in message


def test_support_number_is_normalised_and_sets_the_region(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    settings = load(monkeypatch, env, SUPPORT_NUMBER="+44 20 7946 0958")
    assert settings.support_number == "+442079460958"
    assert settings.region == "GB"


def test_dotenv_file_is_read(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp_path: Path
) -> None:
    for name in env:
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    settings = Settings.load(_env_file=dotenv)
    assert settings.public_base_url == env["PUBLIC_BASE_URL"]
    assert settings.redis_url == env["REDIS_URL"]


def test_unset_redis_url_means_embedded(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    settings = load(monkeypatch, env, REDIS_URL=None, IVR_DATA_DIR=None)
    assert settings.redis_url is None
    assert settings.ivr_data_dir == Path("var")


@pytest.mark.parametrize(
    "url", ["redis://", "redis:///0", "redis://:6379", "redis://h:port", "unix://", "tcp://h"]
)
def test_a_redis_url_that_names_no_usable_server_is_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str
) -> None:
    # redis-py would read most of these as localhost:6379, silently.
    with pytest.raises(ConfigError, match="REDIS_URL is invalid"):
        load(monkeypatch, env, REDIS_URL=url)


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example.com", "unix:///run/r.sock"]
)
def test_usable_redis_urls_load(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str
) -> None:
    assert load(monkeypatch, env, REDIS_URL=url).redis_url == url


def write_dev_env(data_dir: Path, pid: int, **variables: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{DEV_PID_VARIABLE}={pid}", *(f"{k}={v}" for k, v in variables.items())]
    (data_dir / DEV_ENV_FILE).write_text("\n".join(lines) + "\n")


def only_data_dir(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], data_dir: Path) -> None:
    for name in env:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IVR_DATA_DIR", str(data_dir))


def test_commands_beside_a_running_dev_line_read_its_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp_path: Path
) -> None:
    only_data_dir(monkeypatch, env, tmp_path / "var")
    monkeypatch.setenv("SECRET_KEY", "set-in-the-environment-wins")
    dev = {k: v for k, v in env.items() if k not in ("REDIS_URL", "IVR_DATA_DIR")}
    write_dev_env(tmp_path / "var", os.getpid(), **{**dev, "SECRET_KEY": "from-dev-env-xxxxxxxx"})

    settings = Settings.load(_env_file=tmp_path / "absent.env")

    assert settings.public_base_url == env["PUBLIC_BASE_URL"]
    assert settings.twilio_auth_token == env["TWILIO_AUTH_TOKEN"]
    assert settings.secret_key == "set-in-the-environment-wins"
    assert settings.redis_url is None  # the embedded Redis of the same data dir


def test_a_dev_env_left_by_a_stopped_dev_line_is_ignored(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp_path: Path
) -> None:
    only_data_dir(monkeypatch, env, tmp_path / "var")
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dev = {k: v for k, v in env.items() if k not in ("REDIS_URL", "IVR_DATA_DIR")}
    write_dev_env(tmp_path / "var", finished.pid, **dev)

    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID is not set"):
        Settings.load(_env_file=tmp_path / "absent.env")


def test_no_env_file_means_the_environment_alone(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp_path: Path
) -> None:
    only_data_dir(monkeypatch, env, tmp_path / "var")
    dev = {k: v for k, v in env.items() if k not in ("REDIS_URL", "IVR_DATA_DIR")}
    write_dev_env(tmp_path / "var", os.getpid(), **dev)
    with pytest.raises(ConfigError, match="is not set"):
        Settings.load(_env_file=None)
