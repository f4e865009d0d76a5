"""Callbacks under faults, with the line deployed as in production: a redis-server of the
test's own (AOF on), `ivr serve --workers 2`, two `ivr worker` processes, and the simulator.

Why: every callback transition is one atomic Lua step, and every job, sweep and report is
meant to be safe to run twice, to lose, or to receive late. Unit tests check each step alone;
only real processes dying mid-step, a Redis that goes away and comes back, an rq queue emptied
behind the workers' backs, Twilio's REST API failing and its reports arriving twice, late and
out of order show whether the pieces together keep the promise: every callback ends done or
failed (with a reason); none is lost, at the end or for a while (one waiting to be dialled is
always in the line, being dialled, or due for the sweeper); no customer is ever dialled twice
at once nor more often than the flow's attempts allow; no rep is put through to two customers
at once; and Twilio never hears an error but a report refused (503) while Redis was down.

`FAULTS_SEED=<n>` replays a run's random choices (the seed is printed with the summary).
"""

from __future__ import annotations

import heapq
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from redis.exceptions import RedisError

from callflows import default_flow_path
from crm.models import Presence, Rep, utcnow
from ivr import jobs
from ivr.embedded_redis import RedisServer
from ivr.services import Services
from ivr.settings import Settings
from queues.presence import PresenceRefused
from simulator.people import Pickup
from simulator.server import Simulator
from simulator.switch import Call, LineConfig
from tests.conftest import free_port
from tests.signing import ACCOUNT_SID, AUTH_TOKEN, twilio_signature
from tests.test_routing_processes import Deployment, Process, process_environment
from voicemail.book import Request
from voicemail.models import Callback, CallbackState, Message

pytestmark = pytest.mark.faults

CALLBACKS = 500
REPS = 20
ATTEMPTS = 3
# Three tries, a second apart (0.02 minutes rounds to 1 s); a rep is free again at once.
PROMISES = f"""
promises: {{callback_minutes: 120, manager_callback_minutes: 30, attempts: {ATTEMPTS},
  retry_minutes: [0.02]}}
routing: {{wrap_up_seconds: 0}}
"""
SUPPORT_NUMBER = "+14155550000"
TALKS_FOR = 0.2  # seconds a customer talks once put through, then hangs up
# Customers who never pick up fail after every try; flaky ones are busy on the first only.
BUSY_EVERY, NO_ANSWER_EVERY, FLAKY_EVERY = 40, 45, 30
# Every fault falls in this window, which opens once the callbacks are enqueued.
FAULT_WINDOW_SECONDS = 8.0
WORKER_KILLS = 4
REST_OUTAGES = 3
REST_FAILURES_EACH = 25  # REST requests answered 500 in each outage
QUEUE_EMPTIES = 3  # besides the one right after enqueueing, when the queue is full
REDIS_DOWN_SECONDS = 1.0
# The reports replayed (the Dial's action and the rep call's status callback): again at once
# (a retry), again late (after newer reports of the same callback), or the original held back;
# the report of every call a customer did not answer is sent again late.
DUPLICATE_SHARE = 0.10
LATE_SHARE = 0.10
LATE_SECONDS = (1.0, 8.0)
HELD_SHARE = 0.10
HELD_SECONDS = (0.2, 2.0)
# An attempt no report settles is looked at once its lease (`ATTEMPT_LEASE_SECONDS`, 180 s)
# is over, at the next sweep: with every fault early, this bounds the wait for the last one.
SETTLE_SECONDS = 240.0
STARTUP_SECONDS = 60.0  # generous: CI machines are busy
WORKER_RESTART_SECONDS = 0.3  # how soon a supervisor (systemd, the platform) starts a new one
CUSTOMER_RESULT = "/voice/callback/customer-result"
REP_ENDED = "/voice/callback/rep-ended"
REPORTS = {CUSTOMER_RESULT: "customer-result", REP_ENDED: "rep-ended"}
CLOSED = ("done", "failed", "cancelled")
# How the app refuses a report it cannot store (Twilio retries it, and shows it in its debugger).
REFUSED = "answered 503: storage unavailable"
STORIES = 12  # callbacks whose story a failure prints
# Due further ahead than any back-off of the flow: marked in line, due only at the recheck.
MARKED_AHEAD = 5.0


def customer_phone(index: int) -> str:
    return f"+1415600{index:04d}"


def rep(index: int) -> Rep:
    return Rep(
        id=f"rep{index:02d}",
        name=f"Rep {index}",
        endpoint=f"client:rep{index:02d}",
        password_hash="x",
    )


def pickup_of(index: int) -> Pickup:
    """How customer `index` answers (at first)."""
    if index % BUSY_EVERY == 7 or is_flaky(index):
        return Pickup.BUSY
    if index % NO_ANSWER_EVERY == 11:
        return Pickup.NO_ANSWER
    return Pickup.ANSWER


def is_flaky(index: int) -> bool:
    """Busy on the first try only."""
    return index % FLAKY_EVERY == 13 and index % BUSY_EVERY != 7 and index % NO_ANSWER_EVERY != 11


@dataclass(order=True)
class Replay:
    """A report to send (again) at `at` (monotonic seconds)."""

    at: float
    order: int
    url: str = field(compare=False)
    params: dict[str, str] = field(compare=False)
    kind: str = field(compare=False)


class Chaos:
    """Twilio's reports as they may really arrive: some twice, some late (behind newer ones of
    the same callback), some held back; and a flaky customer picks up after one busy try."""

    def __init__(self, rng: random.Random, sim: Simulator) -> None:
        self._rng = rng
        self._sim = sim
        self._flaky: dict[str, str] = {}  # callback id -> phone, of a customer busy once
        self._lock = threading.Condition()
        self._due: list[Replay] = []
        self._order = itertools.count()
        self._stop = threading.Event()
        self.active = True
        self.counts: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self.sent: list[tuple[float, str, str]] = []  # (epoch, callback id, what was sent)
        self._thread = threading.Thread(target=self._send, name="replays", daemon=True)
        self._thread.start()

    def busy_once(self, callback_id: str, phone: str) -> None:
        """The customer of `callback_id` picks up from the second try on."""
        self._flaky[callback_id] = phone

    def _uniform(self, bounds: tuple[float, float]) -> float:
        with self._lock:
            return self._rng.uniform(*bounds)

    def tap(self, method: str, url: str, params: Mapping[str, str]) -> None:
        """Sees each webhook just before the simulator sends it (in the sending thread)."""
        parts = urlsplit(url)
        kind = REPORTS.get(parts.path)
        if kind is None:
            return
        callback_id = parse_qs(parts.query).get("callback", [""])[0]
        if kind == "customer-result" and params.get("DialCallStatus") != "completed":
            phone = self._flaky.pop(callback_id, None)
            if phone is not None:
                self._sim.switch.people[phone].pickup = Pickup.ANSWER
        if not self.active:
            return
        with self._lock:
            roll, held = self._rng.random(), self._rng.random()
        now = time.monotonic()
        if kind == "customer-result" and params.get("DialCallStatus") != "completed":
            # Twilio retries the action: by then the next try waits in line for a rep.
            self._schedule(now + self._uniform(LATE_SECONDS), url, params, kind)
            self.counts[f"{kind} (not answered) sent again late"] += 1
        elif roll < DUPLICATE_SHARE:
            self._schedule(now + self._uniform((0.0, 0.05)), url, params, kind)
            self.counts[f"{kind} sent twice"] += 1
        elif roll < DUPLICATE_SHARE + LATE_SHARE:
            self._schedule(now + self._uniform(LATE_SECONDS), url, params, kind)
            self.counts[f"{kind} sent again late"] += 1
        if kind == "rep-ended" and held < HELD_SHARE:
            self.counts[f"{kind} held back"] += 1
            time.sleep(self._uniform(HELD_SECONDS))

    def _schedule(self, at: float, url: str, params: Mapping[str, str], kind: str) -> None:
        with self._lock:
            heapq.heappush(self._due, Replay(at, next(self._order), url, dict(params), kind))
            self._lock.notify()

    def _next(self) -> Replay | None:
        with self._lock:
            while not self._stop.is_set():
                if self._due and self._due[0].at <= time.monotonic():
                    return heapq.heappop(self._due)
                wait = self._due[0].at - time.monotonic() if self._due else 0.2
                self._lock.wait(max(0.01, min(wait, 0.2)))
        return None

    def _send(self) -> None:
        session = requests.Session()
        while (replay := self._next()) is not None:
            signature = twilio_signature(replay.url, replay.params, AUTH_TOKEN)
            query = parse_qs(urlsplit(replay.url).query)
            what = f"replayed {replay.kind} of {query.get('attempt', [''])[0]}"
            try:
                answer = session.post(
                    replay.url,
                    data=replay.params,
                    headers={"X-Twilio-Signature": signature},
                    timeout=15,
                )
                self.answers[f"{replay.kind} {answer.status_code}"] += 1
                what += f" -> {answer.status_code}"
            except requests.RequestException:
                self.answers[f"{replay.kind} no answer"] += 1
            self.sent.append((time.time(), query.get("callback", [""])[0], what))

    def stop(self) -> None:
        """No more replays (those not yet due are dropped)."""
        self.active = False
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        self._thread.join()


class Fleet:
    """The worker processes, with a supervisor that starts a new worker for each one that
    dies, and a floor manager who makes reps who missed a ring available again."""

    def __init__(
        self, line: Deployment, environment: dict[str, str], cwd: Path, services: Services
    ) -> None:
        self.line = line
        self._environment = environment
        self._cwd = cwd
        self._services = services
        self._names = itertools.count(1)
        self._lock = threading.Lock()
        self.workers: list[Process] = []
        self.sessions: list[int] = []
        self.killed: set[int] = set()
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._supervise, name="supervisor", daemon=True),
            threading.Thread(target=self._manage_floor, name="floor", daemon=True),
        ]

    def start_worker(self) -> Process:
        """A new `ivr worker` in a session of its own: `kill -9` of the worker leaves rq's
        scheduler (its child) running, as it would; `end_sessions` ends what is left."""
        with self._lock:
            name = f"worker-{next(self._names)}"
            log = self._cwd / f"{name}.log"
            with log.open("wb") as out:
                popen = subprocess.Popen(
                    [sys.executable, "-m", "ivr.cli", "worker"],
                    cwd=self._cwd,
                    env=self._environment,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            process = Process(name, popen, log)
            self.line.processes.append(process)
            self.workers.append(process)
            self.sessions.append(popen.pid)
            return process

    def wait_until_ready(self) -> None:
        """Until both web processes booted and /healthz sees Redis and a live worker."""
        deadline = time.monotonic() + STARTUP_SECONDS
        web = self.line.processes[0]
        while time.monotonic() < deadline:
            exited = [p.name for p in self.line.processes if p.popen.poll() is not None]
            assert not exited, f"{exited} exited while starting:\n{self.line.logs()}"
            if web.output().count("Booting worker with pid") >= 2 and healthy(self.line.url):
                return
            time.sleep(0.1)
        raise AssertionError(f"not up in {STARTUP_SECONDS:.0f} s:\n{self.line.logs()}")

    def watch(self) -> None:
        """Start supervising the workers and managing the floor."""
        for thread in self._threads:
            thread.start()

    def kill_worker(self, rng: random.Random) -> None:
        """`kill -9` one live worker, whatever it is doing."""
        with self._lock:
            live = [p for p in self.workers if p.popen.poll() is None]
            if live:
                victim = rng.choice(live)
                self.killed.add(victim.popen.pid)
                os.kill(victim.popen.pid, signal.SIGKILL)
                self.counts["worker killed (-9)"] += 1

    def _supervise(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                dead = [p for p in self.workers if p.popen.poll() is not None]
                self.workers = [p for p in self.workers if p not in dead]
            for process in dead:
                if process.popen.pid not in self.killed:
                    self.counts[f"worker exited by itself ({process.popen.returncode})"] += 1
                time.sleep(WORKER_RESTART_SECONDS)
                self.start_worker()
                self.counts["worker started"] += 1

    def _manage_floor(self) -> None:
        presence = self._services.presence
        while not self._stop.wait(0.25):
            with suppress(RedisError):
                for rep_id, state in presence.states().items():
                    if state is Presence.MISSED:
                        with suppress(PresenceRefused):
                            presence.set(rep_id, Presence.AVAILABLE)
                            self.counts["rep made available after a missed ring"] += 1

    def stop(self) -> None:
        """No more restarts nor floor management (the processes run on)."""
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def end_sessions(self) -> None:
        """End what is left of the sessions of workers that died (rq's scheduler)."""
        for process in self.line.processes:
            if process.popen.pid in self.sessions and process.popen.poll() is not None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.popen.pid, signal.SIGKILL)


class LineWatch:
    """Checks, every second, that no callback is lost even for a while: one waiting to be
    dialled is in the line (it has a routing entry), or being dialled, or due for the sweeper.
    Marked in line (due only at the recheck) with no routing entry, in two looks a second
    apart, it is out of the line, and only the recheck would find it."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._stop = threading.Event()
        self.out: dict[str, str] = {}  # callback id -> when it was seen out of the line
        self._thread = threading.Thread(target=self._watch, name="line-watch", daemon=True)
        self._thread.start()

    def _look(self) -> set[str]:
        services = self._services
        now = time.time()
        marked = cast(
            list[str],
            services.redis.zrangebyscore(services.keys.callbacks_due, now + MARKED_AHEAD, "+inf"),
        )
        with services.redis.pipeline(transaction=False) as pipe:
            for callback_id in marked:
                pipe.hget(services.keys.callback(callback_id), "state")
                pipe.exists(services.keys.waiting(callback_id))
            found = pipe.execute()
        return {
            callback_id
            for callback_id, state, listed in zip(marked, found[::2], found[1::2], strict=True)
            if state in ("pending", "retry-wait") and not listed
        }

    def _watch(self) -> None:
        before: set[str] = set()
        while not self._stop.wait(1.0):
            try:
                seen = self._look()
            except RedisError:  # Redis is down for a moment: look again once it is back
                before = set()
                continue
            for callback_id in seen & before:
                self.out.setdefault(callback_id, time.strftime("%H:%M:%S"))
            before = seen

    def stop(self) -> dict[str, str]:
        """Stop watching; the callbacks seen out of the line, and when."""
        self._stop.set()
        self._thread.join()
        return self.out


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def line_environment(redis: RedisServer, tmp_path: Path) -> dict[str, str]:
    """The line's variables: the test's Redis, and a flow with quick retries."""
    flow = tmp_path / "flow.yaml"
    shipped = default_flow_path().read_text().splitlines(keepends=True)
    flow.write_text("".join(ln for ln in shipped if not ln.startswith("promises:")) + PROMISES)
    return {
        "REDIS_URL": redis.url,
        "IVR_DATA_DIR": str(tmp_path / "var"),
        "IVR_CALLFLOW": str(flow),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SUPPORT_NUMBER": SUPPORT_NUMBER,
        "SECRET_KEY": "test-secret-key-0123456789",
        "IVR_API_TOKEN": "test-api-token-0123456789",
    }


@dataclass
class Line:
    """The deployment, its workers, the test's own services, and what chaos does to reports."""

    deployment: Deployment
    fleet: Fleet
    services: Services
    chaos: Chaos

    @property
    def sim(self) -> Simulator:
        return self.deployment.sim


@contextmanager
def deployed(env: dict[str, str], tmp_path: Path, rng: random.Random) -> Iterator[Line]:
    """The web processes and two workers on `env`'s Redis, with the simulator in front; on a
    failure inside, prints the tail of what the processes said."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    config = LineConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        number=SUPPORT_NUMBER,
        voice_url=f"{app_url}/voice/incoming",
        status_callback_url=f"{app_url}/voice/status",
        idle_timeout_seconds=15,
    )
    with Simulator(config) as sim:
        deployment = Deployment(sim, app_url, env["IVR_API_TOKEN"])
        environment = process_environment(env, app_url, sim.url, tmp_path)
        settings = Settings.load(
            _env_file=None,
            **{name.lower(): value for name, value in env.items()},
            public_base_url=app_url,
            twilio_api_base=sim.url,
        )
        services = Services.build(settings)
        fleet = Fleet(deployment, environment, tmp_path, services)
        chaos = Chaos(rng, sim)
        try:
            serve = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
            deployment.start("web", serve, environment, tmp_path)
            fleet.start_worker()
            fleet.start_worker()
            fleet.wait_until_ready()
            fleet.watch()
            sim.switch.webhooks.tap = chaos.tap
            yield Line(deployment, fleet, services, chaos)
        except BaseException:
            print(deployment.logs()[-30000:], flush=True)
            raise
        finally:
            chaos.stop()
            fleet.stop()
            sim.switch.webhooks.tap = None
            sim.switch.hang_up_all()
            for leg in list(sim.switch.calls.values()):
                leg.wait()
            sim.switch.settle()
            for process in deployment.processes:
                process.terminate()
            for process in deployment.processes:
                process.wait()
            fleet.end_sessions()


def request_callbacks(services: Services, count: int, chaos: Chaos) -> list[str]:
    """`count` callbacks, as the web app writes them after a voicemail, each scheduled (a
    flaky customer's known to `chaos` before anyone can ring them)."""
    now = utcnow()
    ids = []
    for index in range(count):
        requested = services.callbacks.request(
            Request(
                origin=f"RE{index:032x}",
                phone=customer_phone(index),
                due=now,
                promised_by=now + timedelta(minutes=120),
                message=Message(at=now, call_sid=f"CA{index:032x}", seconds=12),
            ),
            max_attempts=ATTEMPTS,
        )
        assert requested.outcome == "created"
        ids.append(requested.callback_id)
        if is_flaky(index):
            chaos.busy_once(requested.callback_id, customer_phone(index))
        jobs.schedule_callback(services, now)
    return ids


def restart_redis(redis: RedisServer) -> None:
    """Stop the server (its AOF flushed), leave it down a moment, start it on the same socket."""
    redis.stop()
    time.sleep(REDIS_DOWN_SECONDS)
    redis.start()


def all_closed(services: Services, ids: list[str]) -> bool:
    try:
        with services.redis.pipeline(transaction=False) as pipe:
            for callback_id in ids:
                pipe.hget(services.keys.callback(callback_id), "state")
            states = pipe.execute()
    except RedisError:
        return False
    return all(state in CLOSED for state in states)


Events = dict[str, list[tuple[float, dict[str, str]]]]


def events_of(services: Services) -> Events:
    """The events stream (the book's and routing's), by callback, in order."""
    found: Events = defaultdict(list)
    events = cast(list[tuple[str, dict[str, str]]], services.redis.xrange(services.keys.events))
    for stamp, event in events:
        subject = event.get("callback") or event.get("call_sid", "")
        found[subject].append((int(stamp.split("-")[0]) / 1000, event))
    return found


def history(
    services: Services,
    events: Events,
    callback_ids: list[str],
    replays: list[tuple[float, str, str]],
) -> dict[str, list[str]]:
    """What became of each callback (in the book and in routing), with the reports replayed
    to it, and where it stands: when it is due, its routing entry."""
    now = time.time()
    stories = {}
    for callback_id in callback_ids:
        lines = [
            (at, " ".join(f"{k}={v}" for k, v in event.items() if k != "callback"))
            for at, event in events.get(callback_id, [])
        ]
        lines += [(at, what) for at, replayed, what in replays if replayed == callback_id]
        story = [f"{at - now:+.2f}s {what}" for at, what in sorted(lines)]
        due = services.redis.zscore(services.keys.callbacks_due, callback_id)
        story.append(f"due at {due - now:+.1f}s" if due else "not due")
        story.append(f"routing entry {services.router.entry(callback_id)}")
        stories[callback_id] = story
    return stories


@dataclass
class Window:
    """When a leg was up, and for which callback's attempt."""

    start: datetime
    end: datetime
    sid: str
    callback: str

    def __str__(self) -> str:
        return f"{self.sid} ({self.callback}, {self.start:%H:%M:%S.%f}-{self.end:%H:%M:%S.%f})"


def overlapping(windows: list[Window]) -> list[tuple[Window, Window]]:
    """Pairs of legs that were up at the same time."""
    ordered = sorted(windows, key=lambda w: w.start)
    return [(a, b) for a, b in itertools.pairwise(ordered) if b.start < a.end]


@dataclass
class Calls:
    """The simulator's legs, by who they rang."""

    dials: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))
    customers: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))
    reps: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))
    talks: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, legs: list[Call]) -> Calls:
        """Each leg by direction: a rep's call (REST) dials the customer (`dials`, for its
        whole life: a busy or unanswered customer has no leg), and a customer's leg answered
        is a talk with the rep whose call dialled it."""
        calls = cls()
        for leg in legs:
            end = leg.ended_at or datetime.max.replace(tzinfo=leg.started.tzinfo)
            rung = leg.parent if leg.direction == "outbound-dial" else leg
            report = urlsplit(rung.status_callback or "" if rung else "").query
            callback = parse_qs(report).get("callback", [""])[0]
            window = Window(leg.started, end, leg.sid, callback)
            if leg.direction == "outbound-api":
                calls.reps[leg.to].append(window)
                for event in leg.transcript:
                    if event.kind == "dial":
                        calls.dials[event.text].append(window)
            elif leg.direction == "outbound-dial":
                calls.customers[leg.to].append(window)
                if leg.parent is not None:
                    calls.talks[leg.parent.to].append(window)
        return calls


def brief(callback: Callback | None) -> str:
    if callback is None:
        return "lost"
    return f"{callback.state.value}, {callback.attempts} attempts, {callback.reason or 'no reason'}"


def verdict(
    callbacks: dict[str, Callback | None],
    calls: Calls,
    out_of_line: dict[str, str],
    flagged: list[str],
) -> tuple[list[str], set[str]]:
    """Every promise broken, and the callbacks involved."""
    problems = [f"Twilio would flag: {error[:300]}" for error in flagged if REFUSED not in error]
    suspects: set[str] = set(out_of_line)
    problems += [f"{i}: out of the line while it waited ({s})" for i, s in out_of_line.items()]
    if len(callbacks) != CALLBACKS:
        problems.append(f"{len(callbacks)} callbacks, not {CALLBACKS}")
    for callback_id, callback in callbacks.items():
        found: list[str] = []
        if callback is None:
            found.append("lost")
        elif callback.state not in (CallbackState.DONE, CallbackState.FAILED):
            found.append(f"not settled: {callback.state.value}")
        elif callback.state is CallbackState.FAILED and not callback.reason:
            found.append("failed without a reason")
        elif callback.state is CallbackState.DONE and not calls.customers[callback.phone]:
            found.append("done, but its customer never talked")
        if callback is not None:
            dialled = len(calls.dials[callback.phone])
            if not dialled <= callback.attempts <= ATTEMPTS:
                found.append(f"dialled {dialled} times, {callback.attempts} attempts spent")
            for a, b in overlapping(calls.dials[callback.phone]) + overlapping(
                calls.customers[callback.phone]
            ):
                found.append(f"customer dialled twice at once: {a} and {b}")
        if found:
            problems.extend(f"{callback_id}: {problem}" for problem in found)
            suspects.add(callback_id)
    # With no wrap-up a rep may be rung while their last call says goodbye, but a rep must
    # never be put through to two customers at once.
    for rep_endpoint, windows in calls.talks.items():
        for a, b in overlapping(windows):
            problems.append(f"{rep_endpoint} put through to two customers at once: {a} and {b}")
            suspects.update((a.callback, b.callback))
    return problems, suspects


def test_callbacks_keep_their_promises_through_faults(tmp_path: Path) -> None:
    """500 callbacks through worker kills, a Redis restart, emptied queues, REST 500s and
    reports twice, late and held back: every promise kept (see the module's docstring)."""
    seed = int(os.environ.get("FAULTS_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    began = time.monotonic()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    faults: Counter[str] = Counter()
    try:
        with deployed(line_environment(redis, tmp_path), tmp_path, rng) as line:
            reps = [rep(i) for i in range(REPS)]
            line.services.reps.save_all(reps)
            for person in reps:
                line.sim.add_person(person.endpoint, name=person.id, talks_for=TALKS_FOR)
                line.deployment.set_presence(person, "available")
            for index in range(CALLBACKS):
                line.sim.add_person(
                    customer_phone(index),
                    name=f"customer{index}",
                    pickup=pickup_of(index),
                    talks_for=TALKS_FOR,
                )
            ids = request_callbacks(line.services, CALLBACKS, line.chaos)
            # Jobs still queued, gone behind the workers' backs: the sweeper must find them.
            faults[f"rq queue emptied ({line.services.jobs.empty()} jobs)"] += 1
            started = time.monotonic()
            watch = LineWatch(line.services)

            plan = ["kill"] * WORKER_KILLS + ["rest"] * REST_OUTAGES + ["empty"] * QUEUE_EMPTIES
            plan.append("redis")
            rng.shuffle(plan)
            moments = sorted(rng.uniform(0.5, FAULT_WINDOW_SECONDS) for _ in plan)
            for moment, fault in zip(moments, plan, strict=True):
                time.sleep(max(0.0, started + moment - time.monotonic()))
                if fault == "kill":
                    line.fleet.kill_worker(rng)
                elif fault == "rest":
                    line.sim.switch.fail_rest(REST_FAILURES_EACH)
                    faults[f"REST answered 500 x{REST_FAILURES_EACH}"] += 1
                elif fault == "empty":
                    with suppress(RedisError):
                        faults[f"rq queue emptied ({line.services.jobs.empty()} jobs)"] += 1
                else:
                    restart_redis(redis)
                    faults[f"redis-server down {REDIS_DOWN_SECONDS:.0f} s and back"] += 1

            deadline = started + SETTLE_SECONDS
            while not all_closed(line.services, ids) and time.monotonic() < deadline:
                time.sleep(0.5)
            settled = time.monotonic() - started
            line.chaos.stop()
            line.fleet.stop()
            callbacks = {i: line.services.callbacks.get(i) for i in ids}
            calls = Calls.of(list(line.sim.switch.calls.values()))
            events = events_of(line.services)
            flagged = list(line.sim.errors)
            problems, suspects = verdict(callbacks, calls, watch.stop(), flagged)
            stories = history(line.services, events, sorted(suspects)[:STORIES], line.chaos.sent)
            faults.update(line.fleet.counts)
            faults.update(line.chaos.counts)
            replies = dict(sorted(line.chaos.answers.items()))
    finally:
        redis.stop()

    states = Counter(c.state.value if c else "lost" for c in callbacks.values())
    reasons = Counter(c.reason for c in callbacks.values() if c and c.reason)
    print(
        f"\nfault suite (FAULTS_SEED={seed}): {CALLBACKS} callbacks, {REPS} reps;"
        f" settled {settled:.0f} s after the faults began, {time.monotonic() - began:.0f} s in all",
        f"\n  faults: {dict(sorted(faults.items()))}",
        f"\n  replayed reports answered: {replies}",
        f"\n  callbacks: {dict(states)}, failed for: {dict(reasons)};"
        f" reps rung {sum(map(len, calls.reps.values()))} times,"
        f" customers dialled {sum(map(len, calls.dials.values()))} times",
        f"\n  the simulator flagged {len(flagged)} webhooks, of them"
        f" {sum(REFUSED in error for error in flagged)} reports refused while Redis was down",
        *(
            f"\n  {i} ({brief(callbacks.get(i))}):\n    " + "\n    ".join(s)
            for i, s in stories.items()
        ),
    )

    assert not problems, f"{len(problems)} promises broken:\n" + "\n".join(problems[:40])
