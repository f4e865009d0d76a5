"""`ivr dev`: the whole line on one machine, no Twilio account needed.

Starts (or reuses) the embedded Redis, loads demo customers, reps and a case, then runs the web
app, the worker and the Twilio simulator as child processes, and prints where to click. The
simulator is started as its own program: the app never imports it, it only hears it over HTTP.
While it runs, the line's settings are written to `IVR_DATA_DIR/dev.env`, so other `ivr`
commands started in the same directory (imports, cases, presence) reach the same line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import requests
from dotenv import dotenv_values

from crm.imports import read_customers, read_reps
from crm.models import Customer, Presence
from ivr.services import Services
from ivr.settings import DEV_ENV_FILE, DEV_PID_VARIABLE, Settings

DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "local-development-token"
DEV_SUPPORT_NUMBER = "+14155550000"
DEV_SECRET_KEY = "local-development-secret-key"
DEMO_CASES = (("+14155550100", "sam", "Router drops the connection every evening", "technical"),)
STARTUP_TIMEOUT_SECONDS = 30.0
_PORT_SEARCH = 50  # how far above a taken port to look for a free one to suggest


class DevError(RuntimeError):
    """The local line cannot start; the message says what to change."""


@dataclass(frozen=True)
class DevPorts:
    """Where the app and the simulator listen."""

    host: str = "127.0.0.1"
    app: int = 8000
    simulator: int = 8001

    @property
    def app_url(self) -> str:
        """The app's base URL (also the public URL the simulator signs)."""
        return f"http://{self.host}:{self.app}"

    @property
    def simulator_url(self) -> str:
        """The simulator's base URL (Twilio's REST API, the dev phone)."""
        return f"http://{self.host}:{self.simulator}"


def check_ports(ports: DevPorts) -> None:
    """Refuse at once, naming the option to change, if a port the line needs is taken.

    gunicorn would otherwise retry for seconds and then fail with a message about itself.
    """
    if ports.app == ports.simulator:
        raise DevError(f"--port and --simulator-port are both {ports.app}; choose two ports")
    for port, option, other in (
        (ports.app, "--port", ports.simulator),
        (ports.simulator, "--simulator-port", ports.app),
    ):
        if not _port_free(ports.host, port):
            hint = _free_port_above(ports.host, port, avoid=other)
            example = f", e.g. ivr dev {option} {hint}" if hint else ""
            raise DevError(
                f"port {port} on {ports.host} is taken (another ivr dev, or another program); "
                f"choose another with {option}{example}"
            )


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: a port left in TIME_WAIT by a stopped line is free to them.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port_above(host: str, port: int, avoid: int) -> int | None:
    for candidate in range(port + 1, min(port + _PORT_SEARCH, 65535) + 1):
        if candidate != avoid and _port_free(host, candidate):
            return candidate
    return None


def dev_environment(ports: DevPorts) -> dict[str, str]:
    """The variables that make the app talk to the local simulator instead of Twilio."""
    return {
        "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
        "TWILIO_API_BASE": ports.simulator_url,
        "PUBLIC_BASE_URL": ports.app_url,
        "SUPPORT_NUMBER": DEV_SUPPORT_NUMBER,
        "SECRET_KEY": DEV_SECRET_KEY,
    }


def demo_sign_ins() -> str:
    """The demo reps' ids and passwords, as the console's sign-in takes them."""
    with files("ivr").joinpath("demo", "reps.csv").open() as rows:
        return ", ".join(
            f"{row['id']} / {row['password']} ({row['role']})" for row in csv.DictReader(rows)
        )


def load_demo_data(services: Services) -> list[Customer]:
    """Demo customers, available reps and an open case; loading twice changes nothing.

    Returns the customers, the dev phone's callers.
    """
    demo = files("ivr").joinpath("demo")
    region = services.settings.region
    customers = read_customers(Path(str(demo.joinpath("customers.csv"))), region)
    services.customers.save_all(customers)
    reps = read_reps(Path(str(demo.joinpath("reps.csv"))), region)
    services.reps.save_all(reps)
    for rep in reps:  # so the demo's fast track to a case owner rings them
        services.presence.set(rep.id, Presence.AVAILABLE)
    for phone, owner, subject, category in DEMO_CASES:
        if not services.cases.open_for_caller(phone):
            services.cases.open(phone, owner, subject, category)
    return customers


def caller_note(services: Services, customer: Customer) -> str:
    """What a demo caller will meet, for the dev phone: tier and open cases with their owners."""
    caller = services.directory.identify(customer.phone)
    parts = [f"{caller.tier} tier"]
    for case in caller.open_cases:
        owner = caller.owner_of(case).rep
        parts.append(
            f"has an open case {case.reference} owned by {owner.name if owner else case.owner}"
        )
    if not caller.open_cases:
        parts.append("no open case")
    return ", ".join(parts)


def simulator_config(
    services: Services, ports: DevPorts, callers: list[Customer]
) -> dict[str, object]:
    """The simulator's configuration: this line, the reps as people who answer, the callers."""
    settings = services.settings
    return {
        "host": ports.host,
        "port": ports.simulator,
        "line": {
            "account_sid": settings.twilio_account_sid,
            "auth_token": settings.twilio_auth_token,
            "number": settings.support_number,
            "voice_url": f"{ports.app_url}/voice/incoming",
            "status_callback_url": f"{ports.app_url}/voice/status",
            "time_scale": 1.0,
        },
        "people": [
            {"endpoint": rep.endpoint, "name": rep.id, "pickup": "answer", "presses": "1"}
            for rep in services.reps.all()
        ],
        "callers": [
            {
                "phone": customer.phone,
                "name": customer.name,
                "note": caller_note(services, customer),
            }
            for customer in callers
        ],
    }


def write_dev_env(settings: Settings, ports: DevPorts) -> Path:
    """Write this line's settings where `Settings` of other commands look while it runs."""
    variables = {**dev_environment(ports), DEV_PID_VARIABLE: str(os.getpid())}
    if settings.redis_url:
        variables["REDIS_URL"] = settings.redis_url
    path = settings.ivr_data_dir / DEV_ENV_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by a running `ivr dev` and removed when it stops: other ivr commands here\n"
        "# read it to reach the same line. Set variables or `.env` to override it.\n"
        + "".join(f"{name}={value}\n" for name, value in variables.items())
    )
    return path


def _remove_dev_env(path: Path) -> None:
    # Another `ivr dev` on the same data dir may have written it since: leave theirs alone.
    with contextlib.suppress(OSError):
        if dotenv_values(path).get(DEV_PID_VARIABLE) == str(os.getpid()):
            path.unlink()


def run(ports: DevPorts) -> int:
    """Run everything until interrupted; return the exit status.

    The Twilio variables are set to the simulator's in this process's environment, which the
    settings and the children (web, worker, simulator) then read as usual.
    """
    check_ports(ports)
    os.environ.update(dev_environment(ports))
    settings = Settings.load()
    services = Services.build(settings)
    callers = load_demo_data(services)
    config_path = settings.ivr_data_dir / "simulator.json"
    config_path.write_text(json.dumps(simulator_config(services, ports, callers), indent=2))
    dev_env = write_dev_env(settings, ports)

    # `timeout`, systemd and friends stop us with SIGTERM: stop the children as for Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    python = sys.executable
    serve = ["serve", "--bind", f"{ports.host}:{ports.app}", "--access-log"]
    children = [
        subprocess.Popen([python, "-m", "ivr.cli", *serve]),
        subprocess.Popen([python, "-m", "ivr.cli", "worker"]),
        subprocess.Popen([python, "-m", "simulator", str(config_path)]),
    ]
    try:
        _wait_until_up(f"{ports.app_url}/healthz", children)
        _wait_until_up(f"{ports.simulator_url}/phone", children)
        print(
            "\nThe support line is running (Ctrl-C stops it):\n"
            f"  dev phone   {ports.simulator_url}/phone   dial the line as a demo customer\n"
            f"  console     {ports.app_url}/console/   sign in as {demo_sign_ins()}\n"
            f"  web app     {ports.app_url}   (Twilio webhooks under /voice)\n"
            f"  health      {ports.app_url}/healthz\n"
            "Other ivr commands run in this directory reach this line while it runs;\n"
            "the app's webhook requests are printed below as calls come in.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _remove_dev_env(dev_env)
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_until_up(url: str, children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise DevError("a part of the line stopped while starting; see the output above")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise DevError(f"{url} did not come up in {STARTUP_TIMEOUT_SECONDS:.0f} s")
