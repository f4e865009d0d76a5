"""A webhook app of the simulator tests' own, on a real port, and a simulator that calls it.

Every route of the app checks `X-Twilio-Signature` and keeps the form it received, so each test
can assert on exactly the parameters Twilio would send, and on where the call goes next. The
fixtures that start both live in `tests.simulator_fixtures`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from simulator.switch import Call

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


def forms_of(hooks: Webhooks, path: str, call: Call) -> list[Form]:
    """The forms `path` received about `call`."""
    return [form for form in hooks.forms(path) if form.get("CallSid") == call.sid]
