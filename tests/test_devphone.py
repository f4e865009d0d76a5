"""The dev phone: a person rings the line from a web page and hears what the app says."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from crm.models import Customer, Rep
from simulator.devphone import ENDED_LEGS_SHOWN_FOR, Caller
from simulator.server import create_simulator_app
from simulator.switch import LineConfig, Switch
from tests.conftest import Line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(12000))
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def phone(line: Line) -> FlaskClient:
    """A client of the simulator's web app, offering Ada as a demo caller."""
    app = create_simulator_app(line.sim.switch, [Caller(phone=ADA.phone, name=ADA.name)])
    return app.test_client()


@pytest.fixture
def idle_phone() -> FlaskClient:
    """The dev phone of a switch no call has reached yet (for requests refused up front)."""
    config = LineConfig(
        account_sid="AC" + "0" * 32,
        auth_token="token",
        number="+14155550000",
        voice_url="http://127.0.0.1:9/voice/incoming",
    )
    return create_simulator_app(Switch(config)).test_client()


def _start(phone: FlaskClient, from_: str) -> str:
    response = phone.post("/phone/api/calls", json={"from": from_})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["sid"]


def _state(phone: FlaskClient, sid: str, since: int = 0) -> dict[str, Any]:
    response = phone.get(f"/phone/api/calls/{sid}?since={since}")
    assert response.status_code == 200
    return response.get_json()


def _ring_sam_with_a_question(line: Line, gather: str) -> str:
    """A REST call to sam, who leaves his answers to the dev phone; returns its CallSid."""
    line.sim.add_person("+14155550200", name="sam", presses=None)
    created = line.services.twilio.calls.create(
        to="+14155550200",
        from_=line.services.settings.support_number,
        twiml=(
            f'<Response><Gather {gather} timeout="10" action="{line.url}/voice/fallback">'
            "<Say>Press 1 to take the caller.</Say></Gather>"
            "<Say>We did not hear you.</Say></Response>"
        ),
    )
    line.sim.switch.calls[created.sid].expect_gather()
    return created.sid


def test_page_offers_the_configured_callers_and_a_keypad(phone: FlaskClient) -> None:
    response = phone.get("/phone")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ada Lovelace" in page and 'data-from="+14155550100"' in page
    assert 'data-from="anonymous"' in page
    assert all(f'data-key="{key}"' in page for key in "123456789*0#")
    assert phone.get("/phone/api/callers").get_json() == {
        "callers": [{"phone": "+14155550100", "name": "Ada Lovelace", "note": ""}]
    }


def test_names_on_the_page_are_escaped() -> None:
    config = LineConfig(
        account_sid="AC1", auth_token="t", number="+14155550000", voice_url="http://x/"
    )
    app = create_simulator_app(Switch(config), [Caller("+14155550101", "<b>Bobby</b>")])
    page = app.test_client().get("/phone").get_data(as_text=True)
    assert "&lt;b&gt;Bobby&lt;/b&gt;" in page and "<b>Bobby" not in page


def test_known_caller_hears_the_greeting_and_reaches_the_queue_by_keypad(
    line: Line, phone: FlaskClient
) -> None:
    line.services.customers.save_all([ADA])
    sid = _start(phone, "+1 415 555 0100")
    leg = line.sim.switch.calls[sid]
    leg.expect_say("Hello Ada")
    leg.expect_gather()
    assert phone.post(f"/phone/api/calls/{sid}/press", json={"digits": "0"}).status_code == 202
    leg.expect_enqueue("support")

    state = _state(phone, sid)
    assert state["from"] == "+14155550100" and state["status"] == "in-progress"
    assert state["queue"] == "support"
    said = [e["text"] for e in state["events"] if e["kind"] == "say"]
    assert "Hello Ada, thanks for calling." in said
    enqueue = next(e for e in state["events"] if e["kind"] == "enqueue")
    assert enqueue["text"] == "support" and enqueue["detail"]["sid"].startswith("QU")
    assert _state(phone, sid, since=state["next"])["events"] == []


def test_hanging_up_ends_the_call(line: Line, phone: FlaskClient) -> None:
    sid = _start(phone, "anonymous")
    leg = line.sim.switch.calls[sid]
    leg.expect_say("Thanks for calling.")
    leg.expect_gather()

    assert phone.post(f"/phone/api/calls/{sid}/hangup").status_code == 202
    leg.expect_ended()
    state = _state(phone, sid)
    assert state["ended"] and state["status"] == "completed"
    assert state["events"][-1]["kind"] == "ended"
    over = phone.post(f"/phone/api/calls/{sid}/press", json={"digits": "1"})
    assert over.status_code == 409 and "over" in over.get_json()["error"]


def test_keypad_press_reaches_the_leg_of_the_person_rung(line: Line, phone: FlaskClient) -> None:
    sid = _ring_sam_with_a_question(line, 'numDigits="1"')
    legs = phone.get("/phone/api/calls").get_json()["calls"]
    assert [(leg["sid"], leg["person"]) for leg in legs] == [(sid, "sam")]

    assert phone.post(f"/phone/api/calls/{sid}/press", json={"digits": "1"}).status_code == 202
    leg = line.sim.switch.calls[sid]
    leg.expect_say("Connecting you to a person")
    assert "We did not hear you." not in leg.heard()
    assert phone.post(f"/phone/api/calls/{sid}/hangup").status_code == 202
    leg.expect_ended()


def test_spoken_words_answer_a_speech_gather(line: Line, phone: FlaskClient) -> None:
    sid = _ring_sam_with_a_question(line, 'input="speech"')
    assert phone.post(f"/phone/api/calls/{sid}/say", data={"words": "yes"}).status_code == 202
    line.sim.switch.calls[sid].expect_say("Connecting you to a person")


def test_silence_lets_the_gather_time_out(line: Line, phone: FlaskClient) -> None:
    sid = _ring_sam_with_a_question(line, 'numDigits="1"')
    assert phone.post(f"/phone/api/calls/{sid}/silence").status_code == 202
    line.sim.switch.calls[sid].expect_say("We did not hear you.")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/phone/api/calls", {}),
        ("/phone/api/calls", {"from": "not a number"}),
        ("/phone/api/calls", {"from": 14155550100}),
        ("/phone/api/calls/CA0/press", {"digits": "1a"}),
        ("/phone/api/calls/CA0/press", {}),
        ("/phone/api/calls/CA0/say", {"words": "   "}),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    idle_phone: FlaskClient, path: str, body: dict[str, object]
) -> None:
    response = idle_phone.post(path, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_bad_since_is_refused(idle_phone: FlaskClient) -> None:
    response = idle_phone.get("/phone/api/messages?since=-1")
    assert response.status_code == 400 and "since" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/phone/api/calls/CAunknown"),
        ("POST", "/phone/api/calls/CAunknown/hangup"),
        ("POST", "/phone/api/calls/CAunknown/silence"),
    ],
)
def test_unknown_call_is_not_found(idle_phone: FlaskClient, method: str, path: str) -> None:
    response = idle_phone.open(path, method=method)
    assert response.status_code == 404
    assert "CAunknown" in response.get_json()["error"]


def test_messages_the_app_sent_are_listed(line: Line, phone: FlaskClient) -> None:
    line.services.twilio.messages.create(
        to="+14155550100", from_=line.services.settings.support_number, body="We will call you"
    )
    listed = phone.get("/phone/api/messages").get_json()
    assert [(m["to"], m["body"]) for m in listed["messages"]] == [
        ("+14155550100", "We will call you")
    ]
    assert phone.get(f"/phone/api/messages?since={listed['next']}").get_json()["messages"] == []


def test_simulator_app_serves_the_dev_phone_over_http(line: Line) -> None:
    response = requests.get(f"{line.sim.url}/phone/api/calls", timeout=5)
    assert response.status_code == 200 and response.json() == {"calls": []}


def _config(tmp_path: Path, **sections: list[dict[str, Any]]) -> Path:
    """A simulator config file for a line whose app is not there (port 9), with `sections`."""
    config = tmp_path / "sim.json"
    line = {
        "account_sid": "AC" + "0" * 32,
        "auth_token": "token",
        "number": "+14155550000",
        "voice_url": "http://127.0.0.1:9/voice/incoming",
    }
    config.write_text(json.dumps({"port": 0, "line": line, **sections}))
    return config


def _run_simulator(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", str(config)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_command_refuses_a_bad_config_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"line": {"account_sid": "AC1", "auth_token": "t"}}))
    process = _run_simulator(config)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "line.number" in errors and "line.voice_url" in errors


def test_command_serves_the_dev_phone_with_its_callers(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        people=[{"endpoint": "+14155550200", "name": "sam", "presses": None}],
        callers=[{"phone": "+14155550100", "name": "Ada Lovelace", "note": "has case C-1001"}],
    )
    process = _run_simulator(config)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        phone_url = lines[1].split()[-1]
        assert phone_url.endswith("/phone"), lines
        page = requests.get(phone_url, timeout=5)
        assert page.status_code == 200 and "Ada Lovelace" in page.text
        assert "has case C-1001" in page.text
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_a_case_number_typed_key_by_key_is_heard_whole(line: Line, phone: FlaskClient) -> None:
    line.services.customers.save_all([ADA])
    line.services.reps.save_all(
        [Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")]
    )
    case = line.services.cases.open(ADA.phone, "sam", "router drops the connection")
    sid = _start(phone, "anonymous")
    leg = line.sim.switch.calls[sid]
    leg.expect_gather()
    phone.post(f"/phone/api/calls/{sid}/press", json={"digits": "3"})
    leg.expect_say("Please enter your case number")
    for key in case.reference.removeprefix("C-") + "#":  # one click per key, as on the page
        assert phone.post(f"/phone/api/calls/{sid}/press", json={"digits": key}).status_code == 202
    leg.expect_say(f"Case {' '.join(case.reference.replace('-', ''))} is open.")
    assert line.services.calls.details(sid)["case_reference"] == case.reference


def test_ended_legs_drop_off_the_list_after_a_while(line: Line, phone: FlaskClient) -> None:
    sid = _start(phone, "anonymous")
    leg = line.sim.switch.calls[sid]
    leg.expect_gather()
    phone.post(f"/phone/api/calls/{sid}/hangup")
    leg.expect_ended()
    listed = [call["sid"] for call in phone.get("/phone/api/calls").get_json()["calls"]]
    assert listed == [sid]  # how it ended is still there to see
    leg.ended_at = leg.ended_at - ENDED_LEGS_SHOWN_FOR - timedelta(seconds=1)
    assert phone.get("/phone/api/calls").get_json()["calls"] == []


def test_the_simulator_prints_its_webhooks_and_hides_the_pages_polling(tmp_path: Path) -> None:
    config = _config(tmp_path, callers=[{"phone": "+14155550100", "name": "Ada Lovelace"}])
    process = _run_simulator(config)
    try:
        assert process.stdout is not None
        process.stdout.readline()
        phone_url = process.stdout.readline().split()[-1]
        for _ in range(3):
            requests.get(f"{phone_url}/api/calls", timeout=5)
        started = requests.post(f"{phone_url}/api/calls", json={"from": "anonymous"}, timeout=5)
        assert started.status_code == 201
        state = f"{phone_url}/api/calls/{started.json()['sid']}"
        deadline = time.monotonic() + 10
        while not requests.get(state, timeout=5).json()["ended"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the app is not there: the call ends when its webhook fails
        requests.get(f"{phone_url}/api/calls/nothing", timeout=5)  # a 404 is still shown
    finally:
        process.terminate()
        printed, logged = process.communicate(timeout=10)
    output = printed + logged
    assert "POST /voice/incoming -> no answer" in output
    assert "GET /phone/api/calls HTTP/1.1" not in output
    assert "GET /phone/api/calls/nothing HTTP/1.1" in output
