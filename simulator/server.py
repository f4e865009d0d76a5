"""The simulator as a running service: the REST stand-in (and dev phone) on a real HTTP port."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from simulator import devphone, rest
from simulator.devphone import Caller
from simulator.people import Person, Pickup
from simulator.switch import Call, LineConfig, Switch


def create_simulator_app(switch: Switch, callers: Sequence[Caller] = ()) -> Flask:
    """The simulator's web app: Twilio's REST paths, and the dev phone at `/phone`.

    `callers` are the demo customers the dev phone offers to call as.
    """
    app = Flask(__name__)
    app.extensions["switch"] = switch
    app.config[devphone.CALLERS] = list(callers)
    app.register_blueprint(rest.bp)
    app.register_blueprint(devphone.bp)
    return app


class Simulator:
    """A simulated Twilio account with its HTTP server; use as a context manager in tests."""

    def __init__(
        self,
        config: LineConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        callers: Sequence[Caller] = (),
    ) -> None:
        self.switch = Switch(config)
        self.app = create_simulator_app(self.switch, callers)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self.switch.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start answering REST requests."""
        self._thread.start()

    def stop(self) -> None:
        """Hang up every call, let their last callbacks reach the app, and stop the server."""
        self.switch.hang_up_all()
        with self.switch.lock:
            legs = list(self.switch.calls.values())
        for leg in legs:  # ended ones may still be sending their status callback
            leg.wait()
        self.switch.settle()
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Answer requests in this thread until interrupted (the `python -m simulator` entry)."""
        try:
            self._server.serve_forever()
        finally:
            self.switch.hang_up_all()
            self._server.server_close()

    def call(self, from_: str, interactive: bool = False) -> Call:
        """Phone the line from `from_`."""
        return self.switch.call(from_, interactive)

    def add_person(
        self,
        endpoint: str,
        name: str = "",
        pickup: Pickup = Pickup.ANSWER,
        presses: str | None = "1",
        talks_for: float | None = None,
    ) -> Person:
        """Make someone reachable at `endpoint` (see `Person` for how they behave)."""
        return self.switch.add_person(Person(endpoint, name, pickup, presses, talks_for))

    @property
    def errors(self) -> list[str]:
        """What Twilio's debugger would have flagged."""
        return self.switch.errors
