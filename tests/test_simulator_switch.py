"""The simulated switch keeps Twilio's rules: a small webhook app of the test's own, real HTTP.

Every route of the app checks `X-Twilio-Signature` and keeps the form it received, so each test
can assert on exactly the parameters Twilio would send, and on where the call goes next.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
import requests
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from ivr.twilio_rest import build_client
from simulator.people import Pickup
from simulator.server import Simulator
from simulator.switch import MAX_DOCUMENTS_PER_CALL, Call, LineConfig

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "switch-test-auth-token"
LINE_NUMBER = "+14155550000"
CALLER = "+14155550123"
SAM = "+14155550200"  # a rep who picks up
RITA = "+14155550300"  # a rep whose leg the test drives
WAIT_SECONDS = 5.0

Form = dict[str, str]


@dataclass
class Webhooks:
    """The app's side: the TwiML each path answers, and every signed request it received."""

    base: str = ""
    documents: dict[str, str] = field(default_factory=dict)
    received: list[tuple[str, Form]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    methods: list[tuple[str, str]] = field(default_factory=list)
    # Paths under `/held/` answer only once `release` is set; `answered` lists those that have.
    release: threading.Event = field(default_factory=threading.Event)
    answered: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def answer(self, path: str, *verbs: str) -> None:
        """Answer `path` with a `<Response>` of `verbs`; `{app}` stands for the app's URL."""
        body = "".join(verbs).replace("{app}", self.base)
        self.documents[path] = f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'

    def forms(self, path: str) -> list[Form]:
        """The forms received at `path` so far, oldest first."""
        with self.changed:
            return [form for where, form in self.received if where == path]

    def methods_of(self, path: str) -> list[str]:
        """The HTTP methods of the requests received at `path`, oldest first."""
        with self.changed:
            return [method for where, method in self.methods if where == path]

    def wait_for(self, path: str, match: Callable[[Form], bool] = lambda form: True) -> Form:
        """The first form received at `path` that `match`es, waiting for it to arrive."""
        deadline = time.monotonic() + WAIT_SECONDS
        with self.changed:
            while True:
                for where, form in self.received:
                    if where == path and match(form):
                        return form
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching request to {path}: {self.received}")
                self.changed.wait(remaining)

    def reset(self) -> None:
        """Forget the documents and requests of the previous test."""
        with self.changed:
            self.documents.clear()
            self.received.clear()
            self.refused.clear()
            self.methods.clear()
            self.answered.clear()
            self.release.clear()


def create_webhook_app(hooks: Webhooks) -> Flask:
    """A Twilio webhook app: signed requests only, TwiML from `hooks`, 500 at `/boom`."""
    app = Flask(__name__)
    validator = RequestValidator(AUTH_TOKEN)

    @app.route("/<path:name>", methods=["GET", "POST"])
    def webhook(name: str) -> Response:
        path = f"/{name}"
        params = request.form.to_dict() if request.method == "POST" else {}
        if not validator.validate(
            request.url, params, request.headers.get("X-Twilio-Signature", "")
        ):
            hooks.refused.append(path)
            return Response("bad signature", status=403)
        with hooks.changed:
            hooks.received.append((path, {**request.args.to_dict(), **params}))
            hooks.methods.append((path, request.method))
            hooks.changed.notify_all()
        if path.startswith("/held/"):
            hooks.release.wait(WAIT_SECONDS)
            with hooks.changed:
                hooks.answered.append(path)
        if path == "/boom":
            return Response("the app fell over", status=500)
        body = hooks.documents.get(path, "<Response/>")
        return Response(body, mimetype="text/xml")

    return app


@pytest.fixture(scope="module")
def webhook_server() -> Iterator[Webhooks]:
    """The webhook app on a real port for the whole module."""
    hooks = Webhooks()
    server = make_server("127.0.0.1", 0, create_webhook_app(hooks), threaded=True)
    hooks.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hooks
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooks(webhook_server: Webhooks) -> Webhooks:
    """The webhook app, with nothing answered or received yet."""
    webhook_server.reset()
    return webhook_server


@pytest.fixture(scope="module")
def simulator(webhook_server: Webhooks) -> Iterator[Simulator]:
    """One simulated Twilio account for the module, whose number calls the webhook app."""
    config = LineConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        number=LINE_NUMBER,
        voice_url=f"{webhook_server.base}/voice",
        status_callback_url=f"{webhook_server.base}/status",
    )
    with Simulator(config) as running:
        yield running


@pytest.fixture
def sim(simulator: Simulator, hooks: Webhooks) -> Iterator[Simulator]:
    """The simulator with no calls, queues or people; what it flags unexpectedly fails the test."""
    switch = simulator.switch
    config = switch.config
    yield simulator
    legs = list(switch.calls.values())
    switch.hang_up_all()
    for leg in legs:
        leg.wait()
    hooks.release.set()
    assert switch.settle(), "recording callbacks still under way"
    errors = list(switch.errors)
    with switch.lock:
        for kept in (switch.calls, switch.queues, switch.people, switch.recordings):
            kept.clear()
        switch.messages.clear()
        switch.errors.clear()
    switch.config = config
    assert errors == []
    assert hooks.refused == []


def forms_of(hooks: Webhooks, path: str, call: Call) -> list[Form]:
    """The forms `path` received about `call`."""
    return [form for form in hooks.forms(path) if form.get("CallSid") == call.sid]


# ----- <Gather> -----


def test_pressed_digits_reach_the_gather_action_with_the_standard_parameters(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1 for sales.</Say></Gather>')
    hooks.answer("/menu", "<Say>Sales it is.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.press("1#")
    call.expect_say("Sales it is.")
    call.expect_ended()

    (form,) = hooks.forms("/menu")
    assert form["Digits"] == "1"
    assert form["CallSid"] == call.sid and form["CallSid"].startswith("CA")
    assert len(form["CallSid"]) == 34
    assert form["AccountSid"] == ACCOUNT_SID
    assert (form["From"], form["To"]) == (CALLER, LINE_NUMBER)
    assert (form["Caller"], form["Called"]) == (CALLER, LINE_NUMBER)
    assert form["Direction"] == "inbound"
    assert form["CallStatus"] == "in-progress"
    assert form["ApiVersion"] == "2010-04-01"


def test_each_webhook_sent_is_logged_with_its_path_status_and_time(
    sim: Simulator, hooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/boom" numDigits="1"/>')
    with caplog.at_level(logging.INFO, logger="simulator.webhooks"):
        call = sim.call(CALLER)
        call.press("1")
        call.expect_ended()
    lines = [r.getMessage() for r in caplog.records if r.name == "simulator.webhooks"]
    assert re.fullmatch(r"POST /voice -> 200 in \d+ ms", lines[0]), lines
    assert re.fullmatch(r"POST /boom -> 500 in \d+ ms", lines[1]), lines
    assert lines[2].startswith("POST /status -> 200"), lines
    sim.errors.clear()


def test_first_webhook_of_an_inbound_call_says_it_is_ringing(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Say>Hello.</Say>")
    call = sim.call(CALLER)
    call.expect_ended()
    (form,) = hooks.forms("/voice")
    assert form["CallStatus"] == "ringing"


def test_gather_stops_listening_at_num_digits(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="3"/>')
    call = sim.call(CALLER)
    call.press("123456")
    call.expect_ended()
    assert hooks.forms("/menu")[0]["Digits"] == "123"


def test_finish_on_key_ends_the_gather_and_is_left_out_of_digits(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" finishOnKey="*"/>')
    call = sim.call(CALLER)
    call.press("42*7")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["Digits"] == "42"
    assert form.get("FinishedOnKey", "*") == "*"


def test_finish_on_key_alone_is_no_input_and_falls_through(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"/>', "<Say>We did not get that.</Say>")
    call = sim.call(CALLER)
    call.press("#")
    call.expect_say("We did not get that.")
    call.expect_ended()
    assert hooks.forms("/menu") == []


def test_speech_gather_sends_speech_result_and_confidence(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather input="dtmf speech" action="{app}/menu"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.say("agent please")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["SpeechResult"] == "agent please"
    # Twilio's Gather reference promises a score between 0.0 and 1.0, nothing more.
    assert 0.0 <= float(form["Confidence"]) <= 1.0
    assert "Digits" not in form


def test_dtmf_only_gather_does_not_hear_speech(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"/>', "<Say>We did not get that.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.say("agent")
    call.press("0")
    call.expect_ended()
    (form,) = hooks.forms("/menu")
    assert form["Digits"] == "0"
    assert "SpeechResult" not in form
    assert "We did not get that." not in call.heard()


def test_silence_falls_through_to_the_next_verb(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer(
        "/voice",
        '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>',
        "<Say>We did not get that.</Say>",
    )
    call = sim.call(CALLER)
    call.expect_gather()
    call.stay_silent()
    call.expect_say("We did not get that.")
    call.expect_ended()
    assert hooks.forms("/menu") == []


def test_silence_with_action_on_empty_result_still_posts_the_action(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        '<Gather action="{app}/menu" actionOnEmptyResult="true"/>',
    )
    hooks.answer("/menu", "<Say>Let me find you a person.</Say>")
    call = sim.call(CALLER)
    call.stay_silent()
    call.expect_say("Let me find you a person.")
    call.expect_ended()
    (form,) = hooks.forms("/menu")
    assert form.get("Digits", "") == ""
    assert "SpeechResult" not in form


def test_gather_without_action_posts_back_to_its_own_document(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Redirect>{app}/menu?step=top</Redirect>")
    hooks.answer("/menu", '<Gather numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("2")
    call.expect_gather()
    call.hang_up()
    call.expect_ended()
    first, second = hooks.forms("/menu")[:2]
    assert "Digits" not in first and first["step"] == "top"
    assert second["Digits"] == "2" and second["step"] == "top"


def test_gather_with_get_sends_its_parameters_in_the_query_string(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" method="GET" numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("5")
    call.expect_ended()
    form = hooks.forms("/menu")[0]
    assert form["Digits"] == "5" and form["From"] == CALLER


# ----- Redirect, Hangup, Reject, status callbacks -----


def test_redirect_replaces_the_document_with_standard_parameters_only(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="1"/>')
    hooks.answer("/menu", "<Redirect>{app}/next</Redirect>")
    hooks.answer("/next", "<Say>Next step.</Say>")
    call = sim.call(CALLER)
    call.press("3")
    call.expect_say("Next step.")
    call.expect_ended()
    (form,) = hooks.forms("/next")
    assert form["CallSid"] == call.sid
    assert "Digits" not in form


def test_hangup_ends_the_call_and_the_status_callback_reports_completed(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", "<Say>Goodbye.</Say><Hangup/>")
    call = sim.call(CALLER)
    call.expect("hangup")
    call.expect_ended()
    assert call.status == "completed"
    (status,) = hooks.forms("/status")
    assert status["CallSid"] == call.sid
    assert status["CallStatus"] == "completed"
    assert status["CallbackSource"] == "call-progress-events"
    assert status["Direction"] == "inbound"
    assert status["Timestamp"].endswith("+0000")


def test_status_callback_says_how_long_the_call_lasted(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.started -= timedelta(seconds=90)  # ninety seconds in the menu
    call.hang_up()
    call.expect_ended()
    (status,) = hooks.forms("/status")
    assert int(status["CallDuration"]) in (90, 91)  # whole seconds, rounded up


def test_the_end_of_a_call_shows_before_its_status_callback_is_answered(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.switch.config = replace(sim.switch.config, status_callback_url=f"{hooks.base}/held/status")
    hooks.answer("/voice", "<Say>Goodbye.</Say>")
    call = sim.call(CALLER)
    call.expect("ended")
    hooks.wait_for("/held/status")
    assert hooks.answered == []
    hooks.release.set()
    call.wait()
    assert hooks.answered == ["/held/status"]


def test_document_running_out_of_verbs_hangs_up(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Say>That is all.</Say>")
    call = sim.call(CALLER)
    call.expect_ended()
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"


@pytest.mark.parametrize(("reason", "status"), [("busy", "busy"), ("rejected", "no-answer")])
def test_reject_ends_the_call_unanswered(
    sim: Simulator, hooks: Webhooks, reason: str, status: str
) -> None:
    hooks.answer("/voice", f'<Reject reason="{reason}"/>')
    call = sim.call(CALLER)
    call.expect("reject", reason)
    call.expect_ended()
    assert call.status == status
    assert call.heard() == []
    assert hooks.forms("/status")[0]["CallStatus"] == status


# ----- <Enqueue> and <Leave> -----


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


# ----- <Dial> -----


def test_dial_bridges_a_person_who_answers_and_reports_completed_after_hangup(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam")
    hooks.answer("/voice", '<Dial action="{app}/dialed"><Number>' + SAM + "</Number></Dial>")
    hooks.answer("/dialed", "<Say>Thanks for calling.</Say>")
    call = sim.call(CALLER)
    call.expect_dial("sam")
    call.expect_bridged("sam")
    (leg,) = sim.switch.legs_to("sam")
    assert leg.direction == "outbound-dial" and leg.parent is call
    assert call.bridge is not None
    call.bridge.started -= timedelta(seconds=30)  # half a minute of talking
    leg.hang_up()
    call.expect_say("Thanks for calling.")
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "completed"
    assert form["DialCallSid"] == leg.sid
    assert int(form["DialCallDuration"]) in (30, 31)
    assert form["DialBridged"] == "true"
    assert form["CallStatus"] == "in-progress"


def test_caller_hanging_up_while_bridged_still_posts_the_dial_action(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam")
    hooks.answer("/voice", f'<Dial action="{{app}}/dialed">{SAM}</Dial>')
    call = sim.call(CALLER)
    call.expect_bridged("sam")
    call.hang_up()
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "completed"
    assert form["CallStatus"] == "completed"
    assert sim.switch.legs_to("sam")[0].ended


@pytest.mark.parametrize("pickup", [Pickup.BUSY, Pickup.NO_ANSWER, Pickup.FAILED])
def test_dial_reports_a_person_who_does_not_answer(
    sim: Simulator, hooks: Webhooks, pickup: Pickup
) -> None:
    sim.add_person(SAM, name="sam", pickup=pickup)
    hooks.answer("/voice", f'<Dial action="{{app}}/dialed"><Number>{SAM}</Number></Dial>')
    hooks.answer("/dialed", "<Say>Nobody could take your call.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Nobody could take your call.")
    call.expect_ended()
    assert hooks.forms("/dialed")[0]["DialCallStatus"] == pickup.value
    assert not [event for event in call.transcript if event.kind == "bridged"]


def test_dial_without_an_action_continues_with_the_next_verb(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam", pickup=Pickup.BUSY)
    hooks.answer("/voice", f"<Dial>{SAM}</Dial><Say>Please try again later.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Please try again later.")
    call.expect_ended()


def test_caller_leaving_a_conference_reports_it_answered(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Dial action="{app}/dialed"><Conference>standup</Conference></Dial>')
    call = sim.call(CALLER)
    call.expect("conference", "standup")
    call.hang_up()
    call.expect_ended()
    (form,) = hooks.forms("/dialed")
    assert form["DialCallStatus"] == "answered"
    assert form["CallStatus"] == "completed"


def test_whisper_accepted_with_a_key_bridges_the_call(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", presses="1")
    hooks.answer(
        "/voice",
        f'<Dial action="{{app}}/dialed"><Number url="{{app}}/whisper">{SAM}</Number></Dial>',
    )
    hooks.answer(
        "/whisper",
        '<Gather numDigits="1" action="{app}/screen"><Say>Press 1 to accept.</Say></Gather>',
        "<Hangup/>",
    )
    hooks.answer("/screen", "<Say>Connecting.</Say>")
    call = sim.call(CALLER)
    call.expect_bridged("sam")
    (leg,) = sim.switch.legs_to("sam")
    leg.expect_say("Press 1 to accept.")
    whisper = hooks.forms("/whisper")[0]
    assert whisper["CallSid"] == leg.sid
    assert whisper["Direction"] == "outbound-dial"
    assert whisper["ParentCallSid"] == call.sid
    assert whisper["To"] == SAM
    assert hooks.forms("/screen")[0]["Digits"] == "1"
    leg.hang_up()
    call.expect_ended()
    dialed = hooks.forms("/dialed")[0]
    assert dialed["DialCallStatus"] == "completed"
    assert dialed["DialBridged"] == "true"


def test_whisper_that_hangs_up_leaves_the_caller_unbridged(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", presses="2")
    hooks.answer(
        "/voice",
        f'<Dial action="{{app}}/dialed"><Number url="{{app}}/whisper">{SAM}</Number></Dial>',
    )
    hooks.answer(
        "/whisper",
        '<Gather numDigits="1" action="{app}/screen"><Say>Press 1 to accept.</Say></Gather>',
    )
    hooks.answer("/screen", "<Say>Declined.</Say><Hangup/>")
    hooks.answer("/dialed", "<Say>Nobody could take your call.</Say>")
    call = sim.call(CALLER)
    call.expect_say("Nobody could take your call.")
    call.expect_ended()
    assert not [event for event in call.transcript if event.kind == "bridged"]
    dialed = hooks.forms("/dialed")[0]
    # The rep's phone answered, so Twilio reports the leg completed; it was never bridged.
    assert dialed["DialCallStatus"] == "completed"
    assert dialed["DialBridged"] == "false"
    (declined,) = sim.switch.legs_to("sam")
    assert dialed["DialCallSid"] == declined.sid and declined.ended


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


# ----- <Record> -----


def test_recording_reaches_the_callbacks_and_the_action_and_can_be_fetched(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        "<Say>Leave a message after the beep.</Say>",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/recording"'
        ' transcribe="true" transcribeCallback="{app}/transcript"/>',
    )
    hooks.answer("/recorded", "<Say>Thanks, goodbye.</Say>")
    call = sim.call(CALLER)
    call.expect_record()
    call.say("my printer is on fire")
    call.press("#")
    call.expect_say("Thanks, goodbye.")
    call.expect_ended()

    (action,) = hooks.forms("/recorded")
    assert action["CallSid"] == call.sid
    assert action["RecordingSid"].startswith("RE")
    assert action["Digits"] == "#"
    status = hooks.wait_for("/recording")
    assert status["RecordingSid"] == action["RecordingSid"]
    assert status["RecordingUrl"] == action["RecordingUrl"]
    assert status["RecordingDuration"] == action["RecordingDuration"]
    assert status["RecordingStatus"] == "completed"
    assert status["CallSid"] == call.sid
    transcript = hooks.wait_for("/transcript")
    assert transcript["TranscriptionText"] == "my printer is on fire"
    assert transcript["RecordingSid"] == action["RecordingSid"]

    media = requests.get(action["RecordingUrl"], auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert media.status_code == 200 and media.content.startswith(b"RIFF")
    assert requests.get(action["RecordingUrl"], timeout=5).status_code == 401
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    fetched = client.recordings(action["RecordingSid"]).fetch()
    assert fetched.call_sid == call.sid
    assert fetched.duration == action["RecordingDuration"]


@pytest.mark.parametrize(
    ("words", "seconds", "status"),
    [(1, 1, "failed"), (5, 2, "completed"), (300, 120, "completed"), (301, 121, "failed")],
)
def test_only_recordings_of_2_to_120_seconds_are_transcribed(
    sim: Simulator, hooks: Webhooks, words: int, seconds: int, status: str
) -> None:
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" transcribe="true" transcribeCallback="{app}/transcript"/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say(" ".join(["word"] * words))
    call.press("#")
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["RecordingDuration"] == str(seconds)
    transcript = hooks.wait_for("/transcript")
    assert transcript["RecordingSid"] == action["RecordingSid"]
    assert transcript["TranscriptionStatus"] == status
    if status == "completed":
        assert transcript["TranscriptionText"].split() == ["word"] * words
    else:
        assert "TranscriptionText" not in transcript


def test_settle_waits_for_recording_callbacks_still_under_way(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/held/recording"/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say("please call me back")
    call.press("#")
    call.expect_ended()
    hooks.wait_for("/held/recording")
    assert not sim.switch.settle(timeout=0.05)
    hooks.release.set()
    assert sim.switch.settle()
    assert hooks.answered == ["/held/recording"]


def test_caller_hanging_up_during_a_recording_posts_the_action_with_hangup(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded"/>')
    call = sim.call(CALLER)
    call.expect_record()
    call.say("call me back")
    call.hang_up()
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "hangup"
    assert action["CallStatus"] == "completed"
    assert action["RecordingSid"] in sim.switch.recordings


# ----- REST -----


def test_rest_created_call_follows_its_url_and_reports_each_status(
    sim: Simulator, hooks: Webhooks
) -> None:
    sim.add_person(SAM, name="sam", presses="1")
    hooks.answer(
        "/outbound",
        '<Gather numDigits="1" action="{app}/accepted"><Say>Press 1 to talk.</Say></Gather>',
    )
    hooks.answer("/accepted", "<Say>Connecting you now.</Say>")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(
        to=SAM,
        from_=LINE_NUMBER,
        url=f"{hooks.base}/outbound",
        status_callback=f"{hooks.base}/progress",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    leg = sim.switch.calls[created.sid]
    leg.expect_say("Connecting you now.")
    leg.expect_ended()

    first = hooks.forms("/outbound")[0]
    assert first["Direction"] == "outbound-api"
    assert (first["From"], first["To"]) == (LINE_NUMBER, SAM)
    assert first["CallStatus"] == "in-progress"
    assert hooks.forms("/accepted")[0]["Digits"] == "1"
    progress = hooks.forms("/progress")
    assert [form["CallStatus"] for form in progress] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [form["SequenceNumber"] for form in progress] == ["0", "1", "2", "3"]
    assert "CallDuration" in progress[-1]
    assert client.calls(created.sid).fetch().status == "completed"


def test_rest_call_to_a_busy_person_never_fetches_its_url(sim: Simulator, hooks: Webhooks) -> None:
    sim.add_person(SAM, name="sam", pickup=Pickup.BUSY)
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    created = client.calls.create(
        to=SAM,
        from_=LINE_NUMBER,
        url=f"{hooks.base}/outbound",
        status_callback=f"{hooks.base}/progress",
    )
    sim.switch.calls[created.sid].expect_ended()
    assert hooks.forms("/outbound") == []
    assert [form["CallStatus"] for form in hooks.forms("/progress")] == ["busy"]


def test_rest_update_url_takes_a_held_caller_out_of_the_queue(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    hooks.answer("/moved", "<Say>A person is free now.</Say>")
    call = sim.call(CALLER)
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(url=f"{hooks.base}/moved")
    call.expect("redirect", "/moved")
    call.expect_say("A person is free now.")
    call.expect_ended()
    assert forms_of(hooks, "/moved", call)
    assert sim.switch.queue("support").members == []
    assert [form["QueueResult"] for form in hooks.forms("/dequeued")] == ["redirected"]


def test_rest_update_twiml_takes_a_held_caller_out_of_the_queue(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer(
        "/voice", '<Enqueue waitUrl="{app}/hold" action="{app}/dequeued">support</Enqueue>'
    )
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    call = sim.call(CALLER)
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(twiml="<Response><Say>We are closing now.</Say></Response>")
    call.expect("redirect", "inline TwiML")
    call.expect_say("We are closing now.")
    call.expect_ended()
    assert sim.switch.queue("support").members == []
    assert [form["QueueResult"] for form in hooks.forms("/dequeued")] == ["redirected"]


def test_queue_member_wait_counts_from_joining_the_queue(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather numDigits="1" action="{app}/menu"><Say>Press 0.</Say></Gather>')
    hooks.answer("/menu", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Please hold.</Say>")
    call = sim.call(CALLER)
    call.expect_gather()
    call.started -= timedelta(minutes=10)  # ten minutes in the menus before asking for a person
    call.press("0")
    call.expect_enqueue("support")
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    (member,) = client.queues(sim.switch.queue("support").sid).members.list()
    assert member.call_sid == call.sid
    assert member.wait_time < 60
    assert member.date_enqueued > client.calls(call.sid).fetch().start_time + timedelta(minutes=9)
    call.hang_up()
    call.expect_ended()


def test_rest_status_completed_hangs_up_a_live_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu"><Say>Press 1.</Say></Gather>')
    call = sim.call(CALLER)
    call.expect_gather()
    client = build_client(ACCOUNT_SID, AUTH_TOKEN, sim.url)
    client.calls(call.sid).update(status="completed")
    call.expect_ended()
    assert call.status == "completed"
    assert hooks.forms("/menu") == []
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"


# ----- what Twilio refuses -----


def test_record_in_hold_music_is_refused_and_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Enqueue waitUrl="{app}/hold">support</Enqueue>')
    hooks.answer("/hold", "<Say>Leave a message.</Say><Record/>")
    call = sim.call(CALLER)
    error = call.expect("error")
    call.expect_ended()
    assert "<Record> is not allowed" in error.text
    assert len(sim.errors) == 1 and call.sid in sim.errors[0]
    assert sim.switch.queue("support").members == []
    sim.errors.clear()


def test_unknown_verb_is_refused_and_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Say>Hello.</Say><Speak>Hi</Speak>")
    call = sim.call(CALLER)
    call.expect_ended()
    assert call.heard() == []
    assert len(sim.errors) == 1 and "unknown verb <Speak>" in sim.errors[0]
    sim.errors.clear()


def test_error_answer_from_the_app_ends_the_call(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Gather action="{app}/boom" numDigits="1"/>')
    call = sim.call(CALLER)
    call.press("1")
    error = call.expect("error")
    call.expect_ended()
    assert "500" in error.text
    assert len(sim.errors) == 1
    assert hooks.forms("/status")[0]["CallStatus"] == "completed"
    sim.errors.clear()


def test_endless_redirects_are_stopped(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", "<Redirect>{app}/voice</Redirect>")
    call = sim.call(CALLER)
    call.expect("error", "loop")
    call.expect_ended()
    assert len(sim.errors) == 1
    sim.errors.clear()


# ----- strict as Twilio about the attributes the app relies on -----


def test_gather_waits_for_num_digits_across_separate_key_presses(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/menu" numDigits="3"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    for key in "123":
        call.press(key)
    call.expect_ended()
    assert [form["Digits"] for form in hooks.forms("/menu")] == ["123"]


def test_gather_collects_keys_pressed_one_by_one_until_its_finish_key(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/case" finishOnKey="#" timeout="10"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    for key in "1001#":
        call.press(key)
    call.expect_ended()
    (form,) = hooks.forms("/case")
    assert (form["Digits"], form["FinishedOnKey"]) == ("1001", "#")


def test_gather_sends_what_was_typed_when_the_caller_stops_pressing(
    sim: Simulator, hooks: Webhooks
) -> None:
    hooks.answer("/voice", '<Gather action="{app}/case" timeout="1"/>')
    call = sim.call(CALLER)
    call.expect_gather()
    call.press("42")
    call.expect_ended()
    (form,) = hooks.forms("/case")
    assert (form["Digits"], form["FinishedOnKey"]) == ("42", "")


def test_record_ignores_keys_that_are_not_its_finish_keys(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded" finishOnKey="#"/>')
    call = sim.call(CALLER)
    call.expect_record()
    call.say("my order")
    call.press("1")  # not a finish key: part of the recording, the recording goes on
    call.say("never arrived")
    call.press("#")
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "#"
    assert sim.switch.recordings[action["RecordingSid"]].text == "my order never arrived"


def test_record_with_no_finish_keys_is_ended_by_no_key(sim: Simulator, hooks: Webhooks) -> None:
    hooks.answer("/voice", '<Record action="{app}/recorded" finishOnKey="" timeout="1"/>')
    sim.switch.config = replace(sim.switch.config, idle_timeout_seconds=1)
    call = sim.call(CALLER)
    call.expect_record()
    call.say("hello")
    call.press("#")
    call.say("still talking")
    call.hang_up()
    call.expect_ended()
    (action,) = hooks.forms("/recorded")
    assert action["Digits"] == "hangup"
    assert sim.switch.recordings[action["RecordingSid"]].text == "hello still talking"


@pytest.mark.parametrize(
    ("transcribe", "transcribed"),
    [(' transcribe="true"', True), ("", True), (' transcribe="false"', False)],
)
def test_a_transcription_is_sent_only_when_transcribe_is_asked_for_or_implied(
    sim: Simulator, hooks: Webhooks, transcribe: str, transcribed: bool
) -> None:
    # Twilio's Record reference: a transcribeCallback implies transcribe="true".
    hooks.answer(
        "/voice",
        '<Record action="{app}/recorded" recordingStatusCallback="{app}/recording"'
        f' transcribeCallback="{{app}}/transcript"{transcribe}/>',
    )
    call = sim.call(CALLER)
    call.expect_record()
    call.say("please call me back about my bill")
    call.press("#")
    call.expect_ended()
    hooks.wait_for("/recording")
    assert sim.switch.settle()
    sent = [form["TranscriptionText"] for form in hooks.forms("/transcript")]
    assert sent == (["please call me back about my bill"] if transcribed else [])
