"""`<Dial>`: ring people (with an optional whisper), a queue's front caller, or a conference.

The Dial's action hears Twilio's outcome: `DialCallStatus`, `DialCallSid`, `DialCallDuration`
and `DialBridged`. A person who answers is `completed` when the call ends; but only a leg that
was connected to the caller is bridged: one whose whisper hung up (a rep declining) answered
and completed without ever being bridged, which is what `DialBridged=false` tells the app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from simulator.leg import Bridge, Leg, whole_seconds
from simulator.people import Pickup
from simulator.signals import (
    BridgeEnded,
    Connect,
    Ended,
    HangUp,
    HungUpOnDial,
    Next,
    Redirect,
    Transfer,
)
from simulator.twiml import Context, Verb

if TYPE_CHECKING:
    from simulator.interpreter import Interpreter

# Twilio's Dial rings for this long unless its `timeout` says otherwise.
DIAL_TIMEOUT_SECONDS = 30
# What ringing one noun came to: Twilio's DialCallStatus, the leg dialled, seconds connected.
Outcome = tuple[str, Leg | None, int]
TALKED = ("completed", "answered")


def dial(run: Interpreter, verb: Verb, context: Context, url: str) -> Next | None:
    """Ring each noun in turn until one answers; the action hears how it went."""
    leg = run.leg
    nouns = verb.children or (Verb("Number", {}, verb.text, ()),)
    outcome: Outcome = ("no-answer", None, 0)
    leg.dial_bridged = False
    caller_hung_up = False
    for noun in nouns:
        try:
            outcome = _dial_noun(run, verb, noun)
        except HungUpOnDial as gone:
            caller_hung_up = True
            outcome = (gone.outcome, gone.dialled, gone.seconds)
        except Ended:
            caller_hung_up = True
            status = outcome[0] if outcome[0] in TALKED else "no-answer"
            outcome = (status, outcome[1], outcome[2])
        if outcome[0] in TALKED or caller_hung_up:
            break
    status, dialled, seconds = outcome
    params = {
        "DialCallStatus": status,
        "DialCallSid": dialled.sid if dialled else "",
        "DialCallDuration": str(seconds),
        # Answered is not bridged: a leg whose whisper hung up was answered, never connected.
        "DialBridged": "true" if leg.dial_bridged or status == "answered" else "false",
    }
    action = verb.attr("action")
    method = verb.attr("method", "POST") or "POST"
    if caller_hung_up:
        if action:
            run.post_after_hangup(action, params, method)
        raise Ended
    return Next(action, method, params) if action else None


def _dial_noun(run: Interpreter, verb: Verb, noun: Verb) -> Outcome:
    if noun.name == "Queue":
        return _dial_queue(run, noun)
    if noun.name == "Conference":
        run.leg.log("conference", noun.text)
        return _talk_until_hangup(run)
    leg = run.leg
    endpoint = endpoint_of(noun)
    leg.log("dial", endpoint, caller_id=verb.attr("callerId", leg.to) or "")
    person = run.switch.people.get(endpoint)
    pickup = person.pickup if person else Pickup.NO_ANSWER
    if pickup is not Pickup.ANSWER:
        leg.pause(verb.int_attr("timeout", DIAL_TIMEOUT_SECONDS))
        leg.log("dial-result", endpoint, status=pickup.value)
        return pickup.value, None, 0
    answered = run.switch.ring(leg, endpoint, verb.attr("callerId") or leg.from_, person)
    whisper = noun.attr("url")
    if whisper and not run.on(answered).run_whisper(whisper, noun.attr("method") or "POST"):
        leg.log("dial-result", endpoint, status="completed", bridged="false")
        return "completed", answered, whole_seconds(answered.started, answered.ended_at)
    bridge = Bridge(leg, answered)
    answered.bridge = bridge
    answered.log("bridged", leg.from_)
    try:
        return talk(run, Connect(bridge))
    finally:
        answered.finish()


def _dial_queue(run: Interpreter, noun: Verb) -> Outcome:
    """Take the front caller of a queue; they hear the noun's whisper, then the two talk."""
    leg = run.leg
    line = run.switch.queue(noun.text)
    leg.log("dial", f"queue:{line.name}")
    member = line.take_front()
    if member is None:
        leg.log("dial-result", f"queue:{line.name}", status="no-answer")
        return "no-answer", None, 0
    bridge = Bridge(leg, member)
    member.inbox.put(Connect(bridge, noun.attr("url"), noun.attr("method") or "POST"))
    return talk(run, Connect(bridge))


def talk(run: Interpreter, message: Connect) -> Outcome:
    """Be connected through `message.bridge` (after its whisper) until someone hangs up."""
    leg = run.leg
    bridge = message.bridge
    other = bridge.other(leg)
    if message.whisper_url:
        run.run_until_done(Next(message.whisper_url, message.whisper_method, {}, Context.WHISPER))
    leg.bridge = bridge
    leg.dial_bridged = True
    leg.log("bridged", other.to if other.direction != "inbound" else other.from_)
    talker = next((p.person for p in (other, leg) if p.person and p.person.talks_for), None)
    while True:
        item = leg.next_message(talker.talks_for if talker and talker.talks_for else None)
        if item is None:  # the person said what they had to say, and hangs up
            (other if other.person is talker else leg).hang_up()
            continue
        if isinstance(item, BridgeEnded):
            leg.bridge = None
            return "completed", other, bridge.seconds
        if isinstance(item, HangUp):
            bridge.end()
            raise HungUpOnDial("completed", other, bridge.seconds)
        if isinstance(item, Redirect):
            bridge.end()
            raise Transfer(item)


def _talk_until_hangup(run: Interpreter) -> Outcome:
    """In a conference (the simulator holds no other party) until the caller leaves or is moved.

    Twilio reports a dialled conference as answered, not completed.
    """
    leg = run.leg
    joined = datetime.now(UTC)
    while True:
        item = leg.next_message(None)
        if isinstance(item, HangUp):
            raise HungUpOnDial("answered", None, max(1, whole_seconds(joined)))
        if isinstance(item, Redirect):
            raise Transfer(item)


def endpoint_of(noun: Verb) -> str:
    """Who a `<Number>` or `<Client>` noun rings, as the switch names endpoints."""
    if noun.name == "Client":
        identity = noun.text or next((c.text for c in noun.children if c.name == "Identity"), "")
        return f"client:{identity}"
    return noun.text
