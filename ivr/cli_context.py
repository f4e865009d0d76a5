"""What every `ivr` command shares: the line's services, built from its settings, and the
name of the Redis in use for the one line an unreachable Redis is reported with."""

from __future__ import annotations

import click

from ivr.services import Services
from ivr.settings import Settings, redacted

REDIS_META = "ivr.redis"  # where the Redis in use is described, for error messages


def services_for_command() -> Services:
    """The line's services, for the command being run."""
    settings = Settings.load()
    describe_redis(settings)
    return Services.build(settings)


def describe_redis(settings: Settings) -> None:
    """Name the Redis in use, for the one line an unreachable Redis is reported with."""
    click.get_current_context().meta[REDIS_META] = (
        f"Redis at REDIS_URL={redacted(settings.redis_url)}"
        if settings.redis_url
        else f"the embedded Redis under IVR_DATA_DIR ({settings.ivr_data_dir}; REDIS_URL unset)"
    )
