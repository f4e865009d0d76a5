"""Routing across processes, deployed as the Procfile runs it: `ivr serve --workers 2` (two
gunicorn processes answering Twilio's webhooks and the JSON API) and `ivr worker` (the rq
worker with the routing dispatcher), sharing nothing but the suite's real Redis.

Why: the other routing tests run the app and the dispatcher as threads of the test process, so
state kept in one process's memory, a setting the worker does not read from its environment,
or a wake the web processes push where the worker does not listen would pass there and fail in
production. Here the simulator (in the test process) calls the gunicorn processes over real
HTTP, a rep's presence is changed through the web API, and only the worker process can move a
waiting caller to that rep, through the simulator's REST API, over HTTP too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from crm.models import Customer, Rep
from ivr.services import Services
from simulator.script import Call
from simulator.server import Simulator
from simulator.switch import LineConfig
from tests.conftest import free_port

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))  # gold
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))  # standard
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")
KIM = Rep(id="kim", name="Kim Lee", endpoint="+14155550201", password_hash="x")
WEB_PROCESSES = 2
STARTUP_SECONDS = 20.0  # imports, gunicorn's fork, the rq worker's first heartbeat
STOP_SECONDS = 10.0
# Settings the processes take from the test's environment only, never from the one pytest runs in.
LINE_VARIABLES = ("IVR_", "REDIS_", "TWILIO_", "PUBLIC_BASE_URL", "SUPPORT_NUMBER", "SECRET_KEY")


@dataclass
class Process:
    """One program of the deployment, its output (stdout and stderr) kept in a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def terminate(self) -> None:
        """Ask it to stop: gunicorn and the rq worker shut down gracefully on SIGTERM."""
        if self.popen.poll() is None:
            self.popen.terminate()

    def wait(self) -> None:
        """Wait until it stopped; kill it if it hangs."""
        try:
            self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=STOP_SECONDS)


@dataclass
class Deployment:
    """The line as deployed: web and worker processes, and the simulator playing Twilio."""

    sim: Simulator
    url: str
    api_token: str
    processes: list[Process] = field(default_factory=list)

    def call(self, customer: Customer) -> Call:
        """`customer` phones the support line."""
        return self.sim.call(customer.phone)

    def set_presence(self, rep: Rep, state: str) -> dict[str, Any]:
        """`rep` changes their presence through the web processes' JSON API."""
        answer = requests.post(
            f"{self.url}/api/reps/{rep.id}/presence",
            json={"presence": state},
            headers={"Authorization": f"Bearer {self.api_token}"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def floor(self) -> dict[str, str]:
        """Every rep's presence, as the JSON API shows the floor."""
        answer = requests.get(
            f"{self.url}/api/reps",
            headers={"Authorization": f"Bearer {self.api_token}"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return {rep["id"]: rep["presence"] for rep in answer.json()["reps"]}

    def logs(self) -> str:
        """What every process printed, for a failure's report."""
        return "\n".join(
            f"----- {process.name} (exit {process.popen.poll()}) -----\n{process.output()}"
            for process in self.processes
        )

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> Process:
        """Run `ivr ARGS` as its own process, as the Procfile does."""
        log = cwd / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", "ivr.cli", *args],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def wait_until_ready(self) -> None:
        """Until both web processes booted and /healthz sees Redis and a live worker (whose
        dispatcher starts before it registers); fails at once if a process exits."""
        deadline = time.monotonic() + STARTUP_SECONDS
        web = self.processes[0]
        while time.monotonic() < deadline:
            exited = [p.name for p in self.processes if p.popen.poll() is not None]
            assert not exited, f"{exited} exited while starting:\n{self.logs()}"
            if web.output().count("Booting worker with pid") >= WEB_PROCESSES and self._healthy():
                return
            time.sleep(0.1)
        raise AssertionError(f"the line was not up in {STARTUP_SECONDS:.0f} s:\n{self.logs()}")

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False


def process_environment(
    env: dict[str, str], app_url: str, api_base: str, runtime_dir: Path
) -> dict[str, str]:
    """The environment of the web and worker processes: the suite's line (its Redis, account
    and token), reached at `app_url`, with Twilio's REST API at `api_base` (the simulator), and
    their runtime files (gunicorn's control socket) under `runtime_dir`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(LINE_VARIABLES)}
    return {
        **inherited,
        **env,
        "PUBLIC_BASE_URL": app_url,
        "TWILIO_API_BASE": api_base,
        "PYTHONUNBUFFERED": "1",
        "XDG_RUNTIME_DIR": str(runtime_dir),  # gunicorn's control socket: ours, not the user's
    }


@contextmanager
def deployed(env: dict[str, str], tmp_path: Path) -> Iterator[Deployment]:
    """The line as the Procfile deploys it, with the simulator in front; on a failure inside,
    prints what the processes said; fails on anything Twilio would have flagged."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    config = LineConfig(
        account_sid=env["TWILIO_ACCOUNT_SID"],
        auth_token=env["TWILIO_AUTH_TOKEN"],
        number=env["SUPPORT_NUMBER"],
        voice_url=f"{app_url}/voice/incoming",
        status_callback_url=f"{app_url}/voice/status",
        idle_timeout_seconds=15,
    )
    with Simulator(config) as sim:
        line = Deployment(sim, app_url, env["IVR_API_TOKEN"])
        environment = process_environment(env, app_url, sim.url, tmp_path)
        try:
            serve = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WEB_PROCESSES)]
            line.start("web", [*serve, "--access-log"], environment, tmp_path)
            line.start("worker", ["worker"], environment, tmp_path)
            line.wait_until_ready()
            yield line
            # Calls end while the web processes still answer their last callbacks.
            sim.switch.hang_up_all()
            for call in list(sim.switch.calls.values()):
                call.wait()
            sim.switch.settle()
        except BaseException:
            print(line.logs(), flush=True)  # shown with the failure
            raise
        finally:
            for process in line.processes:  # all at once: each takes a moment to shut down
                process.terminate()
            for process in line.processes:
                process.wait()
        assert sim.errors == [], "Twilio would have flagged: " + "; ".join(sim.errors)


def waiting(line: Deployment, customer: Customer) -> Call:
    """`customer` calls, asks for a person, and is put on hold in the support line."""
    call = line.call(customer)
    call.press("0")
    call.expect_enqueue("support")
    return call


def never_rung(call: Call) -> bool:
    """True when nothing in the call's transcript rang a rep."""
    return not any(event.kind in ("dial", "bridged") for event in call.transcript)


def whisper_heard_by(line: Deployment, rep: Rep) -> list[str]:
    """What `rep` heard on the (only) call that rang them, before being connected."""
    (leg,) = line.sim.switch.legs_to(rep.endpoint)
    return leg.heard()


def test_a_freed_rep_gets_the_gold_caller_first_from_the_worker_process(
    env: dict[str, str], services: Services, tmp_path: Path
) -> None:
    services.customers.save_all([ADA, BOB])
    services.reps.save_all([SAM, KIM])
    with deployed(env, tmp_path) as line:
        for rep in (SAM, KIM):
            line.sim.add_person(rep.endpoint, name=rep.id, presses="1")  # takes the call
            assert line.set_presence(rep, "busy")["previous"] == "offline"

        bob = waiting(line, BOB)
        bob.expect_say("You are number 1 in line.")
        ada = waiting(line, ADA)  # calls later, but gold: placed ahead of Bob
        ada.expect_say("You are number 1 in line.")

        # Sam is free: only the worker process can ring him for a waiting caller.
        assert line.set_presence(SAM, "available")["previous"] == "busy"
        ada.expect("redirect", f"{line.url}/voice/connect")  # moved by the REST API
        ada.expect_dial("sam")
        ada.expect_bridged("sam")
        assert whisper_heard_by(line, SAM)[:2] == [
            "Ada Lovelace is calling.",
            "Gold customer, for support.",
        ]
        assert never_rung(bob)
        assert line.floor() == {"sam": "busy", "kim": "busy"}

        # Kim is free next: Bob, still waiting, is hers.
        assert line.set_presence(KIM, "available")["previous"] == "busy"
        bob.expect("redirect", f"{line.url}/voice/connect")
        bob.expect_bridged("kim")
        assert whisper_heard_by(line, KIM)[:2] == [
            "Bob Stone is calling.",
            "Standard customer, for support.",
        ]

        for rep, caller in ((SAM, ada), (KIM, bob)):
            line.sim.switch.legs_to(rep.endpoint)[0].hang_up()
            caller.expect("hangup")  # the line says goodbye once the rep has hung up
            caller.expect_ended()
        assert line.floor() == {"sam": "wrap-up", "kim": "wrap-up"}

    ada_record, bob_record = services.calls.get(ada.sid), services.calls.get(bob.sid)
    assert ada_record is not None and bob_record is not None
    assert (ada_record.tier, ada_record.position_on_entry) == ("gold", 1)
    assert (ada_record.offered_to, ada_record.answered_by, ada_record.outcome) == (
        ["sam"],
        "sam",
        "answered",
    )
    assert (bob_record.tier, bob_record.offered_to, bob_record.answered_by) == (
        "standard",
        ["kim"],
        "kim",
    )
