"""`ivr callbacks`: the promises made to callers and not yet kept, from the shell."""

from __future__ import annotations

import click

from callflows.promises import spoken_time
from crm.models import utcnow
from ivr.cli_context import services_for_command
from voicemail.models import Callback
from voicemail.promises import at_risk


def callback_line(callback: Callback, when: str, promised: str, risky: bool) -> str:
    """One open callback as a line of `ivr callbacks`."""
    owner = f" owner {callback.owner}" if callback.owner else ""
    case = f" case {callback.case}" if callback.case else ""
    flag = "  AT RISK" if risky else ""
    return (
        f"{callback.id}  {callback.phone}  {callback.line}  {callback.state.value}  due {when}"
        f"  promised by {promised}  tries {callback.attempts}/{callback.max_attempts}"
        f"{owner}{case}{flag}"
    )


@click.command(name="callbacks")
def list_callbacks() -> None:
    """List the callbacks not yet kept: due time, promised time (the line's zone), tries."""
    services = services_for_command()
    now = utcnow()
    flow = services.flow
    open_callbacks = services.callbacks.open_callbacks()
    for callback in open_callbacks:
        click.echo(
            callback_line(
                callback,
                spoken_time(callback.due, now, flow),
                spoken_time(callback.promised_by, now, flow),
                at_risk(callback, now),
            )
        )
    if not open_callbacks:
        click.echo("No callbacks waiting.")
