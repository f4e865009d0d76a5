"""The simulated phone network of one Twilio account: its legs, queues, people and recordings.

Each leg (`simulator.script.Call`, a `simulator.leg.Leg` with the scripting API) runs in a
thread of its own, fetching TwiML from the app over HTTP (signed) and executing it with the
interpreter (`simulator.interpreter`), waiting where a real call waits: for the caller's keys or
words, in a queue, ringing a person, bridged to one. Whatever a leg hears or does is appended to
its transcript, which tests read. Anything Twilio would refuse is recorded in `Switch.errors`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from simulator import recordings
from simulator.account import API_VERSION, LineConfig, new_sid
from simulator.interpreter import MAX_DOCUMENTS_PER_CALL
from simulator.leg import Event, Leg, whole_seconds
from simulator.people import Person
from simulator.recordings import Recording
from simulator.script import EXPECT_TIMEOUT_SECONDS, Call
from simulator.twiml import Verb
from simulator.webhooks import WebhookClient, WebhookError

__all__ = [
    "API_VERSION",
    "MAX_DOCUMENTS_PER_CALL",
    "Call",
    "Event",
    "LineConfig",
    "Message",
    "Queue",
    "Recording",
    "Switch",
    "new_sid",
]

# Twilio's Enqueue reference: a queue holds 100 callers unless REST says otherwise (up to 5000).
DEFAULT_QUEUE_SIZE = 100
MAX_QUEUE_SIZE = 5000


class Queue:
    """A Twilio call queue: callers in line, first in first out, up to `max_size` of them."""

    def __init__(self, name: str, lock: threading.RLock) -> None:
        self.name = name
        self.sid = new_sid("QU")
        self.created = datetime.now(UTC)
        self.members: list[Leg] = []
        self.max_size = DEFAULT_QUEUE_SIZE
        self._lock = lock

    def admit(self, leg: Leg) -> bool:
        """Put `leg` at the back of the line; False (and nothing changes) when the line is full."""
        with self._lock:
            if len(self.members) >= self.max_size:
                return False
            self.members.append(leg)
            leg.queue = self
            leg.enqueued_at = datetime.now(UTC)
            return True

    def take_front(self) -> Leg | None:
        """The caller first in line, out of the line (someone dialled the queue)."""
        with self._lock:
            if not self.members:
                return None
            member = self.members.pop(0)
            member.queue = None
            return member

    def position(self, leg: Leg) -> int:
        """1-based place in line."""
        return self.members.index(leg) + 1

    def wait_of(self, leg: Leg) -> int:
        """Seconds `leg` has waited since it last joined a queue."""
        return whole_seconds(leg.enqueued_at) if leg.enqueued_at else 0

    def average_wait(self) -> int:
        """The average wait of the callers in line now, in whole seconds."""
        with self._lock:
            waits = [self.wait_of(member) for member in self.members]
        return round(sum(waits) / len(waits)) if waits else 0


@dataclass(frozen=True)
class Message:
    """An SMS the app sent."""

    sid: str
    to: str
    from_: str
    body: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


class Switch:
    """All legs, queues, people, recordings and messages of one simulated Twilio account."""

    def __init__(self, config: LineConfig, base_url: str = "") -> None:
        self.config = config
        self.base_url = base_url
        self.webhooks = WebhookClient(config.auth_token)
        self.lock = threading.RLock()
        self.calls: dict[str, Call] = {}
        self.queues: dict[str, Queue] = {}
        self.people: dict[str, Person] = {}
        self.recordings: dict[str, Recording] = {}
        self.messages: list[Message] = []
        self.errors: list[str] = []
        # How many REST requests still to answer with a 500, as Twilio does in an incident.
        self.rest_failures = 0
        # Recording and transcription callbacks still on their way to the app.
        self._callbacks: list[threading.Thread] = []

    def fail_rest(self, times: int) -> None:
        """Answer the next `times` REST requests with 500 Internal Server Error."""
        with self.lock:
            self.rest_failures = times

    def rest_fails_now(self) -> bool:
        """Whether this REST request is one of those to fail (counting it)."""
        with self.lock:
            if self.rest_failures <= 0:
                return False
            self.rest_failures -= 1
            return True

    # ----- people and legs -----

    def add_person(self, person: Person) -> Person:
        """Make `person` reachable at their endpoint."""
        self.people[person.endpoint] = person
        return person

    def endpoint_of(self, who: str) -> str:
        """An endpoint given as itself or as a simulated person's name."""
        for person in self.people.values():
            if who in (person.name, person.endpoint):
                return person.endpoint
        return who

    def call(self, from_: str, interactive: bool = False) -> Call:
        """Place an inbound call to the line from `from_`, as a customer would."""
        leg = Call(
            self,
            from_=from_,
            to=self.config.number,
            direction="inbound",
            interactive=interactive,
            status_callback=self.config.status_callback_url,
        )
        return self.add_leg(leg).start(self.config.voice_url)

    def ring(self, parent: Leg, endpoint: str, caller_id: str, person: Person | None) -> Call:
        """The leg a `<Dial>` of `parent` opens to `endpoint`, answered and in progress."""
        leg = Call(
            self,
            from_=caller_id,
            to=endpoint,
            direction="outbound-dial",
            person=person,
            parent=parent,
        )
        leg.set_status("in-progress")
        return self.add_leg(leg)

    def add_leg(self, leg: Call) -> Call:
        """Register a leg so REST requests can find it."""
        with self.lock:
            self.calls[leg.sid] = leg
        return leg

    def leg(self, sid: str) -> Call | None:
        """The leg with this CallSid, if any."""
        with self.lock:
            return self.calls.get(sid)

    def legs_to(self, who: str) -> list[Call]:
        """Every leg that rang `who` (endpoint or person name), oldest first."""
        endpoint = self.endpoint_of(who)
        with self.lock:
            return [leg for leg in self.calls.values() if leg.to == endpoint]

    def active_calls(self) -> Iterator[Call]:
        """Legs not yet over."""
        with self.lock:
            return iter([leg for leg in self.calls.values() if not leg.ended])

    def hang_up_all(self) -> None:
        """End every live leg (shutting down)."""
        for leg in self.active_calls():
            leg.hang_up()

    # ----- queues -----

    def queue(self, name: str) -> Queue:
        """The queue called `name`, created on first use as Twilio does."""
        with self.lock:
            if name not in self.queues:
                self.queues[name] = Queue(name, self.lock)
            return self.queues[name]

    def queue_by_sid(self, sid: str) -> Queue | None:
        """The queue with this SID, if any."""
        with self.lock:
            return next((q for q in self.queues.values() if q.sid == sid), None)

    # ----- recordings -----

    def store_recording(self, leg: Leg, text: str) -> Recording:
        """Keep what the caller said as a recording."""
        account_url = f"{self.base_url}/{API_VERSION}/Accounts/{self.config.account_sid}"
        recording = recordings.new_recording(leg, text, account_url)
        with self.lock:
            self.recordings[recording.sid] = recording
        return recording

    def after_recording(self, leg: Leg, verb: Verb, recording: Recording) -> None:
        """Send the recording and transcription callbacks, in the background as Twilio does."""
        for url, params in recordings.callbacks(leg, verb, recording):
            thread = threading.Thread(
                target=self._callback, args=(url, params), name="callback", daemon=True
            )
            # Started under the lock so `settle` never sees it registered but not yet alive.
            with self.lock:
                self._callbacks = [t for t in self._callbacks if t.is_alive()]
                thread.start()
                self._callbacks.append(thread)

    def settle(self, timeout: float = EXPECT_TIMEOUT_SECONDS) -> bool:
        """Wait for the recording and transcription callbacks under way; False if some are not done.

        Hang up and wait for the legs first: a live leg may still start new ones.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                self._callbacks = [t for t in self._callbacks if t.is_alive()]
                pending = list(self._callbacks)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for thread in pending:
                thread.join(max(0.0, deadline - time.monotonic()))

    def _callback(self, url: str, params: dict[str, str]) -> None:
        try:
            self.webhooks.request(url, params)
        except WebhookError as exc:
            self.report(f"callback {url}: {exc}")

    # ----- what Twilio's debugger would show -----

    def report(self, problem: str) -> None:
        """Record something Twilio's debugger would flag."""
        with self.lock:
            self.errors.append(problem)
