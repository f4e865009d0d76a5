"""`<Enqueue>`: a caller waits in a Twilio queue, hearing its hold music, until something ends it.

The wait ends by `<Leave>` in the hold music, by a person dialling the queue (the caller is
bridged), by a REST redirect, or by the caller hanging up; a full queue turns the caller away at
once. Each outcome reaches the Enqueue's `action` as Twilio's `QueueResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator import dialing
from simulator.signals import Bridged, Connect, Ended, Left, Next, Transfer
from simulator.twiml import Context, Verb

if TYPE_CHECKING:
    from simulator.interpreter import Interpreter
    from simulator.switch import Queue


def enqueue(run: Interpreter, verb: Verb, context: Context, url: str) -> Next | None:
    """Join the queue named in `verb` and hold until the wait ends; its action, if any."""
    leg = run.leg
    line = run.switch.queue(verb.text)
    if not line.admit(leg):
        leg.log("queue-full", line.name, sid=line.sid)
        return _queue_result(run, verb, line, "queue-full")
    leg.log("enqueue", line.name, sid=line.sid)
    try:
        _hold(run, verb, line)
    except Left:
        pass
    except Bridged as bridged:
        return _talk(run, verb, line, bridged.message)
    except Ended:
        _queue_result(run, verb, line, "hangup", _step_out(run, line), gone=True)
        raise
    except Transfer:
        # A REST redirect took the caller out of line: the action hears of it, the new
        # document runs.
        _queue_result(run, verb, line, "redirected", _step_out(run, line))
        raise
    finally:
        leg.leave_queue()
    return _queue_result(run, verb, line, "leave", line.wait_of(leg))


def _talk(run: Interpreter, verb: Verb, line: Queue, message: Connect) -> Next | None:
    """Talk to the person who took the caller out of line; then the action hears `bridged`."""
    seconds = _step_out(run, line)
    try:
        dialing.talk(run, message)
    except Ended:
        # Hanging up on the person who took the call still counts as bridged.
        _queue_result(run, verb, line, "bridged", seconds, gone=True)
        raise
    except Transfer:
        _queue_result(run, verb, line, "redirected-from-bridged", seconds)
        raise
    return _queue_result(run, verb, line, "bridged", seconds)


def _step_out(run: Interpreter, line: Queue) -> int:
    """Take the caller out of line (before the action hears of it); the seconds they waited."""
    seconds = line.wait_of(run.leg)
    run.leg.leave_queue()
    return seconds


def _hold(run: Interpreter, verb: Verb, line: Queue) -> None:
    """Play the hold music (the waitUrl's documents) round after round, for ever."""
    wait_url = verb.attr("waitUrl")
    method = verb.attr("waitUrlMethod", "POST") or "POST"
    while True:
        if wait_url:
            params = _wait_params(run, line)
            run.run_until_done(Next(wait_url, method, params, Context.WAIT))
        else:
            run.leg.log("play", "default hold music")
        run.leg.pause(0, at_least=run.switch.config.hold_round_seconds)
        # A round of hold music takes time, so holding for long is not a loop.
        run.documents = 0


def _wait_params(run: Interpreter, line: Queue) -> dict[str, str]:
    """What Twilio tells the hold music about the caller's place and the queue."""
    with run.switch.lock:
        position = line.position(run.leg) if run.leg in line.members else 0
        size = len(line.members)
        average = line.average_wait()
    return {
        "QueueSid": line.sid,
        "QueuePosition": str(position),
        "QueueTime": str(line.wait_of(run.leg)),
        "AvgQueueTime": str(average),
        "CurrentQueueSize": str(size),
        "MaxQueueSize": str(line.max_size),
    }


def _queue_result(
    run: Interpreter,
    verb: Verb,
    line: Queue,
    result: str,
    seconds: int | None = None,
    gone: bool = False,
) -> Next | None:
    """Tell the Enqueue's action how the wait ended: the next document after leave, bridged
    or queue-full; only a notice after a hang-up or a redirect (another document runs)."""
    action = verb.attr("action")
    if not action:
        return None
    params = {"QueueResult": result}
    if seconds is not None:  # Twilio sends these only for a caller who was in the queue
        params |= {"QueueSid": line.sid, "QueueTime": str(seconds)}
    method = verb.attr("method", "POST") or "POST"
    if gone:
        run.post_after_hangup(action, params, method)
        return None
    if result in ("leave", "bridged", "queue-full"):
        return Next(action, method, params)
    run.switch.webhooks.request(action, {**run.leg.params(), **params}, method)
    return None
