"""Throughput and latency of /voice/incoming for a known caller with an open case.

Run by hand: `.venv/bin/python -m bench.webhook_throughput` (needs `wrk`). Serves the app (with
its Redis, and once more with its Redis gone) and two bare Flask baselines with `gunicorn -w 2`,
loads each with `wrk -t2 -c16` in interleaved rounds, and prints the median requests per second,
p99 latency and errors, and the app's throughput as a ratio of each baseline's. Requests cycle
through distinct CallSids, each signed as Twilio would.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from crm.cases import CaseRepository
from crm.customers import CustomerRepository
from crm.keys import Keys
from crm.models import Customer, Presence, Rep
from crm.reps import RepRepository
from ivr.embedded_redis import RedisServer
from queues.presence import PresenceBoard

TOKEN = "bench-auth-token-0123456789"
CALLER = "+14155550100"
# More distinct calls than one round makes, so every measured request is a new call.
DISTINCT_CALLS = 30000


def seed(server: RedisServer) -> None:
    """A known customer with an open case owned by an available rep."""
    redis, keys = server.client(), Keys()
    CustomerRepository(redis, keys).save_all(
        [Customer(phone=CALLER, name="Ada Lovelace", spend=Decimal(25000))]
    )
    reps = RepRepository(redis, keys)
    reps.save_all([Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")])
    PresenceBoard(redis, keys, reps, wrap_up_seconds=30).set("sam", Presence.AVAILABLE)
    CaseRepository(redis, keys).open(CALLER, "sam", "router drops the connection")


def wrk_script(base_url: str, path: Path) -> Path:
    """A wrk script cycling through signed requests for distinct calls, as Twilio sends them."""
    validator = RequestValidator(TOKEN)
    url = f"{base_url}/voice/incoming"
    rows = []
    for index in range(DISTINCT_CALLS):
        params = {
            "CallSid": f"CA{index:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER,
            "To": "+14155550000",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        body = "&".join(f"{k}={requests.utils.quote(v, safe='')}" for k, v in params.items())
        rows.append(f'{{"{body}", "{validator.compute_signature(url, params)}"}}')
    path.write_text(
        "local calls = {" + ",\n".join(rows) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #calls + 1\n"
        "  local headers = {['Content-Type'] = 'application/x-www-form-urlencoded',"
        " ['X-Twilio-Signature'] = calls[i][2]}\n"
        "  return wrk.format('POST', '/voice/incoming', headers, calls[i][1])\n"
        "end\n"
    )
    return path


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn -w 2 on `port`, waiting until it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", target],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            requests.post(f"http://127.0.0.1:{port}/voice/incoming", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{target} did not start")


def load(port: int, script: Path, seconds: int) -> dict[str, float]:
    """Run wrk and read requests/s, p99 latency (ms) and non-2xx answers."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return {"rps": rps, "p99_ms": p99, "errors": float(errors)}


def median(values: list[float]) -> float:
    """The middle value: one noisy round on a shared machine does not decide the figure."""
    return statistics.median(values)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="length of one round of load")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per view, interleaved")
    args = parser.parse_args()
    # "redis-down" is the app with its Redis gone: every webhook must still answer, and fast.
    targets = {
        "app": ("ivr:create_app()", 18080),
        "static": ("bench.baseline:static_app", 18081),
        "signed": ("bench.baseline:signed_app", 18082),
        "redis-down": ("ivr:create_app()", 18083),
    }
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis")
        server.start()
        seed(server)
        base_env = {
            **os.environ,
            "REDIS_URL": server.url,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SUPPORT_NUMBER": "+14155550000",
            "SECRET_KEY": "bench-secret-key-0123456789",
        }
        processes, scripts = [], {}
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        try:
            for name, (target, port) in targets.items():
                base = f"http://127.0.0.1:{port}"
                env = {**base_env, "PUBLIC_BASE_URL": base}
                if name == "redis-down":
                    env["REDIS_URL"] = f"unix://{tmp}/no-redis-here.sock"
                processes.append(serve(target, port, env))
                scripts[name] = wrk_script(base, Path(tmp) / f"{name}.lua")
                load(port, scripts[name], 2)  # warm up
            for _ in range(args.rounds):
                for name, (_, port) in targets.items():
                    server.client().flushall()  # forget the calls of earlier rounds
                    seed(server)
                    rounds[name].append(load(port, scripts[name], args.seconds))
        finally:
            for process in processes:
                process.terminate()
                process.wait()
            server.stop()
    results = {
        name: {key: median([r[key] for r in runs]) for key in runs[0]}
        for name, runs in rounds.items()
    }
    print(f"median of {args.rounds} interleaved rounds of {args.seconds} s, wrk -t2 -c16")
    print(f"{'view':<12}{'req/s':>10}{'p99 ms':>10}{'errors':>8}")
    for name, figures in results.items():
        print(
            f"{name:<12}{figures['rps']:>10.0f}{figures['p99_ms']:>10.2f}{figures['errors']:>8.0f}"
        )
    app = results["app"]["rps"]
    print(f"app / signed baseline: {app / results['signed']['rps']:.2f}")
    print(f"app / static baseline: {app / results['static']['rps']:.2f}")


if __name__ == "__main__":
    main()
