"""<Enqueue> as Twilio runs it: hold music told the caller's place and wait, a queue's size
enforced, and every way out of the line reported to the action as QueueResult.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from ivr.twilio_rest import build_client
from simulator.server import Simulator
from simulator.switch import MAX_DOCUMENTS_PER_CALL
from tests.simulator_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    LINE_NUMBER,
    RITA,
    WAIT_SECONDS,
    Webhooks,
    forms_of,
)

# The webhook app and the simulator (fixtures `sim` and `hooks`), one of each for this module.
pytest_plugins = ("tests.simulator_fixtures",)


def test_hold_music_request_carries_the_queue_parameters(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    first = sim.call(CALLER)
    enqueued = first.expect_enqueue("support")
    hooks.wait_for("/hold", lambda form: form["CallSid"] == first.sid)
    second = sim.call("+14155550124")
    second.expect_enqueue("support")
    form = hooks.wait_for("/hold", lambda form: form["CallSid"] == second.sid)

    assert form["QueueSid"] == enqueued.detail["sid"] and form["QueueSid"].startswith("QU")
    assert form["QueuePosition"] == "2"
    assert form["CurrentQueueSize"] == "2"
    assert form["From"] == "+14155550124"
    first.expect_say("Please hold.")
    first.hang_up()
    second.hang_up()
    first.expect_ended()
    second.expect_ended()


def test_hold_music_request_says_how_long_the_caller_and_the_line_have_waited(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    first = sim.call(CALLER)
    first.expect_enqueue("support")
    second = sim.call("+14155550124")
    second.expect_enqueue("support")
    assert first.enqueued_at is not None
    first.enqueued_at -= timedelta(seconds=60)  # a minute in line before the second caller

    form = hooks.wait_for(
        "/hold", lambda form: form["CallSid"] == first.sid and int(form["QueueTime"]) >= 60
    )
    assert int(form["QueueTime"]) in (60, 61)
    assert int(form["AvgQueueTime"]) in (30, 31)  # a minute and a moment, on average
    second_round = next(f for f in hooks.forms("/hold") if f["CallSid"] == second.sid)
    assert int(second_round["QueueTime"]) <= 1
    first.hang_up()
    first.expect_ended()
    second.hang_up()
    second.expect_ended()


def test_a_full_queue_turns_the_caller_away_with_queue_full(
    sim: Simulator, hooks: Webhooks
) -> None:
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.queues.create(friendly_name="support", max_size=1)
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/dequeued", "<Say>All our lines are full.</Say>")
    first = sim.call(CALLER)
    first.expect_enqueue("support")
    held = hooks.wait_for("/hold", lambda form: form["CallSid"] == first.sid)
    assert held["MaxQueueSize"] == "1"

    second = sim.call("+14155550124")
    second.expect_say("All our lines are full.")
    second.expect_ended()
    (turned_away,) = forms_of(hooks, "/dequeued", second)
    assert turned_away["QueueResult"] == "queue-full"
    assert "QueueSid" not in turned_away  # Twilio sends it only for a caller who was in line
    assert [leg.sid for leg in sim.switch.queue("support").members] == [first.sid]
    first.hang_up()
    first.expect_ended()


def test_a_full_queue_without_an_action_goes_on_to_the_next_verb(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.switch.queue("support").max_size = 1
    hooks.answer(
        "/voice",
        '<Enqueue waitUrl="{app}/hold">support</Enqueue>',
        "<Say>All our lines are full.</Say>",
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    first = sim.call(CALLER)
    first.expect_enqueue("support")
    second = sim.call("+14155550124")
    second.expect_say("All our lines are full.")
    second.expect_ended()
    assert "All our lines are full." not in first.heard()
    first.hang_up()
    first.expect_ended()


def test_leave_in_hold_music_posts_the_enqueue_action_with_leave(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say><Leave/>")
    hooks.answer("/dequeued", "<Say>Please leave a message.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Please leave a message.")
    call.expect_ended()
    (form,) = hooks.forms("/dequeued")
    assert form["QueueResult"] == "leave"
    assert form["QueueSid"].startswith("QU")
    assert sim.switch.queue("support").members == []


def test_leave_without_an_action_continues_after_the_enqueue(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        '<Enqueue waitUrl="{app}/hold">support</Enqueue>',
        "<Say>You left the line.</Say>",
    )
    hooks.answer("/hold", "<Leave/>")
    call = sim.call(CALLER)
    call.expect_say("You left the line.")
    call.expect_ended()


def test_caller_hanging_up_in_the_queue_posts_the_action_with_hangup(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Play>http://example.com/music.mp3</Play>")
    call = sim.call(CALLER)
    call.expect_enqueue("support")
    call.hang_up()
    call.expect_ended()
    (form,) = hooks.forms("/dequeued")
    assert form["QueueResult"] == "hangup"
    assert form["CallStatus"] == "completed"
    assert sim.switch.queue("support").members == []


def test_long_hold_is_not_mistaken_for_a_redirect_loop(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    sim.switch.config = replace(sim.switch.config, hold_round_seconds=0.001)
    rounds = MAX_DOCUMENTS_PER_CALL + 20
    call = sim.call(CALLER)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(hooks.forms("/hold")) < rounds and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(hooks.forms("/hold")) >= rounds
    assert not call.ended and sim.errors == []
    call.hang_up()
    call.expect_ended()


def test_dial_queue_bridges_the_front_caller_whose_enqueue_action_gets_bridged(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(RITA, name="rita", presses=None)
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/dequeued", "<Say>Thanks for waiting.</Say>")
    hooks.answer(
        "/agent",
        '<Dial action="{app}/agent-done"><Queue url="{app}/announce">support</Queue></Dial>',
    )
    hooks.answer("/announce", "<Say>A person is taking your call.</Say>")
    first = sim.call(CALLER)
    first.expect_enqueue("support")
    second = sim.call("+14155550124")
    second.expect_enqueue("support")

    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(to=RITA, from_=LINE_NUMBER, url=f"{hooks.base}/agent")
    rep = sim.switch.calls[created.sid]
    rep.expect("bridged")
    first.expect_say("A person is taking your call.")
    first.expect("bridged")
    announce = hooks.forms("/announce")[0]
    assert announce["CallSid"] == first.sid
    assert [m.sid for m in sim.switch.queue("support").members] == [second.sid]

    rep.hang_up()
    first.expect_say("Thanks for waiting.")
    first.expect_ended()
    rep.expect_ended()
    dequeued = forms_of(hooks, "/dequeued", first)[0]
    assert dequeued["QueueResult"] == "bridged"
    assert dequeued["QueueSid"].startswith("QU")
    agent_done = hooks.forms("/agent-done")[0]
    assert agent_done["CallSid"] == rep.sid
    assert agent_done["DialCallStatus"] == "completed"
    assert agent_done["DialCallSid"] == first.sid
    second.hang_up()
    second.expect_ended()


def test_queue_whisper_is_fetched_with_the_nouns_method(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(RITA, name="rita", presses=None)
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/agent", '<Dial><Queue url="{app}/announce" method="GET">support</Queue></Dial>')
    hooks.answer("/announce", "<Say>A person is taking your call.</Say>")
    caller = sim.call(CALLER)
    caller.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    rep = sim.switch.calls[
        client.calls.create(to=RITA, from_=LINE_NUMBER, url=f"{hooks.base}/agent").sid
    ]
    caller.expect_say("A person is taking your call.")
    caller.expect("bridged")
    assert hooks.methods_of("/announce") == ["GET"]
    assert hooks.forms("/announce")[0]["CallSid"] == caller.sid
    rep.hang_up()
    rep.expect_ended()
    caller.expect_ended()


def test_queued_caller_hanging_up_while_bridged_gets_bridged_as_queue_result(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(RITA, name="rita", presses=None)
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/agent", '<Dial action="{app}/agent-done"><Queue>support</Queue></Dial>')
    caller = sim.call(CALLER)
    caller.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    rep = sim.switch.calls[
        client.calls.create(to=RITA, from_=LINE_NUMBER, url=f"{hooks.base}/agent").sid
    ]
    caller.expect("bridged")
    caller.hang_up()
    caller.expect_ended()
    rep.expect_ended()
    (dequeued,) = hooks.forms("/dequeued")
    assert dequeued["QueueResult"] == "bridged"
    assert hooks.forms("/agent-done")[0]["DialCallStatus"] == "completed"


def test_a_bridged_caller_moved_by_rest_reports_redirected_from_bridged(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(RITA, name="rita", presses=None)
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/agent", '<Dial action="{app}/agent-done"><Queue>support</Queue></Dial>')
    hooks.answer("/survey", "<Say>Please rate your call.</Say>")
    caller = sim.call(CALLER)
    caller.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    rep = sim.switch.calls[
        client.calls.create(to=RITA, from_=LINE_NUMBER, url=f"{hooks.base}/agent").sid
    ]
    caller.expect("bridged")
    client.calls(caller.sid).update(url=f"{hooks.base}/survey")
    caller.expect_say("Please rate your call.")
    caller.expect_ended()
    rep.expect_ended()
    (dequeued,) = forms_of(hooks, "/dequeued", caller)
    assert dequeued["QueueResult"] == "redirected-from-bridged"
    assert hooks.forms("/agent-done")[0]["DialCallStatus"] == "completed"
