"""The callback sweeper's schedule: rq's cron enqueues the sweep job every few seconds, so a
callback whose job was lost from rq, or whose attempt died with a worker, is taken up again.

Each worker process drives the schedule from a background thread (rq's own cron loop wants the
main thread, where the worker runs). Several workers sweeping is harmless: every step a sweep
takes is an atomic transition of the callback book.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from redis.exceptions import RedisError
from rq.cron import CronScheduler

from ivr import jobs
from ivr.services import JOB_QUEUE
from ivr.services_access import EXTENSION

log = logging.getLogger(__name__)
SWEEP_SECONDS = 5
TICK_SECONDS = 1.0


class Sweeping:
    """Enqueues the sweep job every `SWEEP_SECONDS` until stopped."""

    def __init__(self, app: Flask, interval_seconds: int = SWEEP_SECONDS) -> None:
        self._cron = CronScheduler(connection=app.extensions[EXTENSION].jobs.connection)
        self._cron.register(jobs.sweep, queue_name=JOB_QUEUE, interval=interval_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._cron.enqueue_jobs()
            except RedisError as exc:
                log.error("sweeper cannot reach Redis: %s", exc)
            self._stop.wait(TICK_SECONDS)

    def stop(self) -> None:
        """Stop after the current tick, and wait for it."""
        self._stop.set()
        self._thread.join()
