"""The service's whole configuration: one pydantic-settings class read from the environment.

Nothing else reads `os.environ`. A missing or malformed variable stops start-up with one line
naming it, because a support line that starts half-configured fails callers later, silently.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import AfterValidator, AnyHttpUrl, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from crm.phones import InvalidPhoneNumber, region_of, to_e164

DEFAULT_DATA_DIR = Path("./var")
# A running `ivr dev` describes its line here, so commands run beside it reach the same line.
DEV_ENV_FILE = "dev.env"
DEV_PID_VARIABLE = "IVR_DEV_PID"
_USERINFO = re.compile(r"//[^/@]*@")


def _support_number(value: str) -> str:
    try:
        return to_e164(value)
    except InvalidPhoneNumber as exc:
        raise ValueError(f"{exc} (use E.164, e.g. +14155550100)") from None


def redacted(url: str) -> str:
    """A Redis URL fit to print: any user name and password replaced by `***`."""
    return _USERINFO.sub("//***@", url)


def _redis_url(value: str) -> str:
    # redis-py quietly reads a URL with no host as localhost:6379: refuse what it would guess.
    shown = repr(redacted(value))
    try:
        url = urlsplit(value)
        port = url.port  # reading it checks it
    except ValueError as exc:
        raise ValueError(f"{shown} is not a Redis URL ({exc})") from None
    if url.scheme in ("redis", "rediss"):
        if not url.hostname:
            raise ValueError(
                f"{shown} names no host (e.g. redis://127.0.0.1:6379/0); "
                "unset it for the embedded Redis"
            )
        if port == 0:
            raise ValueError(f"{shown} has port 0")
        if url.path.strip("/") and not url.path.strip("/").isdigit():
            raise ValueError(f"{shown}: the path must be a database number, e.g. /0")
    elif url.scheme == "unix":
        if not url.path:
            raise ValueError(f"{shown} names no socket (e.g. unix:///run/redis/redis.sock)")
    else:
        raise ValueError(f"{shown} must start with redis://, rediss:// or unix://")
    return value


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

    redis_url: Annotated[str, AfterValidator(_redis_url)] | None = None
    ivr_data_dir: Path = DEFAULT_DATA_DIR
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
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then `.env`, then what a running `ivr dev` wrote down."""
        reads_files = not (
            isinstance(dotenv_settings, DotEnvSettingsSource) and dotenv_settings.env_file is None
        )
        sources = [init_settings, env_settings, dotenv_settings]
        if reads_files:  # `_env_file=None` means: the environment alone
            sources.append(RunningDevLine(settings_cls))
        return (*sources, file_secret_settings)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read the environment (and `.env`), or raise `ConfigError` naming what is wrong."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None


class RunningDevLine(PydanticBaseSettingsSource):
    """The variables `ivr dev` wrote to `IVR_DATA_DIR/dev.env`, while that `ivr dev` runs.

    Read after the environment and `.env`, so anything set there wins. A file left behind by
    an `ivr dev` that no longer runs is ignored: its made-up credentials must never configure
    anything else.
    """

    def __call__(self) -> dict[str, Any]:
        data_dir = Path(self.current_state.get("ivr_data_dir") or DEFAULT_DATA_DIR)
        path = data_dir / DEV_ENV_FILE
        if not path.is_file():
            return {}
        values = {name.lower(): value for name, value in dotenv_values(path).items()}
        if not _running(values.pop(DEV_PID_VARIABLE.lower(), None)):
            return {}
        fields = self.settings_cls.model_fields
        return {name: value for name, value in values.items() if name in fields and value}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: `__call__` reads the whole file at once."""
        return None, field_name, False


def _running(pid: str | None) -> bool:
    if pid is None or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        if error["type"] == "missing":
            problems.append(f"{variable} is not set")
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{variable} is invalid: {message}")
    return "configuration error: " + "; ".join(problems)
