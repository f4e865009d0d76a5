"""The scripting API: a leg as tests and the dev phone drive it, and read what it heard.

`press`, `say`, `stay_silent` (and the leg's own `hang_up`) act as the person on the leg;
`expect_*` waits for something to happen and fails with the
transcript when it does not. The leg's TwiML runs in a thread of its own, started by `start`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from simulator.interpreter import Interpreter
from simulator.leg import Event, Leg
from simulator.signals import Input

EXPECT_TIMEOUT_SECONDS = 10.0


class Call(Leg):
    """One leg of a call, with the scripting API tests and the dev phone use to drive it."""

    _thread: threading.Thread | None = None
    _cursor = 0  # transcript events before this one have been read by `expect`

    # ----- driving the call (the person's side) -----

    def press(self, digits: str) -> None:
        """Key in digits, as at a keypad: a Gather collects them by its own rules."""
        self.inbox.put(Input("digits", digits))

    def say(self, words: str) -> None:
        """Speak: answers a speech `<Gather>`, or is recorded by `<Record>`."""
        self.inbox.put(Input("speech", words))

    def stay_silent(self) -> None:
        """Let the current `<Gather>` or `<Record>` time out."""
        self.inbox.put(Input("silence"))

    # ----- reading the call -----

    def heard(self) -> list[str]:
        """Everything said to this leg, in order."""
        return [event.text for event in self.transcript if event.kind == "say"]

    def expect(self, kind: str, text: str = "", **detail: str) -> Event:
        """Wait for the next event of `kind` containing `text` (and `detail`) and return it.

        Events before it are skipped; events read are not read again. Fails with the
        transcript when nothing matches in time.
        """
        deadline = time.monotonic() + EXPECT_TIMEOUT_SECONDS
        with self._changed:
            while True:
                for index in range(self._cursor, len(self.transcript)):
                    event = self.transcript[index]
                    if _matches(event, kind, text, detail):
                        self._cursor = index + 1
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.ended and self._thread_done()):
                    raise AssertionError(
                        f"expected [{kind}] {text!r} {detail or ''} on call {self.sid};"
                        f" transcript:\n{self.dump()}\nerrors: {self.switch.errors}"
                    )
                self._changed.wait(min(remaining, 0.1))

    def expect_say(self, text: str) -> Event:
        """Wait until the caller hears a sentence containing `text` (case-insensitive)."""
        return self.expect("say", text)

    def expect_gather(self) -> Event:
        """Wait until the call is listening for the caller's keys or words."""
        return self.expect("gather")

    def expect_dial(self, who: str) -> Event:
        """Wait until the call rings `who`: an endpoint or a simulated person's name."""
        return self.expect("dial", self.switch.endpoint_of(who))

    def expect_bridged(self, who: str) -> Event:
        """Wait until the call is connected to `who`."""
        return self.expect("bridged", self.switch.endpoint_of(who))

    def expect_enqueue(self, queue_name: str = "") -> Event:
        """Wait until the caller is put in a queue."""
        return self.expect("enqueue", queue_name)

    def expect_record(self) -> Event:
        """Wait until the call starts recording the caller."""
        return self.expect("record")

    def expect_ended(self) -> Event:
        """Wait until the leg is over and its final status callback has been sent."""
        event = self.expect("ended")
        self.wait()
        return event

    def dump(self) -> str:
        """The transcript as text, one event a line."""
        return "\n".join(str(event) for event in self.transcript)

    # ----- the leg's thread -----

    def start(self, url: str | None, method: str = "POST", twiml: str | None = None) -> Call:
        """Ring this leg's far end and, once answered, follow its first document."""
        self._thread = threading.Thread(
            target=Interpreter(self).live,
            args=(url, method, twiml),
            name=f"call-{self.sid}",
            daemon=True,
        )
        self._thread.start()
        return self

    def wait(self, timeout: float = EXPECT_TIMEOUT_SECONDS) -> None:
        """Block until the leg's thread is done."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _thread_done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()


def _matches(event: Event, kind: str, text: str, detail: Mapping[str, str]) -> bool:
    return (
        event.kind == kind
        and text.lower() in event.text.lower()
        and all(event.detail.get(k) == v for k, v in detail.items())
    )
