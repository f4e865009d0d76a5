"""`ivr worker` started before its Redis (a machine rebooting, a deploy racing Redis) waits for
it and then works, as it rides out an outage once working, rather than exit and leave due
callbacks to nobody. A real worker process and a real redis-server of the test's own."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rq import Worker

from ivr.embedded_redis import RedisServer
from tests.test_callback_faults import line_environment
from tests.test_routing_processes import process_environment

WAIT_SECONDS = 20.0  # imports, then the rq worker's first heartbeat


def test_a_worker_started_before_redis_waits_for_it_then_works(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")  # not started yet
    env = process_environment(
        line_environment(redis, tmp_path), "http://127.0.0.1:9", "http://127.0.0.1:9", tmp_path
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "ivr.cli", "worker"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while "waiting for Redis" not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
        assert "waiting for Redis" in log.read_text()
        redis.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while not Worker.all(connection=redis.client()) and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
        assert len(Worker.all(connection=redis.client())) == 1, log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        redis.stop()
