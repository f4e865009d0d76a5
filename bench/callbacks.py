"""Callbacks due at once: how fast `ivr worker` rings reps for them, and how long each waits.

Run by hand: `.venv/bin/python -m bench.callbacks` (`--callbacks 1000` for a quick look,
`--help` for the knobs). Each round lasts as long as the workers take to ring everyone: about
five minutes in all at the 70-90 dispatches/s of a shared 2-CPU machine, two at the goal.
Starts its own redis-server in a temp dir (as the embedded one: unix socket, AOF on), never the
Redis at 127.0.0.1:6379, and runs the line as the Procfile does: `ivr serve --workers 2`
(gunicorn) and `ivr worker` (rq SimpleWorker, dispatcher thread, sweeper) as real processes,
with the project's Twilio simulator in this process: its REST stand-in takes the workers'
calls and its legs call the web app's webhooks over HTTP, signed. One round with ONE worker
process, one with TWO, each from an empty Redis and a new simulator:

- N callbacks (10,000; distinct phones, the support line) are written with
  `CallbackBook.request`, all due at the same whole second a few seconds ahead, and each is
  handed to `ivr.jobs.schedule_callback` as the web app does: the one `ivr.jobs.ring_due` job
  of that second waits in rq's scheduled registry until the workers' rq scheduler releases it
  (the path of messages left overnight that all fall due when the line opens). It takes a
  batch of 200 and, the batch being full, first queues another `ring_due` for the next batch,
  which any free worker takes. The sweeper runs as deployed: every 5 s a sweep job takes a
  batch too.
- N reps, all available, one per callback, each of whom answers, hears the whisper (one
  webhook to the web app) and then holds, never pressing: a rep rung stays on that call for the
  round. So a free rep is there whenever a callback joins the line (`place` offers one at once
  and `start_attempt` rings them), and nobody is rung twice: rep supply is never what is measured.
  Reps who do not answer would come back quickly but measure something else: their no-answer
  report makes the WEB process pass the callback on (`passed_on` -> `join_line` ->
  `start_attempt`), so dispatches would come from gunicorn, once for every rep tried, and each rep
  tried would be out of rotation (missed). Reps who talk and wrap up would add their own cycle
  to the figure: four webhooks a callback (whisper, answer, the customer's result, the end
  report), and a rep is free again only when a dispatcher turn ends their wrap-up (at most 100
  a turn, a turn every 0.5 s when nothing wakes it), to be rung by the dispatcher, not the job.

A dispatch is the first REST call of an attempt, the `calls.create` ringing the rep: read from
the simulator as its outbound-api legs to reps and their `started` times (each leg names its
callback in its status callback URL). Printed per round:

1. dispatches per second over the middle 90% of dispatches (and from first to last), and per
   worker process. Goal: at least 200 per worker. Also the workers' CPU per dispatch, and the
   dispatches a worker would make in a second of CPU of its own: what it could do on a core
   not shared with the simulator and the web app.
2. the delay from each callback's due time (as the callback book keeps it) to its first
   dispatch: median and p99. Goal: p99 under 5 s. With N due at once it cannot be less than
   about 0.99 N / (dispatches per second).
3. where the time went, per dispatch: CPU of each process (the worker processes with their rq
   scheduler, gunicorn, this process = the simulator, redis-server, and everything else on the
   machine: it may be shared) and how busy the machine was; Redis's script runs, commands and
   their time (command statistics), and the commands sent most; the stand-in's own time to
   answer a `calls.create`; the workers' wall time, split by rq's job records into
   `ring_due` jobs, sweep jobs (both take batches of due callbacks), and rq between jobs.

Then one dispatch taken apart (`--probes` of them): `callback_calls.join_line` of one
callback, run in this process on the last round's line once its burst is over, with the
app's own callback book, router, rep repository and REST client wrapped in timers.

The stand-in is Werkzeug's threaded server (HTTP/1.1, connections kept open), in this process
with every simulated leg: on a 2-CPU machine its one interpreter is what a round runs out of
first. `--rest-latency-ms` makes the stand-in wait that long before it answers each
`calls.create`, as a distant Twilio would: a job rings up to 32 reps side by side.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask, Response, g, request
from redis import Redis
from rq.job import Job

from bench.routing import median_p99, redis_server
from crm.models import Presence, Rep
from ivr import callback_calls, create_app, jobs
from ivr.embedded_redis import RedisServer
from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.settings import Settings
from simulator.server import Simulator
from simulator.switch import LineConfig
from voicemail.book import Request
from voicemail.models import Message

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789"
SECRET_KEY = "bench-secret-key-0123456789"
API_TOKEN = "bench-api-token-0123456789"
SUPPORT_NUMBER = "+14155550000"
WEB_PROCESSES = 2
REP_PREFIX = "rep-"
# A rep holding in the whisper waits this long for a key: longer than any round.
HOLD_SECONDS = 3600.0
STARTUP_SECONDS = 30.0
HANG_UP_BATCH = 200
STOP_SECONDS = 15.0
# Callbacks fall due on a whole second (rq schedules by the whole second: a job due at
# 12:00:00.7 would be released at 12:00:00) this long after they are all written and scheduled,
# which is allowed this many times as long as making as many reps available took.
DUE_MARGIN_SECONDS = 2.0
WRITE_ALLOWANCE = 1.5
POLL_SECONDS = 0.5
# A round gives up when no callback was rung for this long.
STALL_SECONDS = 30.0
# Time for the job that rang the last callback to end and be recorded by rq. (Jobs still
# queued then, whose callbacks a sweep rang, would find nothing to do: not waited for.)
SETTLE_SECONDS = 1.0
GOAL_PER_WORKER = 200.0
GOAL_P99_SECONDS = 5.0
TOP_COMMANDS = 6
# Settings the processes take from the benchmark only, never from the shell it runs in.
LINE_VARIABLES = ("IVR_", "REDIS_", "TWILIO_", "PUBLIC_BASE_URL", "SUPPORT_NUMBER", "SECRET_KEY")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
P = ParamSpec("P")
R = TypeVar("R")


# ----- the line: the simulator here, web and worker processes -----


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(server: RedisServer, data_dir: Path, app_url: str, sim_url: str) -> Settings:
    """The line's settings: this Redis, the simulator as Twilio, the app at `app_url`."""
    return Settings.load(
        _env_file=None,
        redis_url=server.url,
        ivr_data_dir=data_dir,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base=sim_url,
        public_base_url=app_url,
        support_number=SUPPORT_NUMBER,
        secret_key=SECRET_KEY,
        ivr_api_token=API_TOKEN,
    )


def environment(settings: Settings, runtime_dir: Path) -> dict[str, str]:
    """The environment of the web and worker processes: `settings`, and nothing of the line
    from the shell the benchmark runs in."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(LINE_VARIABLES)}
    return {
        **inherited,
        "REDIS_URL": str(settings.redis_url),
        "IVR_DATA_DIR": str(settings.ivr_data_dir),
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_API_BASE": str(settings.twilio_api_base),
        "PUBLIC_BASE_URL": str(settings.public_base_url),
        "SUPPORT_NUMBER": settings.support_number,
        "SECRET_KEY": settings.secret_key,
        "IVR_API_TOKEN": API_TOKEN,
        "PYTHONUNBUFFERED": "1",
        "XDG_RUNTIME_DIR": str(runtime_dir),  # gunicorn's control socket: ours, not the user's
    }


@dataclass
class Process:
    """One `ivr` process, its output kept in a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM (gunicorn and the rq worker shut down gracefully), then wait; kill if hung."""
        if self.popen.poll() is None:
            self.popen.terminate()
        try:
            self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=STOP_SECONDS)

    def tail(self, lines: int = 30) -> str:
        """The end of what it printed, for an error message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start(name: str, args: list[str], env: dict[str, str], cwd: Path) -> Process:
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
    return Process(name, popen, log)


def wait_until_up(app_url: str, processes: list[Process], workers: int) -> None:
    """Until gunicorn answers /healthz and it sees `workers` live workers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited while starting:\n{process.tail()}")
        try:
            answer = requests.get(f"{app_url}/healthz", timeout=1)
            if answer.status_code == 200 and answer.json().get("workers") == workers:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes)
    raise RuntimeError(f"the line was not up in {STARTUP_SECONDS:.0f} s:\n{logs}")


def time_rest(sim: Simulator, latency_ms: float) -> list[float]:
    """Note how long the stand-in itself takes to answer each `calls.create` (seconds, into
    the list returned), after waiting `latency_ms` first as a distant Twilio would."""
    served: list[float] = []

    def creating() -> bool:
        return request.method == "POST" and request.path.endswith("/Calls.json")

    def before() -> None:
        if creating():
            if latency_ms > 0:
                time.sleep(latency_ms / 1000)
            g.bench_started = time.perf_counter()

    def after(response: Response) -> Response:
        if creating() and "bench_started" in g:
            served.append(time.perf_counter() - g.bench_started)
        return response

    sim.app.before_request(before)
    sim.app.after_request(after)
    return served


@dataclass
class Line:
    """One round's line: the simulator, the app's services in this process, its processes."""

    sim: Simulator
    app: Flask
    services: Services
    web: Process
    workers: list[Process]
    rest_served: list[float]  # the stand-in's own seconds per calls.create


def hang_up_quietly(sim: Simulator) -> None:
    """End every live leg, a batch at a time, without its end report: with thousands of legs
    hung up at once, each reporting to an app that is gone, the simulator's threads fight over
    the GIL for minutes."""
    legs = list(sim.switch.active_calls())
    for start_at in range(0, len(legs), HANG_UP_BATCH):
        batch = legs[start_at : start_at + HANG_UP_BATCH]
        for leg in batch:
            leg.status_callback = None
            leg.hang_up()
        for leg in batch:
            leg.wait()


@contextmanager
def running_line(
    server: RedisServer, directory: Path, workers: int, rest_latency_ms: float
) -> Iterator[Line]:
    """The line with `workers` worker processes, up and idle.

    Stops the workers first, the web app next, then the reps' calls, unreported: no callback is
    passed on while the line shuts down.
    """
    directory.mkdir(parents=True)
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    config = LineConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        number=SUPPORT_NUMBER,
        voice_url=f"{app_url}/voice/incoming",
        status_callback_url=f"{app_url}/voice/status",
        idle_timeout_seconds=HOLD_SECONDS,
    )
    sim = Simulator(config)
    served = time_rest(sim, rest_latency_ms)
    with sim:
        settings = settings_for(server, directory / "var", app_url, sim.url)
        app = create_app(settings)
        env = environment(settings, directory)
        serve = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WEB_PROCESSES)]
        web = start("web", serve, env, directory)
        started = [start(f"worker-{n + 1}", ["worker"], env, directory) for n in range(workers)]
        try:
            wait_until_up(app_url, [web, *started], workers)
            yield Line(sim, app, app.extensions[EXTENSION], web, started, served)
        finally:
            for process in started:
                process.popen.terminate()
            for process in started:
                process.stop()
            web.stop()
            hang_up_quietly(sim)


# ----- seeding -----


def add_reps(line: Line, first: int, count: int) -> None:
    """`count` reps of the support line, available, each at a phone that answers, hears the
    whisper and holds. The wakes their presence pushes are dropped: nobody waits, so a
    dispatcher would only find that out, one rep at a time."""
    services = line.services
    reps = [
        Rep(
            id=f"{REP_PREFIX}{i:05d}",
            name=f"Rep {i}",
            endpoint=f"client:{REP_PREFIX}{i:05d}",
            password_hash="x",
        )
        for i in range(first, first + count)
    ]
    services.reps.save_all(reps)
    for rep in reps:
        services.presence.set(rep.id, Presence.AVAILABLE)
        line.sim.add_person(rep.endpoint, name=rep.id, presses=None)
    services.redis.delete(services.keys.router_wake)


def request_callbacks(
    services: Services, first: int, count: int, due: datetime, schedule: bool
) -> list[str]:
    """`count` callbacks from distinct phones, due at `due`; with `schedule`, each handed to
    `schedule_callback` as the web app does when it takes a message."""
    now = datetime.now(UTC)
    ids = []
    for i in range(first, first + count):
        requested = services.callbacks.request(
            Request(
                origin=f"RE{i:032x}",
                phone=f"+1555{i:07d}",
                due=due,
                promised_by=due + timedelta(hours=2),
                message=Message(at=now, call_sid=f"CA{i:032x}", seconds=12),
            ),
            max_attempts=services.flow.promises.attempts,
        )
        ids.append(requested.callback_id)
        if schedule:
            jobs.schedule_callback(services, due)
    return ids


# ----- reading a round -----


@dataclass
class Rings:
    """Each callback's first dispatch (epoch seconds): the earliest REST-created leg to a rep
    whose status callback names the callback. Read incrementally: legs are kept in the order
    they were created, so each look reads only the legs new since the last."""

    sim: Simulator
    first: dict[str, float] = field(default_factory=dict)
    seen: int = 0

    def look(self) -> int:
        """Read the new legs; how many callbacks were rung so far."""
        with self.sim.switch.lock:
            legs = list(itertools.islice(self.sim.switch.calls.values(), self.seen, None))
        self.seen += len(legs)
        for leg in legs:
            if leg.direction != "outbound-api" or not leg.to.startswith(f"client:{REP_PREFIX}"):
                continue
            query = parse_qs(urlsplit(leg.status_callback or "").query)
            callback = query.get("callback", [""])[0]
            started = leg.started.timestamp()
            if callback and started < self.first.get(callback, math.inf):
                self.first[callback] = started
        return len(self.first)


def process_table() -> dict[int, tuple[int, float]]:
    """Every live process: pid -> (parent pid, CPU seconds, user and system), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return table


def tree_cpu(table: dict[int, tuple[int, float]], root: int) -> float:
    """CPU seconds of `root` and every live process under it (the rq scheduler, gunicorn's
    workers)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1]
            todo.extend(child for child, (parent, _) in table.items() if parent == pid)
    return total


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


@dataclass
class CpuSample:
    """CPU seconds of each part of the line at one moment, and the machine's jiffies."""

    parts: dict[str, float]
    machine: tuple[int, int]

    @classmethod
    def take(cls, line: Line, redis_pid: int) -> CpuSample:
        """Sample now."""
        table = process_table()
        parts = {
            "worker": sum(tree_cpu(table, w.popen.pid) for w in line.workers),
            "web": tree_cpu(table, line.web.popen.pid),
            "simulator": table[os.getpid()][1],  # this process: the simulator, and this loop
            "redis": table[redis_pid][1],
        }
        return cls(parts, machine_jiffies())


def epoch(moment: datetime) -> float:
    """A time rq stored (UTC, with or without saying so) as epoch seconds."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def stored_dues(services: Services, callback_ids: list[str]) -> dict[str, float]:
    """Each callback's due time as the callback book keeps it (epoch seconds)."""
    with services.redis.pipeline(transaction=False) as pipe:
        for callback_id in callback_ids:
            pipe.hget(services.keys.callback(callback_id), "due")
        return {c: float(d) for c, d in zip(callback_ids, pipe.execute(), strict=True) if d}


@dataclass
class JobFigures:
    """What rq's finished jobs tell of the round, seconds clipped to the dispatching window."""

    batches: int = 0  # ring_due jobs: a batch of due callbacks each
    batch_seconds: float = 0.0
    sweeps: int = 0
    sweep_seconds: float = 0.0

    @property
    def inside(self) -> float:
        """Worker seconds inside jobs."""
        return self.batch_seconds + self.sweep_seconds


def job_figures(services: Services, window: tuple[float, float]) -> JobFigures:
    """Read the round's finished jobs: how many of each kind ran, and for how long."""
    queue = services.jobs
    ids = queue.finished_job_registry.get_job_ids()
    spans: dict[str, list[tuple[float, float]]] = {"ivr.jobs.ring_due": [], "ivr.jobs.sweep": []}
    for chunk in range(0, len(ids), 1000):
        for job in Job.fetch_many(ids[chunk : chunk + 1000], connection=queue.connection):
            if job and job.started_at and job.ended_at and job.func_name in spans:
                spans[job.func_name].append((epoch(job.started_at), epoch(job.ended_at)))

    def clipped(span: tuple[float, float]) -> float:
        return max(0.0, min(span[1], window[1]) - max(span[0], window[0]))

    batches = [span for span in spans["ivr.jobs.ring_due"] if clipped(span) > 0]
    sweeps = [span for span in spans["ivr.jobs.sweep"] if clipped(span) > 0]
    return JobFigures(
        batches=len(batches),
        batch_seconds=sum(map(clipped, batches)),
        sweeps=len(sweeps),
        sweep_seconds=sum(map(clipped, sweeps)),
    )


@dataclass
class RedisFigures:
    """Redis's command statistics over the round."""

    scripts: int = 0
    script_usec: int = 0
    commands: int = 0
    usec: int = 0
    calls: dict[str, int] = field(default_factory=dict)


def redis_figures(redis: Redis) -> RedisFigures:
    """Read the command statistics (reset as the round began)."""
    figures = RedisFigures()
    for name, stat in redis.info("commandstats").items():
        command = name.removeprefix("cmdstat_")
        figures.calls[command] = stat["calls"]
        figures.commands += stat["calls"]
        figures.usec += stat["usec"]
        if command in ("evalsha", "eval", "fcall"):
            figures.scripts += stat["calls"]
            figures.script_usec += stat["usec"]
    return figures


@dataclass
class Round:
    """What one round measured."""

    workers: int
    callbacks: int
    due: float  # when they all fall due, epoch seconds
    rings: dict[str, float]  # callback -> its first dispatch, epoch seconds
    dues: dict[str, float] = field(default_factory=dict)  # callback -> due, as stored
    cpu: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0  # share of all CPUs, 0..1
    redis: RedisFigures = field(default_factory=RedisFigures)
    jobs: JobFigures = field(default_factory=JobFigures)
    rest_served: list[float] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds of the round's parts
    failed_jobs: int = 0
    sim_errors: list[str] = field(default_factory=list)  # what Twilio would have flagged

    @property
    def times(self) -> list[float]:
        """Dispatch times, in order."""
        return sorted(self.rings.values())

    def rate(self) -> float:
        """Dispatches per second over the middle 90% of them (the start and the tail out)."""
        times = self.times
        low, high = int(0.05 * len(times)), math.ceil(0.95 * len(times)) - 1
        if high <= low or times[high] <= times[low]:
            return self.rate_all()
        return (high - low) / (times[high] - times[low])

    def rate_all(self) -> float:
        """Dispatches per second from the first to the last."""
        times = self.times
        if len(times) < 2 or times[-1] <= times[0]:
            return math.nan
        return (len(times) - 1) / (times[-1] - times[0])

    def delays(self) -> list[float]:
        """Seconds from due to each callback's first dispatch."""
        return [at - self.dues.get(callback, self.due) for callback, at in self.rings.items()]


# ----- a round -----


def wait_for_rings(line: Line, count: int, due: float) -> dict[str, float]:
    """Watch the simulator until every callback was rung, or none was for a while."""
    rings = Rings(line.sim)
    rung, last_change = 0, max(time.time(), due)
    while rung < count:
        time.sleep(POLL_SECONDS)
        if (now_rung := rings.look()) != rung:
            rung, last_change = now_rung, time.time()
        if time.time() - last_change > STALL_SECONDS:
            print(f"  stalled: {rung:,} of {count:,} rung, none for {STALL_SECONDS:.0f} s")
            break
        for process in [line.web, *line.workers]:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
    return rings.first


def sleep_until(moment: float) -> None:
    """Sleep until epoch second `moment`."""
    while (left := moment - time.time()) > 0:
        time.sleep(min(left, 0.5))


def run_round(
    server: RedisServer,
    directory: Path,
    workers: int,
    count: int,
    rest_latency_ms: float,
    probes: int,
) -> tuple[Round, Steps | None]:
    """One round: `count` callbacks due at once, `workers` worker processes; then, with
    `probes`, one dispatch taken apart that many times on the same line."""
    redis = server.client()
    redis.flushall()
    redis_pid = int(redis.info("server")["process_id"])
    steps = None
    phases: dict[str, float] = {}
    began = time.monotonic()
    with running_line(server, directory, workers, rest_latency_ms) as line:
        phases["start"] = time.monotonic() - began
        began = time.monotonic()
        add_reps(line, 0, count)
        reps_seconds = time.monotonic() - began
        print(f"  {count:,} reps available in {reps_seconds:.1f} s", flush=True)
        # Writing a callback costs about what making a rep available did: two round trips.
        due = math.ceil(time.time() + DUE_MARGIN_SECONDS + WRITE_ALLOWANCE * reps_seconds)
        written = time.monotonic()
        ids = request_callbacks(line.services, 0, count, datetime.fromtimestamp(due, UTC), True)
        print(
            f"  {len(ids):,} callbacks written and scheduled in {time.monotonic() - written:.1f}"
            f" s, due {due - time.time():.1f} s later",
            flush=True,
        )
        if time.time() >= due:
            raise RuntimeError("writing the callbacks took past their due time")
        sleep_until(due - 0.3)
        phases["seed and wait for due"] = time.monotonic() - began
        began = time.monotonic()
        redis.config_resetstat()
        served_before = len(line.rest_served)
        before = CpuSample.take(line, redis_pid)
        rings = wait_for_rings(line, count, due)
        after = CpuSample.take(line, redis_pid)
        phases["ring"] = time.monotonic() - began
        figures = Round(workers=workers, callbacks=count, due=due, rings=rings, phases=phases)
        figures.redis = redis_figures(redis)
        figures.rest_served = line.rest_served[served_before:]
        figures.cpu = {part: after.parts[part] - before.parts[part] for part in after.parts}
        busy, total = (a - b for a, b in zip(after.machine, before.machine, strict=True))
        figures.machine_busy = busy / max(1, total)
        figures.cpu["others"] = busy / CLOCK_TICKS - sum(figures.cpu.values())
        figures.dues = stored_dues(line.services, ids)
        began = time.monotonic()
        if rings:
            time.sleep(SETTLE_SECONDS)  # the job that made the last ring ends, and is recorded
            times = figures.times
            figures.jobs = job_figures(line.services, (times[0], times[-1]))
        figures.failed_jobs = line.services.jobs.failed_job_registry.count
        figures.sim_errors = list(line.sim.errors)
        phases["read"] = time.monotonic() - began
        began = time.monotonic()
        if probes:
            steps = anatomy(line, probes, first=count)
            phases["take apart"] = time.monotonic() - began
        began = time.monotonic()
    phases["stop"] = time.monotonic() - began
    return figures, steps


# ----- one dispatch taken apart -----


@dataclass
class Steps:
    """Seconds spent in each timed step of `join_line`, one sample per run."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    current: dict[str, float] = field(default_factory=dict)
    served: list[float] = field(default_factory=list)  # the stand-in's own time

    def timed(self, name: str, call: Callable[P, R]) -> Callable[P, R]:
        """`call`, its time added to step `name` of the current run."""

        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.current[name] = self.current.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    def close(self, total: float) -> None:
        """End one run, which took `total` seconds in all."""
        self.current["total"] = total
        for name, seconds in self.current.items():
            self.samples.setdefault(name, []).append(seconds)
        self.current = {}


def anatomy(line: Line, probes: int, first: int) -> Steps:
    """`join_line` on `probes` new callbacks (phones and reps numbered from `first`, past the
    round's), in this process, each rung to a rep of their own, its steps timed by wrapping
    the app's own services: the code run is the job's."""
    services = line.services
    add_reps(line, first, probes)
    # Due in an hour: the sweeper leaves them be; join_line rings them all the same.
    ids = request_callbacks(
        services, first, probes, datetime.now(UTC) + timedelta(hours=1), schedule=False
    )
    steps = Steps()
    # The steps of join_line and start_attempt, in the order they run; what is not here is Python.
    timed: dict[str, tuple[object, str]] = {
        "callback book: get": (services.callbacks, "get"),
        "callback book: in-line (Lua)": (services.callbacks, "in_line"),
        "router: place (Lua)": (services.router, "place"),
        "callback book: start (Lua)": (services.callbacks, "start"),
        "rep record: get": (services.reps, "get"),
        "REST round trip: calls.create": (services.twilio.http_client, "request"),
        "callback book: leg (Lua)": (services.callbacks, "leg"),
    }
    for name, (owner, method) in timed.items():
        setattr(owner, method, steps.timed(name, getattr(owner, method)))
    served_before = len(line.rest_served)
    for callback_id in ids:
        start = time.perf_counter()
        callback_calls.join_line(line.app, callback_id)
        steps.close(time.perf_counter() - start)
    steps.served = line.rest_served[served_before:]
    return steps


# ----- printing -----


def print_round(figures: Round) -> None:
    """One round's figures."""
    n = len(figures.rings)
    print(f"  rang {n:,} of {figures.callbacks:,} callbacks", end="")
    if not n:
        print()
        return
    times = figures.times
    print(
        f": the first {times[0] - figures.due:.2f} s after due, the last"
        f" {times[-1] - figures.due:.1f} s after"
    )
    rate = figures.rate()
    print(
        f"  dispatches/s: {rate:.0f} (middle 90%), {figures.rate_all():.0f} (first to last);"
        f" {rate / figures.workers:.0f} per worker process"
    )
    median, p99 = median_p99(figures.delays())
    print(f"  delay due -> first REST call: median {median:.2f} s, p99 {p99:.2f} s")
    cpu = ", ".join(f"{part} {1000 * s / n:.2f}" for part, s in figures.cpu.items())
    print(
        f"  CPU ms per dispatch: {cpu}; the machine {100 * figures.machine_busy:.0f}% busy"
        f" ({os.cpu_count()} CPUs)"
    )
    r = figures.redis
    top = sorted(r.calls.items(), key=lambda item: -item[1])[:TOP_COMMANDS]
    print(
        f"  redis per dispatch: {r.scripts / n:.1f} script runs ({r.script_usec / n:.0f} us),"
        f" {r.commands / n:.1f} commands ({r.usec / n:.0f} us in all); most sent: "
        + ", ".join(f"{name} {calls / n:.1f}" for name, calls in top)
    )
    if figures.rest_served:
        median, p99 = median_p99(figures.rest_served)
        print(
            f"  the REST stand-in's own time per calls.create: median {1000 * median:.2f} ms,"
            f" p99 {1000 * p99:.2f} ms"
        )
    j = figures.jobs
    wall = figures.workers * (times[-1] - times[0])
    if wall > 0:
        split = {
            f"{j.batches:,} ring_due jobs": j.batch_seconds,
            f"{j.sweeps} sweeps": j.sweep_seconds,
            "rq between jobs": wall - j.inside,
        }
        shares = ", ".join(f"{name} {100 * s / wall:.0f}%" for name, s in split.items())
        print(f"  worker wall time ({wall:.1f} s): {shares}")
    print(
        f"  failed jobs: {figures.failed_jobs}; simulator errors: {len(figures.sim_errors)}"
        + (f" (first: {figures.sim_errors[0]})" if figures.sim_errors else "")
    )
    phases = ", ".join(f"{name} {seconds:.0f}" for name, seconds in figures.phases.items())
    print(f"  seconds spent: {phases}")


def print_summary(rounds: list[Round]) -> None:
    """The rounds side by side, against the goals."""
    print()
    print(
        f"{'workers':>8}{'rang':>10}{'per s':>8}{'per worker':>12}{'p50 s':>8}{'p99 s':>8}"
        f"{'worker CPU ms':>15}{'per CPU-s':>11}{'goals met':>12}"
    )
    for figures in rounds:
        if not figures.rings:
            continue
        median, p99 = median_p99(figures.delays())
        rate = figures.rate()
        cpu_ms = 1000 * figures.cpu["worker"] / len(figures.rings)
        met = [
            "rate" if rate / figures.workers >= GOAL_PER_WORKER else "",
            "p99" if p99 < GOAL_P99_SECONDS else "",
        ]
        print(
            f"{figures.workers:>8}{len(figures.rings):>10,}{rate:>8.0f}"
            f"{rate / figures.workers:>12.0f}{median:>8.2f}{p99:>8.2f}"
            f"{cpu_ms:>15.2f}{1000 / cpu_ms:>11.0f}"
            f"{', '.join(m for m in met if m) or 'neither':>12}"
        )
    print(
        f"goal: at least {GOAL_PER_WORKER:.0f} dispatches/s per worker; p99 delay under"
        f" {GOAL_P99_SECONDS:.0f} s. 'per CPU-s': dispatches per second of a worker's own CPU"
    )
    if rounds:
        n = rounds[0].callbacks
        print(
            f"with {n:,} due at once the p99 is at least ~0.99 x {n:,} / (dispatches/s):"
            f" under {GOAL_P99_SECONDS:.0f} s takes {0.99 * n / GOAL_P99_SECONDS:,.0f}/s"
        )


def print_anatomy(steps: Steps) -> None:
    """The timed steps of one dispatch."""
    totals = steps.samples.get("total", [])
    if not totals:
        return
    print()
    print(f"one dispatch taken apart: join_line in this process, {len(totals)} runs, ms")
    print(f"  {'step':<42}{'p50':>8}{'p99':>8}{'mean':>8}{'share':>8}")
    total_mean = sum(totals) / len(totals)

    def row(name: str, samples: list[float], runs: int) -> float:
        median, p99 = median_p99(samples)
        mean = sum(samples) / runs
        print(
            f"  {name:<42}{1000 * median:>8.2f}{1000 * p99:>8.2f}{1000 * mean:>8.2f}"
            f"{100 * mean / total_mean:>7.0f}%"
        )
        return mean

    accounted = 0.0
    for name, samples in steps.samples.items():
        if name != "total":
            accounted += row(name, samples, len(totals))
            if name.startswith("REST") and steps.served:
                row("  of which the stand-in's own handling", steps.served, len(steps.served))
    rest = total_mean - accounted
    print(
        f"  {'the rest (Python: models, links, twilio)':<42}{'':>16}{1000 * rest:>8.2f}"
        f"{100 * rest / total_mean:>7.0f}%"
    )
    row("join_line in all", totals, len(totals))


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callbacks", type=int, default=10_000, help="callbacks due at once")
    parser.add_argument("--workers", default="1,2", help="worker processes of each round")
    parser.add_argument("--probes", type=int, default=300, help="dispatches taken apart")
    parser.add_argument(
        "--rest-latency-ms", type=float, default=0.0, help="the stand-in's wait per calls.create"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    rounds: list[Round] = []
    steps: Steps | None = None
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp) / "redis") as server:
        for number, workers in enumerate(counts, 1):
            print(
                f"round {number}: {workers} worker process(es), {args.callbacks:,} callbacks"
                f" due at once, {args.callbacks:,} reps, REST latency added"
                f" {args.rest_latency_ms:.0f} ms",
                flush=True,
            )
            figures, taken_apart = run_round(
                server,
                Path(tmp) / f"round-{number}",
                workers,
                args.callbacks,
                args.rest_latency_ms,
                args.probes if number == len(counts) else 0,
            )
            print_round(figures)
            rounds.append(figures)
            steps = taken_apart or steps
    print_summary(rounds)
    if steps is not None:
        print_anatomy(steps)


if __name__ == "__main__":
    main()
