"""The service's whole configuration: one pydantic-settings class read from the environment.

Nothing else reads `os.environ`. A missing or malformed variable stops start-up with one line
naming it, because a support line that starts half-configured fails callers later, silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, AnyHttpUrl, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm.phones import InvalidPhoneNumber, region_of, to_e164


def _support_number(value: str) -> str:
    try:
        return to_e164(value)
    except InvalidPhoneNumber as exc:
        raise ValueError(f"{exc} (use E.164, e.g. +14155550100)") from None


def _no_trailing_slash(url: AnyHttpUrl) -> str:
    return str(url).rstrip("/")


BaseUrl = Annotated[AnyHttpUrl, AfterValidator(_no_trailing_slash)]


class ConfigError(RuntimeError):
    """The environment does not describe a usable service; the message names the variable."""


class Settings(BaseSettings):
    """Every variable of the public contract; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    redis_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://")
    ivr_data_dir: Path = Path("./var")
    twilio_account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    twilio_auth_token: str = Field(min_length=8)
    twilio_api_base: BaseUrl = "https://api.twilio.com"  # type: ignore[assignment]
    public_base_url: BaseUrl
    support_number: Annotated[str, AfterValidator(_support_number)]
    ivr_callflow: Path | None = None
    ivr_api_token: str | None = Field(default=None, min_length=16)
    secret_key: str = Field(min_length=16)

    @property
    def region(self) -> str:
        """The support line's country: the default for numbers written without one."""
        return region_of(self.support_number)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read the environment (and `.env`), or raise `ConfigError` naming what is wrong."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        if error["type"] == "missing":
            problems.append(f"{variable} is not set")
        else:
            problems.append(f"{variable} is invalid: {error['msg']}")
    return "configuration error: " + "; ".join(problems)
