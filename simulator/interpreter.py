"""Runs a leg's TwiML as Twilio does: fetch a document, execute its verbs, one handler each.

The handlers of the verbs that only speak or end the call live here; those that listen
(`simulator.listening`), queue (`simulator.queueing`) or connect (`simulator.dialing`) have
modules of their own. Anything Twilio would refuse (an error answer, invalid TwiML, an endless
loop) is recorded in `Switch.errors` and ends the call, loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from simulator import dialing, listening, queueing
from simulator.leg import WORDS_PER_SECOND, Leg
from simulator.people import Pickup
from simulator.signals import Ended, Left, Next, Transfer
from simulator.twiml import Context, InvalidTwiML, Verb, parse
from simulator.webhooks import WebhookError

if TYPE_CHECKING:
    from simulator.switch import Switch

# A call that fetches more documents than this without waiting (on hold) is going round in circles.
MAX_DOCUMENTS_PER_CALL = 200
# How long an unanswered phone rings before Twilio gives up, when nothing says otherwise.
RING_SECONDS = 20

Handler = Callable[["Interpreter", Verb, Context, str], Next | None]


class Interpreter:
    """Runs TwiML on one leg; its thread is the leg's (or, for a whisper, the dialler's)."""

    def __init__(self, leg: Leg) -> None:
        self.leg = leg
        self.switch: Switch = leg.switch
        # Documents fetched since the leg last waited (hold music resets it): a loop detector.
        self.documents = 0

    def on(self, leg: Leg) -> Interpreter:
        """An interpreter for another leg (a whisper runs on the leg that answered)."""
        return Interpreter(leg)

    # ----- the leg's life -----

    def live(self, url: str | None, method: str = "POST", twiml: str | None = None) -> None:
        """Ring the leg's far end and, once answered, follow its documents until it ends."""
        leg = self.leg
        try:
            leg.notify_status("initiated")
            leg.notify_status("ringing")
            if leg.person is not None and leg.person.pickup is not Pickup.ANSWER:
                leg.pause(RING_SECONDS)
                leg.set_status(leg.person.pickup.value)
                return
            # Twilio asks an inbound call's voice URL while it still rings; the answer picks it up.
            leg.set_status("ringing" if leg.direction == "inbound" else "in-progress")
            leg.notify_status("answered")
            if twiml is not None or url is not None:
                self.follow(Next(url or "", method, body=twiml))
        except Ended:
            pass
        except (WebhookError, InvalidTwiML) as exc:
            leg.log("error", str(exc))
            self.switch.report(f"call {leg.sid}: {exc}")
        finally:
            leg.finish()

    def follow(self, step: Next | None) -> None:
        """Run `step` and every document after it; a REST redirect starts over elsewhere."""
        while step is not None:
            try:
                step = self.run(step)
            except Transfer as transfer:
                self.leg.leave_queue()
                to = transfer.to
                self.leg.log("redirect", to.url if to.body is None else "inline TwiML")
                step = Next(to.url, to.method, body=to.body)

    def run(self, step: Next) -> Next | None:
        """Fetch one document (unless given inline) and execute it; the next step, if any."""
        self.documents += 1
        if self.documents > MAX_DOCUMENTS_PER_CALL:
            raise WebhookError(f"more than {MAX_DOCUMENTS_PER_CALL} documents: a loop")
        body = step.body
        if body is None:
            params = {**self.leg.params(), **step.params}
            body = self.switch.webhooks.request(step.url, params, step.method)
        if self.leg.status == "ringing":
            self.leg.set_status("in-progress")
        return self.execute(parse(body, step.context), step.context, step.url)

    def run_until_done(self, step: Next | None) -> None:
        """Run `step` and the documents it leads to, in this thread (hold music, whispers)."""
        while step is not None:
            step = self.run(step)

    def run_whisper(self, url: str, method: str) -> bool:
        """Play a whisper document to this (answering) leg; False if it hung up instead."""
        try:
            self.run_until_done(Next(url, method, context=Context.WHISPER))
        except Ended:
            self.leg.finish()
            return False
        return True

    def execute(self, verbs: tuple[Verb, ...], context: Context, url: str) -> Next | None:
        """Run verbs in order until one moves the call to another document."""
        for verb in verbs:
            self.leg.check_messages()
            step = self.handle(verb, context, url)
            if step is not None:
                return step
        return None

    def handle(self, verb: Verb, context: Context, url: str) -> Next | None:
        """Run one verb (or a noun nested in a Gather) with its handler."""
        return HANDLERS[verb.name](self, verb, context, url)

    def post_after_hangup(self, url: str, params: Mapping[str, str], method: str) -> None:
        """Tell an action URL how things ended once the caller is gone (its answer is unused)."""
        if self.leg.status in ("in-progress", "ringing"):
            self.leg.set_status("completed")
        self.switch.webhooks.request(url, {**self.leg.params(), **params}, method)


# ----- verbs that speak or end the call -----


def say(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Say>`: heard once per loop, taking as long as the words take to speak."""
    for _ in range(max(1, verb.int_attr("loop", 1))):
        run.leg.log("say", verb.text)
    run.leg.pause(len(verb.text.split()) / WORDS_PER_SECOND)


def play(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Play>`: a recording or tones."""
    run.leg.log("play", verb.text or verb.attr("digits", "") or "")


def pause(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Pause>`: silence for `length` seconds."""
    length = verb.int_attr("length", 1)
    run.leg.log("pause", str(length))
    run.leg.pause(length)


def redirect(run: Interpreter, verb: Verb, context: Context, url: str) -> Next:
    """`<Redirect>`: carry on with another document, in the same context."""
    return Next(verb.text, verb.attr("method", "POST") or "POST", context=context)


def hangup(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Hangup>`: the call is over."""
    run.leg.log("hangup")
    raise Ended


def reject(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Reject>`: never answered; busy or no-answer, as `reason` says."""
    reason = verb.attr("reason", "rejected") or "rejected"
    run.leg.log("reject", reason)
    run.leg.set_status("busy" if reason == "busy" else "no-answer")
    raise Ended


def leave(run: Interpreter, verb: Verb, context: Context, url: str) -> None:
    """`<Leave>` (hold music only): out of the queue, to the Enqueue's action."""
    run.leg.log("leave")
    raise Left


HANDLERS: Mapping[str, Handler] = {
    "Say": say,
    "Play": play,
    "Pause": pause,
    "Redirect": redirect,
    "Hangup": hangup,
    "Reject": reject,
    "Leave": leave,
    "Gather": listening.gather,
    "Record": listening.record,
    "Enqueue": queueing.enqueue,
    "Dial": dialing.dial,
}
