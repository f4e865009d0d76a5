"""The simulated phone network: calls that follow the app's TwiML as Twilio would.

Each call leg runs in a thread of its own, fetching TwiML from the app over HTTP (signed),
executing it verb by verb and waiting where a real call waits: for the caller's keys or words,
in a queue, ringing a person, bridged to one. Whatever the leg hears or does is appended to its
transcript, which tests read. Anything Twilio would refuse (an error answer, invalid TwiML, an
endless loop) is recorded in `Switch.errors` and ends the call, loudly.
"""

from __future__ import annotations

import itertools
import math
import queue as queues
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from simulator.people import Person, Pickup
from simulator.twiml import Context, InvalidTwiML, Verb, parse
from simulator.webhooks import WebhookClient, WebhookError

API_VERSION = "2010-04-01"
WORDS_PER_SECOND = 2.5
# How long a script has to press its next key into a Gather that already holds some.
NEXT_KEY_SECONDS = 0.5
# Twilio transcribes recordings of this many seconds only; others get a failed transcription.
TRANSCRIBABLE_SECONDS = range(2, 121)
# A call that fetches more documents than this without waiting (on hold) is going round in circles.
MAX_DOCUMENTS_PER_CALL = 200
EXPECT_TIMEOUT_SECONDS = 10.0


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class LineConfig:
    """The Twilio account and phone number as configured in Twilio's console."""

    account_sid: str
    auth_token: str
    number: str
    voice_url: str
    status_callback_url: str | None = None
    # Seconds of simulated time per real second: 0 runs pauses and rings instantly (tests).
    time_scale: float = 0.0
    # Shortest real time between two rounds of hold music, so a held call never spins.
    hold_round_seconds: float = 0.05
    # How long a scripted leg waits for its script before it hangs up by itself.
    idle_timeout_seconds: float = 60.0


@dataclass(frozen=True)
class Event:
    """One thing a leg heard or did: `say`, `play`, `gather`, `dial`, `bridged`, `hangup`, ..."""

    kind: str
    text: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.detail.items())
        return f"[{self.kind}] {self.text} {extra}".rstrip()


# Messages a leg's thread receives while it waits.
@dataclass(frozen=True)
class _Input:
    kind: str  # digits | speech | silence
    value: str = ""


@dataclass(frozen=True)
class _HangUp:
    pass


@dataclass(frozen=True)
class _Redirect:
    url: str
    method: str = "POST"
    body: str | None = None  # TwiML given inline (REST `Twiml=`) instead of a URL


@dataclass(frozen=True)
class _Bridge:
    bridge: Bridge
    whisper_url: str | None = None
    whisper_method: str = "POST"


@dataclass(frozen=True)
class _BridgeEnded:
    pass


class _Ended(Exception):
    """The leg is over (hung up, rejected, or completed by REST)."""


class _HungUpOnDial(_Ended):
    """The caller hung up during a `<Dial>`: what had been dialled so far."""

    def __init__(self, outcome: str, dialled: Call | None, seconds: int) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.dialled = dialled
        self.seconds = seconds


class _Transfer(Exception):
    """Control moves to another document (REST redirect)."""

    def __init__(self, to: _Redirect) -> None:
        super().__init__(to.url)
        self.to = to


class _Left(Exception):
    """`<Leave>` in hold music: the caller leaves the queue."""


class _Bridged(Exception):
    """A rep took this caller out of the queue."""

    def __init__(self, message: _Bridge) -> None:
        super().__init__("bridged")
        self.message = message


@dataclass(frozen=True)
class _Next:
    """The document to fetch next, and the parameters to send with it."""

    url: str
    method: str
    params: Mapping[str, str]
    context: Context = Context.CALL
    body: str | None = None  # TwiML given inline (REST `Twiml=`) instead of fetched


class Bridge:
    """Two legs talking to each other until either hangs up."""

    def __init__(self, a: Call, b: Call) -> None:
        self.legs = (a, b)
        self.started = time.monotonic()
        self._ended = threading.Event()

    def other(self, leg: Call) -> Call:
        """The leg at the other end."""
        return self.legs[1] if leg is self.legs[0] else self.legs[0]

    def end(self) -> None:
        """Hang up the bridge: both legs stop talking."""
        if not self._ended.is_set():
            self._ended.set()
            for leg in self.legs:
                leg.inbox.put(_BridgeEnded())

    @property
    def seconds(self) -> int:
        """How long the two were connected."""
        return max(1, round(time.monotonic() - self.started))


class Queue:
    """A Twilio call queue: callers in line, first in first out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sid = new_sid("QU")
        self.created = datetime.now(UTC)
        self.members: list[Call] = []
        self.max_size = 100

    def position(self, call: Call) -> int:
        """1-based place in line."""
        return self.members.index(call) + 1


class Call:
    """One leg of a call, with the scripting API tests and the dev phone use to drive it."""

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
        parent: Call | None = None,
    ) -> None:
        self.switch = switch
        self.sid = new_sid("CA")
        self.from_ = from_
        self.to = to
        self.direction = direction
        self.person = person
        self.interactive = interactive
        self.status = "queued"
        self.status_callback = status_callback
        self.status_events = status_events
        self.parent = parent
        self.started = datetime.now(UTC)
        self.ended_at: datetime | None = None
        self.inbox: queues.Queue[object] = queues.Queue()
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
        self._pending: deque[_Input] = deque()
        self._cursor = 0
        self._documents = 0
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None

    # ----- driving the call (the caller's side) -----

    def press(self, digits: str) -> None:
        """Key in digits, as at a keypad."""
        self.inbox.put(_Input("digits", digits))

    def say(self, words: str) -> None:
        """Speak: answers a speech `<Gather>`, or is recorded by `<Record>`."""
        self.inbox.put(_Input("speech", words))

    def stay_silent(self) -> None:
        """Let the current `<Gather>` or `<Record>` time out."""
        self.inbox.put(_Input("silence"))

    def redirect(self, url: str, method: str = "POST") -> None:
        """Send the call to new TwiML now, whatever it is doing (REST `Url=`)."""
        self._leave_queue()
        self.inbox.put(_Redirect(url, method))

    def redirect_twiml(self, twiml: str) -> None:
        """Send the call to the inline TwiML `twiml` now, whatever it is doing (REST `Twiml=`)."""
        self._leave_queue()
        self.inbox.put(_Redirect("", body=twiml))

    def hang_up(self) -> None:
        """Put the phone down."""
        self.inbox.put(_HangUp())
        if self.bridge is not None:
            self.bridge.end()

    # ----- reading the call -----

    @property
    def ended(self) -> bool:
        """True once the leg is over."""
        return self.ended_at is not None

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
        endpoint = self.switch.endpoint_of(who)
        return self.expect("dial", endpoint)

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

    # ----- the leg's life -----

    def start(self, url: str | None, method: str = "POST", twiml: str | None = None) -> Call:
        """Ring this leg's far end and, once answered, follow its first document."""
        self._thread = threading.Thread(
            target=self._live, args=(url, method, twiml), name=f"call-{self.sid}", daemon=True
        )
        self._thread.start()
        return self

    def wait(self, timeout: float = EXPECT_TIMEOUT_SECONDS) -> None:
        """Block until the leg's thread is done."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _thread_done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def _live(self, url: str | None, method: str, twiml: str | None) -> None:
        try:
            self._notify_status("initiated")
            self._notify_status("ringing")
            if self.person is not None and self.person.pickup is not Pickup.ANSWER:
                self._pause(20)
                self._set_status(self.person.pickup.value)
                return
            # Twilio asks an inbound call's voice URL while it still rings; the answer picks it up.
            self._set_status("ringing" if self.direction == "inbound" else "in-progress")
            self._notify_status("answered")
            if twiml is not None or url is not None:
                self._follow_from(_Next(url or "", method, {}, body=twiml))
        except _Ended:
            pass
        except (WebhookError, InvalidTwiML) as exc:
            self._log("error", str(exc))
            self.switch.report(f"call {self.sid}: {exc}")
        finally:
            self._finish()

    def _follow_from(self, step: _Next | None) -> None:
        while step is not None:
            try:
                step = self._fetch_and_run(step)
            except _Transfer as transfer:
                self._leave_queue()
                to = transfer.to
                self._log("redirect", to.url if to.body is None else "inline TwiML")
                step = _Next(to.url, to.method, {}, body=to.body)

    def _fetch_and_run(self, step: _Next) -> _Next | None:
        self._documents += 1
        if self._documents > MAX_DOCUMENTS_PER_CALL:
            raise WebhookError(f"more than {MAX_DOCUMENTS_PER_CALL} documents: a loop")
        body = step.body
        if body is None:
            params = {**self.params(), **step.params}
            body = self.switch.webhooks.request(step.url, params, step.method)
        if self.status == "ringing":
            self._set_status("in-progress")
        return self._execute(parse(body, step.context), step.context, step.url)

    def _execute(self, verbs: tuple[Verb, ...], context: Context, url: str) -> _Next | None:
        for verb in verbs:
            self._check_messages()
            handler: Callable[[Verb, Context, str], _Next | None] = getattr(
                self, f"_do_{verb.name.lower()}"
            )
            step = handler(verb, context, url)
            if step is not None:
                return step
        return None

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

    def _post_after_hangup(self, url: str, params: Mapping[str, str], method: str) -> None:
        """Tell an action URL how things ended once the caller is gone (its answer is unused)."""
        if self.status in ("in-progress", "ringing"):
            self._set_status("completed")
        self.switch.webhooks.request(url, {**self.params(), **params}, method)

    # ----- verbs -----

    def _do_say(self, verb: Verb, context: Context, url: str) -> None:
        for _ in range(max(1, verb.int_attr("loop", 1))):
            self._log("say", verb.text)
        self._pause(len(verb.text.split()) / WORDS_PER_SECOND)

    def _do_play(self, verb: Verb, context: Context, url: str) -> None:
        self._log("play", verb.text or verb.attr("digits", "") or "")

    def _do_pause(self, verb: Verb, context: Context, url: str) -> None:
        length = verb.int_attr("length", 1)
        self._log("pause", str(length))
        self._pause(length)

    def _do_gather(self, verb: Verb, context: Context, url: str) -> _Next | None:
        for child in verb.children:
            getattr(self, f"_do_{child.name.lower()}")(child, context, url)
        modes = (verb.attr("input", "dtmf") or "dtmf").split()
        self._log("gather", verb.attr("action", "") or "", input=" ".join(modes))
        action = verb.attr("action") or url
        method = verb.attr("method", "POST") or "POST"
        keys = ""  # pressed so far: a Gather waits for numDigits, its finish key or its timeout
        while True:
            answer = self._await_input(verb.int_attr("timeout", 5), gather=True, more=bool(keys))
            if answer.kind == "digits" and "dtmf" in modes:
                keys, finished_on, complete = _gathered_digits(keys, answer.value, verb)
                if complete and not keys:
                    break  # the finish key alone is no input
                if complete or self._answers_by_itself():
                    params = {"Digits": keys, "FinishedOnKey": finished_on}
                    return _Next(action, method, params, context)
                continue
            if answer.kind == "speech" and "speech" in modes and not keys:
                params = {"SpeechResult": answer.value, "Confidence": "0.92"}
                return _Next(action, method, params, context)
            if keys and answer.kind == "silence":
                # The caller stopped pressing: Twilio sends what was typed when the timeout ends.
                return _Next(action, method, {"Digits": keys, "FinishedOnKey": ""}, context)
            if answer.kind == "silence" or self._answers_by_itself():
                break
            # Input of a kind this Gather does not listen for goes unheard; it keeps listening.
        if verb.bool_attr("actionOnEmptyResult", False):
            return _Next(action, method, {}, context)
        return None

    def _do_redirect(self, verb: Verb, context: Context, url: str) -> _Next:
        return _Next(verb.text, verb.attr("method", "POST") or "POST", {}, context)

    def _do_hangup(self, verb: Verb, context: Context, url: str) -> None:
        self._log("hangup")
        raise _Ended

    def _do_reject(self, verb: Verb, context: Context, url: str) -> None:
        reason = verb.attr("reason", "rejected") or "rejected"
        self._log("reject", reason)
        self._set_status("busy" if reason == "busy" else "no-answer")
        raise _Ended

    def _do_leave(self, verb: Verb, context: Context, url: str) -> None:
        self._log("leave")
        raise _Left

    def _do_record(self, verb: Verb, context: Context, url: str) -> _Next | None:
        self._log("record", verb.attr("action", "") or "")
        words: list[str] = []
        finished_on = ""
        finish_keys = verb.attr("finishOnKey", "1234567890*#") or ""
        hung_up = False
        while True:
            try:
                answer = self._await_input(verb.int_attr("timeout", 5), gather=False)
            except _Ended:
                hung_up = True
                break
            if answer.kind == "speech":
                words.append(answer.value)
                continue
            if answer.kind == "digits":
                finished_on = next((key for key in answer.value if key in finish_keys), "")
                if not finished_on:
                    continue  # a key that is not a finishOnKey is recorded, not obeyed
            break
        if not words:
            if hung_up:
                raise _Ended
            return None
        recording = self.switch.store_recording(self, " ".join(words))
        self._log("recorded", recording.text, sid=recording.sid)
        self.switch.after_recording(self, verb, recording)
        params = {
            "RecordingUrl": recording.url,
            "RecordingSid": recording.sid,
            "RecordingDuration": str(recording.duration),
            "Digits": "hangup" if hung_up else finished_on,
        }
        action = verb.attr("action") or url
        method = verb.attr("method", "POST") or "POST"
        if hung_up:
            self._post_after_hangup(action, params, method)
            raise _Ended
        return _Next(action, method, params)

    def _do_enqueue(self, verb: Verb, context: Context, url: str) -> _Next | None:
        line = self.switch.queue(verb.text)
        with self.switch.lock:
            line.members.append(self)
            self.queue = line
            self.enqueued_at = datetime.now(UTC)
        self._log("enqueue", line.name, sid=line.sid)
        entered = time.monotonic()
        try:
            self._hold(verb, line, entered)
        except _Left:
            result = "leave"
        except _Bridged as bridged:
            self._leave_queue()
            try:
                self._talk(bridged.message)
            except _Ended:
                # Hanging up on the person who took the call still counts as bridged.
                self._post_queue_result(verb, line, "bridged", entered, gone=True)
                raise
            except _Transfer:
                self._post_queue_result(verb, line, "redirected-from-bridged", entered)
                raise
            result = "bridged"
        except _Ended:
            self._leave_queue()
            self._post_queue_result(verb, line, "hangup", entered, gone=True)
            raise
        except _Transfer:
            # A REST redirect took the caller out of line: the action hears of it, the new
            # document runs.
            self._leave_queue()
            self._post_queue_result(verb, line, "redirected", entered)
            raise
        finally:
            self._leave_queue()
        return self._post_queue_result(verb, line, result, entered)

    def _hold(self, verb: Verb, line: Queue, entered: float) -> None:
        wait_url = verb.attr("waitUrl")
        method = verb.attr("waitUrlMethod", "POST") or "POST"
        while True:
            if wait_url:
                step: _Next | None = _Next(
                    wait_url, method, self._wait_params(line, entered), Context.WAIT
                )
                while step is not None:
                    step = self._fetch_and_run(step)
            else:
                self._log("play", "default hold music")
            self._pause(0, at_least=self.switch.config.hold_round_seconds)
            # A round of hold music takes time, so holding for long is not a loop.
            self._documents = 0

    def _wait_params(self, line: Queue, entered: float) -> dict[str, str]:
        with self.switch.lock:
            position = line.position(self) if self in line.members else 0
            size = len(line.members)
        return {
            "QueueSid": line.sid,
            "QueuePosition": str(position),
            "QueueTime": str(round(time.monotonic() - entered)),
            "AvgQueueTime": "0",
            "CurrentQueueSize": str(size),
            "MaxQueueSize": str(line.max_size),
        }

    def _post_queue_result(
        self, verb: Verb, line: Queue, result: str, entered: float, gone: bool = False
    ) -> _Next | None:
        """The Enqueue action: the next document after leave/bridged, else a notice only."""
        action = verb.attr("action")
        if not action:
            return None
        params = {
            "QueueResult": result,
            "QueueSid": line.sid,
            "QueueTime": str(round(time.monotonic() - entered)),
        }
        method = verb.attr("method", "POST") or "POST"
        if gone:
            self._post_after_hangup(action, params, method)
            return None
        if result in ("leave", "bridged"):
            return _Next(action, method, params)
        self.switch.webhooks.request(action, {**self.params(), **params}, method)
        return None

    def _do_dial(self, verb: Verb, context: Context, url: str) -> _Next | None:
        nouns = verb.children or (Verb("Number", {}, verb.text, ()),)
        outcome, dialled, seconds = "no-answer", None, 0
        self.dial_bridged = False
        caller_hung_up = False
        for noun in nouns:
            try:
                outcome, dialled, seconds = self._dial_noun(verb, noun)
            except _HungUpOnDial as gone:
                caller_hung_up = True
                outcome, dialled, seconds = gone.outcome, gone.dialled, gone.seconds
            except _Ended:
                caller_hung_up = True
                outcome = outcome if outcome in ("completed", "answered") else "no-answer"
            if outcome in ("completed", "answered") or caller_hung_up:
                break
        params = {
            "DialCallStatus": outcome,
            "DialCallSid": dialled.sid if dialled else "",
            "DialCallDuration": str(seconds),
            # Answered is not bridged: a leg whose whisper hung up was answered, never connected.
            "DialBridged": "true" if self.dial_bridged or outcome == "answered" else "false",
        }
        action = verb.attr("action")
        method = verb.attr("method", "POST") or "POST"
        if caller_hung_up:
            if action:
                self._post_after_hangup(action, params, method)
            raise _Ended
        return _Next(action, method, params) if action else None

    def _dial_noun(self, verb: Verb, noun: Verb) -> tuple[str, Call | None, int]:
        if noun.name == "Queue":
            return self._dial_queue(noun)
        if noun.name == "Conference":
            self._log("conference", noun.text)
            return self._talk_until_hangup()
        endpoint = _endpoint_of(noun)
        self._log("dial", endpoint, caller_id=verb.attr("callerId", self.to) or "")
        person = self.switch.people.get(endpoint)
        pickup = person.pickup if person else Pickup.NO_ANSWER
        if pickup is not Pickup.ANSWER:
            self._pause(verb.int_attr("timeout", 30))
            self._log("dial-result", endpoint, status=pickup.value)
            return pickup.value, None, 0
        leg = self.switch.add_leg(
            Call(
                self.switch,
                from_=verb.attr("callerId") or self.from_,
                to=endpoint,
                direction="outbound-dial",
                person=person,
                parent=self,
            )
        )
        leg.status = "in-progress"
        whisper = noun.attr("url")
        if whisper and not leg.run_whisper(whisper, noun.attr("method", "POST") or "POST"):
            self._log("dial-result", endpoint, status="completed", bridged="false")
            return "completed", leg, 0
        bridge = Bridge(self, leg)
        leg.bridge = bridge
        leg._log("bridged", self.from_)
        try:
            return self._talk(_Bridge(bridge))
        finally:
            leg._finish()

    def _dial_queue(self, noun: Verb) -> tuple[str, Call | None, int]:
        line = self.switch.queue(noun.text)
        self._log("dial", f"queue:{line.name}")
        with self.switch.lock:
            member = line.members.pop(0) if line.members else None
            if member is not None:
                member.queue = None
        if member is None:
            self._log("dial-result", f"queue:{line.name}", status="no-answer")
            return "no-answer", None, 0
        bridge = Bridge(self, member)
        whisper = _Bridge(
            bridge, whisper_url=noun.attr("url"), whisper_method=noun.attr("method") or "POST"
        )
        member.inbox.put(whisper)
        return self._talk(_Bridge(bridge))

    def run_whisper(self, url: str, method: str) -> bool:
        """Play a whisper document to this (answering) leg; False if it hung up instead."""
        try:
            step: _Next | None = _Next(url, method, {}, Context.WHISPER)
            while step is not None:
                step = self._fetch_and_run(step)
        except _Ended:
            self._finish()
            return False
        return True

    def _talk(self, message: _Bridge) -> tuple[str, Call | None, int]:
        bridge = message.bridge
        other = bridge.other(self)
        if message.whisper_url:
            self._follow_whisper(message.whisper_url, message.whisper_method)
        self.bridge = bridge
        self.dial_bridged = True
        self._log("bridged", other.to if other.direction != "inbound" else other.from_)
        while True:
            item = self._next_message(None)
            if isinstance(item, _BridgeEnded):
                self.bridge = None
                return "completed", other, bridge.seconds
            if isinstance(item, _HangUp):
                bridge.end()
                raise _HungUpOnDial("completed", other, bridge.seconds)
            if isinstance(item, _Redirect):
                bridge.end()
                raise _Transfer(item)

    def _follow_whisper(self, url: str, method: str) -> None:
        step: _Next | None = _Next(url, method, {}, Context.WHISPER)
        while step is not None:
            step = self._fetch_and_run(step)

    def _talk_until_hangup(self) -> tuple[str, Call | None, int]:
        started = time.monotonic()
        while True:
            item = self._next_message(None)
            if isinstance(item, _HangUp):
                raise _HungUpOnDial("answered", None, max(1, round(time.monotonic() - started)))
            if isinstance(item, _Redirect):
                raise _Transfer(item)
            if isinstance(item, _BridgeEnded):
                # Twilio reports a dialled conference as answered, not completed.
                return "answered", None, max(1, round(time.monotonic() - started))

    # ----- waiting -----

    def _answers_by_itself(self) -> bool:
        return self.person is not None and self.person.presses is not None

    def _await_input(self, timeout: int, gather: bool, more: bool = False) -> _Input:
        """The next thing the caller does; `more` when a Gather already holds some keys.

        A script is given time to act; but once it has typed some keys and stops, the Gather's
        own timeout applies (scaled, with a moment for the script's next key), as on a phone.
        """
        if self.person is not None and self.person.presses is not None and gather:
            return _Input("digits", self.person.presses)
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
            item = self._next_message(remaining)
            if isinstance(item, _Input):
                return item
            if item is not None:
                self._handle_control(item)
        if self.interactive or more:
            return _Input("silence")
        self._log("error", "the script gave no input in time; hanging up")
        raise _Ended

    def _check_messages(self) -> None:
        while True:
            try:
                item = self.inbox.get_nowait()
            except queues.Empty:
                return
            self._handle_control(item)

    def _pause(self, seconds: float, at_least: float = 0.0) -> None:
        deadline = time.monotonic() + max(seconds * self.switch.config.time_scale, at_least)
        while (remaining := deadline - time.monotonic()) > 0:
            item = self._next_message(remaining)
            if item is not None:
                self._handle_control(item)

    def _next_message(self, timeout: float | None) -> object | None:
        try:
            return self.inbox.get(timeout=timeout)
        except queues.Empty:
            return None

    def _handle_control(self, item: object) -> None:
        if isinstance(item, _Input):
            self._pending.append(item)
        elif isinstance(item, _HangUp):
            raise _Ended
        elif isinstance(item, _Redirect):
            raise _Transfer(item)
        elif isinstance(item, _Bridge):
            raise _Bridged(item)

    def _leave_queue(self) -> None:
        with self.switch.lock:
            if self.queue is not None and self in self.queue.members:
                self.queue.members.remove(self)
            self.queue = None

    # ----- bookkeeping -----

    def _log(self, kind: str, text: str = "", **detail: str) -> None:
        with self._changed:
            self.transcript.append(Event(kind, text, detail))
            self._changed.notify_all()

    def _set_status(self, status: str) -> None:
        self.status = status

    def _finish(self) -> None:
        if self.ended:
            return
        self._leave_queue()
        if self.bridge is not None:
            self.bridge.end()
        if self.status in ("in-progress", "ringing", "queued"):
            self.status = "completed"
        self.ended_at = datetime.now(UTC)
        # Logged before the callback so whoever watches the transcript sees the end at once,
        # however slow the app answers; `wait()` joins this thread, so it covers the callback.
        self._log("ended", self.status)
        self._notify_status(self.status)

    def _notify_status(self, event: str) -> None:
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
            params["CallDuration"] = str(
                max(0, math.ceil((self.ended_at - self.started).total_seconds()))
            )
        try:
            self.switch.webhooks.request(url, params)
        except WebhookError as exc:
            self.switch.report(f"status callback of {self.sid}: {exc}")


@dataclass(frozen=True)
class Recording:
    """A recorded message, served back by the REST stand-in."""

    sid: str
    call_sid: str
    text: str
    duration: int
    url: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


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
        # Recording and transcription callbacks still on their way to the app.
        self._callbacks: list[threading.Thread] = []

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

    def queue(self, name: str) -> Queue:
        """The queue called `name`, created on first use as Twilio does."""
        with self.lock:
            if name not in self.queues:
                self.queues[name] = Queue(name)
            return self.queues[name]

    def queue_by_sid(self, sid: str) -> Queue | None:
        """The queue with this SID, if any."""
        with self.lock:
            return next((q for q in self.queues.values() if q.sid == sid), None)

    def store_recording(self, leg: Call, text: str) -> Recording:
        """Keep what the caller said as a recording."""
        sid = new_sid("RE")
        recording = Recording(
            sid=sid,
            call_sid=leg.sid,
            text=text,
            duration=max(1, math.ceil(len(text.split()) / WORDS_PER_SECOND)),
            url=f"{self.base_url}/{API_VERSION}/Accounts/{self.config.account_sid}/Recordings/{sid}",
        )
        with self.lock:
            self.recordings[sid] = recording
        return recording

    def after_recording(self, leg: Call, verb: Verb, recording: Recording) -> None:
        """Send the recording and transcription callbacks, in the background as Twilio does."""
        callbacks: list[tuple[str, dict[str, str]]] = []
        status_url = verb.attr("recordingStatusCallback")
        if status_url:
            callbacks.append(
                (
                    status_url,
                    {
                        "AccountSid": self.config.account_sid,
                        "CallSid": leg.sid,
                        "RecordingSid": recording.sid,
                        "RecordingUrl": recording.url,
                        "RecordingStatus": "completed",
                        "RecordingDuration": str(recording.duration),
                        "RecordingChannels": "1",
                        "RecordingSource": "RecordVerb",
                        "RecordingStartTime": recording.created.strftime(
                            "%a, %d %b %Y %H:%M:%S +0000"
                        ),
                    },
                )
            )
        transcribe_url = verb.attr("transcribeCallback")
        if transcribe_url and verb.bool_attr("transcribe", False):
            transcribed = recording.duration in TRANSCRIBABLE_SECONDS
            callbacks.append(
                (
                    transcribe_url,
                    {
                        **leg.params(),
                        "TranscriptionSid": new_sid("TR"),
                        **({"TranscriptionText": recording.text} if transcribed else {}),
                        "TranscriptionStatus": "completed" if transcribed else "failed",
                        "TranscriptionUrl": f"{recording.url}/Transcriptions",
                        "RecordingSid": recording.sid,
                        "RecordingUrl": recording.url,
                    },
                )
            )
        for url, params in callbacks:
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

    def report(self, problem: str) -> None:
        """Record something Twilio's debugger would flag."""
        with self.lock:
            self.errors.append(problem)

    def active_calls(self) -> Iterator[Call]:
        """Legs not yet over."""
        with self.lock:
            return iter([leg for leg in self.calls.values() if not leg.ended])

    def hang_up_all(self) -> None:
        """End every live leg (shutting down)."""
        for leg in self.active_calls():
            leg.hang_up()


def _matches(event: Event, kind: str, text: str, detail: Mapping[str, str]) -> bool:
    return (
        event.kind == kind
        and text.lower() in event.text.lower()
        and all(event.detail.get(k) == v for k, v in detail.items())
    )


def _gathered_digits(typed: str, pressed: str, verb: Verb) -> tuple[str, str, bool]:
    """A Gather's Digits after more key presses, the finish key if one was pressed, and whether
    the Gather is complete (its finishOnKey pressed, or numDigits reached)."""
    finish = verb.attr("finishOnKey", "#") or ""
    limit = verb.attr("numDigits")
    digits = typed
    for key in pressed:
        if finish and key == finish:
            return digits, key, True
        digits += key
        if limit and len(digits) >= int(limit):
            return digits, "", True
    return digits, "", False


def _endpoint_of(noun: Verb) -> str:
    if noun.name == "Client":
        identity = noun.text or next((c.text for c in noun.children if c.name == "Identity"), "")
        return f"client:{identity}"
    return noun.text
