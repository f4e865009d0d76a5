"""Run the simulator as a service: `python -m simulator CONFIG.json`.

The config is JSON:

    {
      "host": "127.0.0.1",
      "port": 8001,
      "line": {"account_sid": "AC...", "auth_token": "...", "number": "+14155550000",
               "voice_url": "http://127.0.0.1:8000/voice/incoming",
               "status_callback_url": "http://127.0.0.1:8000/voice/status",
               "time_scale": 1.0},
      "people": [{"endpoint": "+14155550200", "name": "sam", "pickup": "answer", "presses": "1"}],
      "callers": [{"phone": "+14155550100", "name": "Ada Lovelace"}]
    }

`line` holds the fields of `LineConfig`; here `time_scale` defaults to 1.0 (real time, for people
at the dev phone). A person with `"presses": null` leaves their keys to the dev phone. A bad
config is reported field by field and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simulator.devphone import Caller, caller_id
from simulator.people import Person, Pickup
from simulator.server import Simulator
from simulator.switch import LineConfig

EXIT_BAD_CONFIG = 2
E164 = r"^\+[1-9][0-9]{6,14}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineSettings(_Strict):
    """The Twilio account and number being played (see `LineConfig`)."""

    account_sid: str = Field(min_length=2)
    auth_token: str = Field(min_length=1)
    number: str = Field(pattern=E164)
    voice_url: str = Field(pattern=r"^https?://")
    status_callback_url: str | None = Field(default=None, pattern=r"^https?://")
    time_scale: float = Field(default=1.0, ge=0)
    hold_round_seconds: float = Field(default=0.05, gt=0)
    idle_timeout_seconds: float = Field(default=60.0, gt=0)

    def line_config(self) -> LineConfig:
        """The switch's view of these settings."""
        return LineConfig(**self.model_dump())


class PersonSettings(_Strict):
    """Someone the line may ring: a rep, a supervisor, a customer called back."""

    endpoint: str = Field(pattern=r"^(\+[1-9][0-9]{6,14}|client:\S+)$")
    name: str = ""
    pickup: Pickup = Pickup.ANSWER
    presses: str | None = "1"
    talks_for: float | None = Field(default=None, gt=0, description="seconds before hanging up")


class CallerSettings(_Strict):
    """A demo customer offered on the dev phone."""

    phone: str
    name: str = Field(min_length=1)
    note: str = Field(default="", max_length=200, description="what calling as them shows")

    @field_validator("phone")
    @classmethod
    def _phone_is_a_caller_id(cls, value: str) -> str:
        return caller_id(value)


class SimulatorSettings(_Strict):
    """The whole config file."""

    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=0, le=65535)
    line: LineSettings
    people: list[PersonSettings] = []
    callers: list[CallerSettings] = []


def load(path: Path) -> SimulatorSettings:
    """Read and validate a config file; ValueError says what is wrong, field by field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    try:
        return SimulatorSettings.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"  {'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ValueError(f"{path} is not a valid config:\n" + "\n".join(problems)) from exc


def build(settings: SimulatorSettings) -> Simulator:
    """A simulator with the configured line, people and demo callers."""
    sim = Simulator(
        settings.line.line_config(),
        host=settings.host,
        port=settings.port,
        callers=[Caller(phone=c.phone, name=c.name, note=c.note) for c in settings.callers],
    )
    for person in settings.people:
        sim.switch.add_person(Person(**person.model_dump()))
    return sim


_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours its access log in a terminal


class _HidePolling(logging.Filter):
    """Drops the access-log lines of the dev phone page polling for news: thousands an hour."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = _COLOURS.sub("", record.getMessage())
        return not ('"GET /phone/api/' in message and '" 200 ' in message)


def _show_the_calls() -> None:
    """Print each webhook sent to the app; keep the simulator's own access log quiet."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("werkzeug").addFilter(_HidePolling())


def main(argv: list[str] | None = None) -> int:
    """Serve the simulator in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Play Twilio for the support line: REST stand-in, webhooks and a dev phone.",
    )
    parser.add_argument("config", type=Path, help="JSON config: host, port, line, people, callers")
    args = parser.parse_args(argv)
    try:
        settings = load(args.config)
    except ValueError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    try:
        sim = build(settings)
    except OSError as exc:
        address = f"{settings.host}:{settings.port}"
        print(f"simulator: cannot listen on {address}: {exc}", file=sys.stderr)
        return 1
    print(f"Simulator for {settings.line.number} at {sim.url}", flush=True)
    print(f"Dev phone: {sim.url}/phone", flush=True)
    _show_the_calls()
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
