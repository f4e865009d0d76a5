"""Customers' messages heard in the console, through the simulator over real HTTP: streamed
through the app to the callback's owner (or a supervisor) signed in, fetched from Twilio with
the account's credentials; nobody signed out hears anything, another rep is refused, and a
stored URL off Twilio's API is never fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from crm.passwords import hash_password
from ivr.settings import Settings
from tests.conftest import Line
from tests.staff_session import browser
from tests.test_callback_calls import BOB, KIM, PROMISES, SAM, desk_with, leave_message

PASSWORD = "a long enough password"


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Iterator[Line]:
    for line in desk_with(settings, tmp_path, PROMISES):
        hashed = hash_password(PASSWORD)
        line.services.reps.save_all(
            [rep.model_copy(update={"password_hash": hashed}) for rep in (SAM, KIM)]
        )
        yield line


def test_the_owner_hears_the_message_and_nobody_else_does(desk: Line) -> None:
    desk.services.case_rules.open(BOB.phone, "sam", "Parcel lost")
    call = leave_message(desk, BOB, "My parcel never came")
    call.expect_ended()
    callback_id = desk.services.calls.details(call.sid)["callback"]
    url = f"{desk.url}/console/recordings/{callback_id}/0"

    sam, _ = browser(desk.url, "sam", PASSWORD)
    heard = sam.get(url, timeout=10)
    assert heard.status_code == 200 and heard.content.startswith(b"RIFF")
    assert heard.headers["Cache-Control"] == "private, no-store"

    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 303  # signed out
    kim, _ = browser(desk.url, "kim", PASSWORD)
    refused = kim.get(url, timeout=10)
    assert refused.status_code == 403 and "only they or a supervisor hear it" in refused.text
    assert sam.get(f"{desk.url}/console/recordings/{callback_id}/5", timeout=10).status_code == 404

    key = desk.services.keys.callback_messages(callback_id)
    message = json.loads(desk.services.redis.lindex(key, 0))
    desk.services.redis.lset(
        key, 0, json.dumps({**message, "recording_url": "https://evil.example/x"})
    )
    assert sam.get(url, timeout=10).status_code == 404  # not Twilio's: never fetched
