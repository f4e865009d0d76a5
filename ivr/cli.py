"""The `ivr` command: serve, work, import the directory, open cases, set presence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rq import Worker

from callflows import FlowError, default_flow_path, load_flow
from crm.imports import CsvImportError, read_customers, read_reps
from crm.models import Presence
from crm.phones import InvalidPhoneNumber, to_e164
from crm.reps import UnknownRep
from ivr.services import Services
from ivr.settings import ConfigError, Settings


def _services() -> Services:
    try:
        return Services.build(Settings.load())
    except (ConfigError, FlowError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """A Twilio support line that gets every caller to a person quickly."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="host:port to listen on")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
def serve(bind: str, workers: int) -> None:
    """Serve the web app (Twilio webhooks, console, API) with gunicorn."""
    from gunicorn.app.base import BaseApplication

    from ivr import create_app

    try:
        settings = Settings.load()
        load_flow(settings.ivr_callflow or default_flow_path())  # refuse a bad flow up front
    except (ConfigError, FlowError) as exc:
        raise click.ClickException(str(exc)) from None

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)

        def load(self) -> Any:
            return create_app(settings)

    Server().run()


@main.command()
@click.option("--burst", is_flag=True, help="work until the queue is empty, then exit")
def worker(burst: bool) -> None:
    """Run the background worker: callbacks, SMS, sweeps, with rq's scheduler."""
    services = _services()
    Worker([services.jobs], connection=services.jobs.connection).work(
        burst=burst, with_scheduler=True
    )


@main.command()
@click.option("--port", default=8000, show_default=True, help="the web app's port")
@click.option("--simulator-port", default=8001, show_default=True, help="the simulator's port")
def dev(port: int, simulator_port: int) -> None:
    """Run the whole line locally: Redis, web, worker, Twilio simulator and demo data."""
    from ivr.dev import DevPorts, run

    raise SystemExit(run(DevPorts(app=port, simulator=simulator_port)))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(path: Path) -> None:
    """Lint a call flow: the menu rules callers rely on, with the path of every problem."""
    try:
        flow = load_flow(path)
    except FlowError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: {flow.name!r} is a good call flow ({len(flow.menus)} menus)")


@main.group(name="import")
def import_() -> None:
    """Load the directory from CSV files: all rows or, if any is bad, none."""


@import_.command(name="customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_customers(path: Path) -> None:
    """Import customers from a CSV with columns phone,name,spend,account."""
    services = _services()
    try:
        customers = read_customers(path, services.settings.region)
    except CsvImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"imported {services.customers.save_all(customers)} customers")


@import_.command(name="reps")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_reps(path: Path) -> None:
    """Import reps from a CSV with columns id,name,endpoint,role,password."""
    services = _services()
    try:
        reps = read_reps(path, services.settings.region)
    except CsvImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"imported {services.reps.save_all(reps)} reps")


@main.group()
def cases() -> None:
    """Work with cases."""


@cases.command(name="open")
@click.option("--phone", required=True, help="the customer's phone number")
@click.option("--owner", required=True, help="id of the rep who owns the case")
@click.option("--subject", required=True, help="what the case is about")
@click.option("--category", default="general", show_default=True)
def open_case(phone: str, owner: str, subject: str, category: str) -> None:
    """Open a case and print its reference."""
    services = _services()
    try:
        case = services.cases.open(
            to_e164(phone, services.settings.region), owner, subject, category
        )
    except (InvalidPhoneNumber, UnknownRep) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(case.reference)


@main.group()
def reps() -> None:
    """Work with reps."""


@reps.command(name="presence")
@click.argument("rep_id")
@click.argument("state", type=click.Choice([p.value for p in Presence]))
def presence(rep_id: str, state: str) -> None:
    """Set a rep available, busy or offline."""
    services = _services()
    try:
        services.reps.set_presence(rep_id, Presence(state))
    except UnknownRep as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{rep_id} is {state}")


if __name__ == "__main__":
    main()
