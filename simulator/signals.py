"""What reaches a leg's thread while it runs TwiML, and the exceptions that unwind it.

A leg's thread waits on its inbox; scripts, the REST stand-in and other legs post the messages
below there. A message that changes the course of the call (a hang-up, a redirect, a person
taking a queued caller) is raised as one of the exceptions below, so the thread leaves whatever
verb it was in and the verb that owns the outcome (Dial, Enqueue, the document loop) handles it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.twiml import Context

if TYPE_CHECKING:
    from simulator.leg import Bridge, Leg


# ----- messages a leg's thread receives -----


@dataclass(frozen=True)
class Input:
    """Something the person on the leg did: `digits`, `speech` or `silence`."""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class HangUp:
    """The person on the leg put the phone down (or REST completed the call)."""


@dataclass(frozen=True)
class Redirect:
    """REST moved the call to new TwiML: a URL, or the document itself in `body`."""

    url: str
    method: str = "POST"
    body: str | None = None


@dataclass(frozen=True)
class Connect:
    """Another leg takes this one into `bridge`; `whisper_url` plays to this leg first."""

    bridge: Bridge
    whisper_url: str | None = None
    whisper_method: str = "POST"


@dataclass(frozen=True)
class BridgeEnded:
    """The other end of the bridge hung up."""


@dataclass(frozen=True)
class Next:
    """The document to run next, and the parameters to send when fetching it."""

    url: str
    method: str
    params: Mapping[str, str] = field(default_factory=dict)
    context: Context = Context.CALL
    body: str | None = None  # TwiML given inline (REST `Twiml=`) instead of fetched


# ----- how a message unwinds the running verb -----


class Ended(Exception):
    """The leg is over (hung up, rejected, or completed by REST)."""


class HungUpOnDial(Ended):
    """The caller hung up during a `<Dial>`: how far the dial had got."""

    def __init__(self, outcome: str, dialled: Leg | None, seconds: int) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.dialled = dialled
        self.seconds = seconds


class Transfer(Exception):
    """Control moves to another document (REST redirect)."""

    def __init__(self, to: Redirect) -> None:
        super().__init__(to.url)
        self.to = to


class Left(Exception):
    """`<Leave>` in hold music: the caller leaves the queue."""


class Bridged(Exception):
    """A person took this caller out of the queue."""

    def __init__(self, message: Connect) -> None:
        super().__init__("bridged")
        self.message = message
