"""The `ivr` command: serve, work, import the directory, open cases, set presence.

Every failure a user can cause or meet (configuration, an unreachable Redis, a bad file or
value) ends the command with one line saying what to fix, never a traceback: `Line` turns them
into click errors in one place, for every command.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker

from callflows import FlowError, default_flow_path, load_flow
from crm.case_rules import NotAllowed, NotNow
from crm.cases import UnknownCase
from crm.imports import CsvImportError, import_customers, read_reps
from crm.models import Presence, explain
from crm.phones import InvalidPhoneNumber
from crm.reps import UnknownRep
from ivr import create_app, dispatch, jobs
from ivr.cli_callbacks import list_callbacks
from ivr.cli_cases import cases
from ivr.cli_context import REDIS_META, describe_redis, services_for_command
from ivr.cli_reports import report
from ivr.embedded_redis import EmbeddedRedisError
from ivr.services_access import EXTENSION
from ivr.settings import ConfigError, Settings
from ivr.sweeping import Sweeping
from queues.presence import SET_BY_HAND, PresenceRefused

# Requests `ivr serve --access-log` leaves out: probes, not calls.
QUIET_PATHS = frozenset({"/healthz", "/metrics"})
REDIS_WAIT_SECONDS = 1.0


class Line(click.Group):
    """The `ivr` group: runs a command and turns what a user can fix into one line."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a known failure becomes a `ClickException` with its one line."""
        try:
            return super().invoke(ctx)
        except (
            ConfigError,
            FlowError,
            CsvImportError,
            InvalidPhoneNumber,
            UnknownRep,
            UnknownCase,
            NotAllowed,
            NotNow,
            PresenceRefused,
        ) as exc:
            raise click.ClickException(str(exc)) from None
        except ValidationError as exc:
            raise click.ClickException(explain(exc)) from None
        except (RedisConnectionError, RedisTimeoutError, EmbeddedRedisError) as exc:
            where = ctx.meta.get(REDIS_META, "Redis")
            raise click.ClickException(f"cannot reach {where}: {_one_line(exc)}") from None
        except RedisError as exc:
            where = ctx.meta.get(REDIS_META, "Redis")
            raise click.ClickException(f"{where} refused a command: {_one_line(exc)}") from None
        except OSError as exc:  # a file that cannot be read or written, a port refused
            raise click.ClickException(_one_line(exc)) from None


def _one_line(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


@click.group(cls=Line)
def main() -> None:
    """A Twilio support line that gets every caller to a person quickly."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="host:port to listen on")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option(
    "--access-log", is_flag=True, help="print one line per request (health checks left out)"
)
def serve(bind: str, workers: int, access_log: bool) -> None:
    """Serve the web app with gunicorn: Twilio voice webhooks, the SMS reply, /healthz."""
    from gunicorn.app.base import BaseApplication

    from ivr import create_app

    settings = Settings.load()
    # Refuse a bad flow (or one whose time zone cannot be known) up front.
    load_flow(settings.ivr_callflow or default_flow_path(), settings.support_number)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            if access_log:
                self.cfg.set("accesslog", "-")
                self.cfg.set("logger_class", _request_log_class())

        def load(self) -> Any:
            return create_app(settings)

    Server().run()


def _request_log_class() -> type:
    """A gunicorn logger that prints each request as one short line: what the call asked."""
    from gunicorn.glogging import Logger

    class RequestLog(Logger):
        def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
            path = environ.get("PATH_INFO", "")
            if path in QUIET_PATHS:
                return
            query = environ.get("QUERY_STRING", "")
            target = f"{path}?{query}" if query else path
            milliseconds = request_time.total_seconds() * 1000
            self.access_log.info(
                "%s %s %s -> %s in %.0f ms",
                datetime.now().strftime("%H:%M:%S"),
                environ.get("REQUEST_METHOD", "-"),
                target,
                str(resp.status).split(" ", 1)[0],
                milliseconds,
            )

    return RequestLog


@main.command()
@click.option("--burst", is_flag=True, help="work until the queue is empty, then exit")
def worker(burst: bool) -> None:
    """Run the dispatcher (callers connected to reps as they become free) and the callback
    sweeper beside an rq worker, with rq's scheduler, on the line's job queue in Redis."""
    settings = Settings.load()
    describe_redis(settings)
    app = create_app(settings)
    services = app.extensions[EXTENSION]
    jobs.bind(app)
    running: list[dispatch.Running | Sweeping] = (
        [dispatch.start(app), Sweeping(app)] if not burst else []
    )
    try:
        if not burst:  # a one-pass run reports an unreachable Redis at once, as commands do
            wait_for_redis(services.redis)
        # Jobs run in this process (no fork per job): a callback dispatch is a few Redis steps
        # and one REST call, far cheaper than a fork.
        SimpleWorker([services.jobs], connection=services.jobs.connection).work(
            burst=burst, with_scheduler=True
        )
    finally:
        for background in running:
            background.stop()


def wait_for_redis(redis: Redis) -> None:
    """Wait until Redis answers: a worker started before it (a reboot, a deploy, Redis
    restarting) waits, as a working one rides out an outage, rather than exit."""
    waiting = False
    while True:
        try:
            redis.ping()
            return
        except RedisConnectionError as exc:
            if not waiting:
                click.echo(f"waiting for Redis: {exc}", err=True)
                waiting = True
            time.sleep(REDIS_WAIT_SECONDS)


@main.command()
@click.option("--port", default=8000, show_default=True, help="the web app's port")
@click.option("--simulator-port", default=8001, show_default=True, help="the simulator's port")
def dev(port: int, simulator_port: int) -> None:
    """Run the whole line locally: Redis, web, worker, Twilio simulator and demo data."""
    from ivr.dev import DevError, DevPorts, run

    try:
        status = run(DevPorts(app=port, simulator=simulator_port))
    except DevError as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(status)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(path: Path) -> None:
    """Lint a call flow: the menu rules callers rely on, with the path of every problem.

    With the line configured, its SUPPORT_NUMBER decides the zone of a flow that states none.
    """
    try:
        number: str | None = Settings.load().support_number
    except ConfigError:
        number = None
    flow = load_flow(path, number)
    zone = flow.stated_timezone or "not stated; the line's number will decide"
    click.echo(
        f"{path}: {flow.name!r} is a good call flow ({len(flow.menus)} menus, time zone {zone})"
    )


@main.group(name="import")
def import_() -> None:
    """Load the directory from CSV files: all rows or, if any is bad, none."""


@import_.command(name="customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_customers_command(path: Path) -> None:
    """Import customers from a UTF-8 CSV with columns phone,name,spend,account."""
    services = services_for_command()
    count = import_customers(path, services.settings.region, services.customers)
    click.echo(f"imported {count} customers")


@import_.command(name="reps")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_reps(path: Path) -> None:
    """Import reps from a UTF-8 CSV with columns id,name,endpoint,role,password[,teams]."""
    services = services_for_command()
    reps = read_reps(path, services.settings.region)
    click.echo(f"imported {services.reps.save_all(reps)} reps")


@main.group()
def reps() -> None:
    """Work with reps."""


@reps.command(name="presence")
@click.argument("rep_id")
@click.argument("state", type=click.Choice(sorted(state.value for state in SET_BY_HAND)))
def presence(rep_id: str, state: str) -> None:
    """Set a rep's presence: available to take calls, busy, wrap-up, away or offline."""
    services = services_for_command()
    previous = services.presence.set(rep_id, Presence(state))
    click.echo(f"{rep_id} is {state} (was {previous.value})")


main.add_command(cases)
main.add_command(list_callbacks)
main.add_command(report)


if __name__ == "__main__":
    main()
