"""One leg of a call: who is on it, its status and status callbacks, what it heard, its inbox.

A leg is state only; the TwiML it runs is the interpreter's business (`simulator.interpreter`)
and the scripting API tests drive it with is `simulator.script.Call`. Waiting lives here because
every verb that waits (a prompt playing, a Gather listening, hold music) must react the same way
to what arrives meanwhile: keys are kept for the next Gather, anything else changes the call.
"""

from __future__ import annotations

import itertools
import math
import queue as mailbox
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from simulator.account import API_VERSION, new_sid
from simulator.people import Person
from simulator.signals import (
    Bridged,
    BridgeEnded,
    Connect,
    Ended,
    HangUp,
    Input,
    Redirect,
    Transfer,
)
from simulator.webhooks import WebhookError

if TYPE_CHECKING:
    from simulator.switch import Queue, Switch

# How fast anyone on a call speaks, prompts and callers alike.
WORDS_PER_SECOND = 2.5
# How long a script has to press its next key into a Gather that already holds some.
NEXT_KEY_SECONDS = 0.5
# The statuses of a leg that is still up; any other status says how it ended.
LIVE_STATUSES = ("in-progress", "ringing", "queued")


@dataclass(frozen=True)
class Event:
    """One thing a leg heard or did: `say`, `play`, `gather`, `dial`, `bridged`, `hangup`, ..."""

    kind: str
    text: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.detail.items())
        return f"[{self.kind}] {self.text} {extra}".rstrip()


def whole_seconds(since: datetime, until: datetime | None = None) -> int:
    """Seconds from `since` to `until` (now), rounded up as Twilio bills them."""
    elapsed = ((until or datetime.now(UTC)) - since).total_seconds()
    return max(0, math.ceil(elapsed))


class Bridge:
    """Two legs talking to each other until either hangs up."""

    def __init__(self, a: Leg, b: Leg) -> None:
        self.legs = (a, b)
        self.started = datetime.now(UTC)
        self._ended = threading.Event()

    def other(self, leg: Leg) -> Leg:
        """The leg at the other end."""
        return self.legs[1] if leg is self.legs[0] else self.legs[0]

    def end(self) -> None:
        """Hang up the bridge: both legs stop talking."""
        if not self._ended.is_set():
            self._ended.set()
            for leg in self.legs:
                leg.inbox.put(BridgeEnded())

    @property
    def seconds(self) -> int:
        """How long the two were connected."""
        return whole_seconds(self.started)


class Leg:
    """A call leg's state: identity, status, transcript, queue place, bridge and inbox."""

    def __init__(
        self,
        switch: Switch,
        *,
        from_: str,
        to: str,
        direction: str,
        person: Person | None = None,
        interactive: bool = False,
        status_callback: str | None = None,
        status_events: tuple[str, ...] = ("completed",),
        parent: Leg | None = None,
    ) -> None:
        self.switch = switch
        self.sid = new_sid("CA")
        self.from_ = from_
        self.to = to
        self.direction = direction
        self.person = person
        # A person at the dev phone answers in real time; a script is given time to act.
        self.interactive = interactive
        self.status = "queued"
        self.status_callback = status_callback
        self.status_events = status_events
        self.parent = parent
        self.started = datetime.now(UTC)
        self.ended_at: datetime | None = None
        self.inbox: mailbox.Queue[object] = mailbox.Queue()
        self.transcript: list[Event] = []
        self.queue: Queue | None = None
        # When the leg last joined a queue: a member's wait counts from here, not from the ring.
        self.enqueued_at: datetime | None = None
        self.bridge: Bridge | None = None
        # Whether this leg's latest <Dial> connected it to the other party (Twilio's DialBridged).
        self.dial_bridged = False
        self._changed = threading.Condition()
        # Keys and words that arrive while a prompt plays are kept for the next Gather/Record,
        # as barge-in would, so a script need not race the prompt.
        self._pending: deque[Input] = deque()
        self._sequence = itertools.count()

    # ----- reading the leg -----

    @property
    def ended(self) -> bool:
        """True once the leg is over."""
        return self.ended_at is not None

    @property
    def answers_by_itself(self) -> bool:
        """Whether a simulated person keys in their answers, rather than a script or a page."""
        return self.person is not None and self.person.presses is not None

    def params(self) -> dict[str, str]:
        """The parameters Twilio sends with every webhook of this leg."""
        return {
            "CallSid": self.sid,
            "AccountSid": self.switch.config.account_sid,
            "From": self.from_,
            "To": self.to,
            "Caller": self.from_,
            "Called": self.to,
            "CallStatus": self.status,
            "Direction": self.direction,
            "ApiVersion": API_VERSION,
            **({"ParentCallSid": self.parent.sid} if self.parent is not None else {}),
        }

    # ----- controlling a live leg (the person hanging up, REST) -----

    def hang_up(self) -> None:
        """Put the phone down."""
        self.inbox.put(HangUp())
        if self.bridge is not None:
            self.bridge.end()

    def redirect(self, url: str, method: str = "POST") -> None:
        """Send the call to new TwiML now, whatever it is doing (REST `Url=`)."""
        self.leave_queue()
        self.inbox.put(Redirect(url, method))

    def redirect_twiml(self, twiml: str) -> None:
        """Send the call to the inline TwiML `twiml` now, whatever it is doing (REST `Twiml=`)."""
        self.leave_queue()
        self.inbox.put(Redirect("", body=twiml))

    # ----- bookkeeping -----

    def log(self, kind: str, text: str = "", **detail: str) -> None:
        """Add to the transcript and wake whoever waits for it."""
        with self._changed:
            self.transcript.append(Event(kind, text, detail))
            self._changed.notify_all()

    def set_status(self, status: str) -> None:
        """Twilio's CallStatus from now on."""
        self.status = status

    def leave_queue(self) -> None:
        """Step out of the queue the leg waits in, if any."""
        with self.switch.lock:
            if self.queue is not None and self in self.queue.members:
                self.queue.members.remove(self)
            self.queue = None

    def finish(self) -> None:
        """End the leg (once): out of any queue and bridge, final status, status callback."""
        if self.ended:
            return
        self.leave_queue()
        if self.bridge is not None:
            self.bridge.end()
        if self.status in LIVE_STATUSES:
            self.status = "completed"
        self.ended_at = datetime.now(UTC)
        # Logged before the callback so whoever watches the transcript sees the end at once,
        # however slow the app answers; `Call.wait()` joins the thread, so it covers the callback.
        self.log("ended", self.status)
        self.notify_status(self.status)

    def notify_status(self, event: str) -> None:
        """Send the status callback for `event`, if the leg asked for that event."""
        url = self.status_callback
        wanted = "completed" if event in ("busy", "no-answer", "failed", "canceled") else event
        if not url or wanted not in self.status_events:
            return
        params = {
            **self.params(),
            "CallStatus": {"answered": "in-progress"}.get(event, event),
            "Timestamp": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "SequenceNumber": str(next(self._sequence)),
            "CallbackSource": "call-progress-events",
        }
        if self.ended_at is not None:
            params["CallDuration"] = str(whole_seconds(self.started, self.ended_at))
        try:
            self.switch.webhooks.request(url, params)
        except WebhookError as exc:
            self.switch.report(f"status callback of {self.sid}: {exc}")

    # ----- waiting -----

    def await_input(self, timeout: int, gather: bool, more: bool = False) -> Input:
        """The next thing the person does; `more` when a Gather already holds some keys.

        A script is given time to act; but once it has typed some keys and stops, the Gather's
        own timeout applies (scaled, with a moment for the script's next key), as on a phone.
        """
        presses = self.person.presses if self.person is not None else None
        if presses is not None and gather:
            return Input("digits", presses)
        if self._pending:
            return self._pending.popleft()
        if self.interactive:
            limit: float = timeout
        elif more:
            limit = max(timeout * self.switch.config.time_scale, NEXT_KEY_SECONDS)
        else:
            limit = self.switch.config.idle_timeout_seconds
        deadline = time.monotonic() + limit
        while (remaining := deadline - time.monotonic()) > 0:
            item = self.next_message(remaining)
            if isinstance(item, Input):
                return item
            if item is not None:
                self.handle_control(item)
        if self.interactive or more:
            return Input("silence")
        self.log("error", "the script gave no input in time; hanging up")
        raise Ended

    def check_messages(self) -> None:
        """Act on whatever arrived since the last look, without waiting."""
        while True:
            try:
                item = self.inbox.get_nowait()
            except mailbox.Empty:
                return
            self.handle_control(item)

    def pause(self, seconds: float, at_least: float = 0.0) -> None:
        """Let `seconds` of simulated time pass (at least `at_least` real ones), listening."""
        deadline = time.monotonic() + max(seconds * self.switch.config.time_scale, at_least)
        while (remaining := deadline - time.monotonic()) > 0:
            item = self.next_message(remaining)
            if item is not None:
                self.handle_control(item)

    def next_message(self, timeout: float | None) -> object | None:
        """The next message in the inbox, waiting up to `timeout` (None: for ever)."""
        try:
            return self.inbox.get(timeout=timeout)
        except mailbox.Empty:
            return None

    def handle_control(self, item: object) -> None:
        """Keep input for later; raise whatever changes the course of the call."""
        if isinstance(item, Input):
            self._pending.append(item)
        elif isinstance(item, HangUp):
            raise Ended
        elif isinstance(item, Redirect):
            raise Transfer(item)
        elif isinstance(item, Connect):
            raise Bridged(item)
