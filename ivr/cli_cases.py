"""`ivr cases`: open a case, and close, resolve, reassign or note one as a named rep.

The shell has no sign-in: `--as REP` says who acts, and the case rules apply to them as to
anyone signed in to the console (only the owner or a supervisor changes a case), with the
same one-line refusals.
"""

from __future__ import annotations

import click

from crm.case_rules import Actor
from crm.models import Role
from crm.phones import to_e164
from crm.reps import UnknownRep
from ivr.cli_context import services_for_command
from ivr.services import Services

AS_REP = click.option("--as", "acting", required=True, metavar="REP", help="who makes the change")


def actor(services: Services, rep_id: str) -> Actor:
    """The rep acting, as the case rules know them."""
    rep = services.reps.get(rep_id)
    if rep is None:
        raise UnknownRep(rep_id)
    return Actor(id=rep.id, supervisor=rep.role is Role.SUPERVISOR)


@click.group()
def cases() -> None:
    """Work with cases."""


@cases.command(name="open")
@click.option("--phone", required=True, help="the customer's phone number")
@click.option("--owner", required=True, help="id of the rep who owns the case")
@click.option("--subject", required=True, help="what the case is about (up to 500 characters)")
@click.option("--category", default="general", show_default=True)
def open_case(phone: str, owner: str, subject: str, category: str) -> None:
    """Open a case and print its reference."""
    services = services_for_command()
    case = services.case_rules.open(
        to_e164(phone, services.settings.region), owner, subject, category
    )
    click.echo(case.reference)


@cases.command(name="close")
@click.argument("reference")
@AS_REP
@click.option("--reason", default="", help="why, for the timeline")
def close_case(reference: str, acting: str, reason: str) -> None:
    """Close a case (its owner or a supervisor)."""
    services = services_for_command()
    case = services.case_rules.close(reference, actor(services, acting), reason)
    click.echo(f"{case.reference} is closed")


@cases.command(name="resolve")
@click.argument("reference")
@AS_REP
@click.option("--summary", default="", help="what fixed it, for the timeline")
def resolve_case(reference: str, acting: str, summary: str) -> None:
    """Mark a case resolved (its owner or a supervisor); the customer is asked to sign it off."""
    services = services_for_command()
    case = services.case_rules.resolve(reference, actor(services, acting), summary)
    click.echo(f"{case.reference} is resolved; the customer is asked to sign it off")


@cases.command(name="reassign")
@click.argument("reference")
@click.option("--to", "to", required=True, metavar="REP", help="the new owner")
@AS_REP
def reassign_case(reference: str, to: str, acting: str) -> None:
    """Hand a case to another rep (its owner or a supervisor)."""
    services = services_for_command()
    case = services.case_rules.reassign(reference, to, actor(services, acting))
    click.echo(f"{case.reference} is now {case.owner}'s")


@cases.command(name="note")
@click.argument("reference")
@click.argument("text")
@AS_REP
def note_case(reference: str, text: str, acting: str) -> None:
    """Add a note to a case's timeline."""
    services = services_for_command()
    services.case_rules.note(reference, actor(services, acting), text)
    click.echo(f"noted on {reference.strip().upper()}")
