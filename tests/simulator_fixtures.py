"""Fixtures of the simulator tests: a webhook app and a simulator whose number calls it.

A test module names this module in its `pytest_plugins` to get one app and one simulator of its
own (module scope), and a clean `sim` and `hooks` for each test: whatever the simulator flagged,
or any request the app refused, fails the test that caused it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from simulator.server import Simulator
from simulator.switch import LineConfig
from tests.simulator_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    LINE_NUMBER,
    Webhooks,
    create_webhook_app,
)


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
