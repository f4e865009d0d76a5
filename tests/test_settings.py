"""Configuration errors name the variable; a good environment loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.settings import ConfigError, Settings


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
