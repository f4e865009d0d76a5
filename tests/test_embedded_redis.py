"""With REDIS_URL unset, web and worker share one real Redis under the data dir, AOF on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ivr.embedded_redis import RedisServer

# A process that attaches to the data dir's Redis, writes, then waits for a line on stdin.
USER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import redis
    from ivr.embedded_redis import attach
    url = attach(Path(sys.argv[1]))
    redis.Redis.from_url(url).incr("visits")
    print(url, flush=True)
    sys.stdin.readline()
    """
)


def start_user(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", USER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def leave(process: subprocess.Popen[str]) -> None:
    process.communicate("\n", timeout=20)
    assert process.returncode == 0


def test_processes_share_one_server_and_the_last_one_stops_it(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "var")
    web, web_url = start_user(tmp_path / "var")
    worker, worker_url = start_user(tmp_path / "var")
    assert web_url == worker_url == server.url
    assert server.client().get("visits") == "2"
    assert server.client().config_get("appendonly") == {"appendonly": "yes"}

    leave(web)
    assert server.is_running(), "the worker still uses it"
    leave(worker)
    assert not server.is_running()


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first, _ = start_user(tmp_path / "var")
    leave(first)
    again, _ = start_user(tmp_path / "var")
    server = RedisServer(tmp_path / "var")
    assert server.client().get("visits") == "2"
    leave(again)
