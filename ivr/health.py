"""Health for load balancers and operators: is Redis reachable, is a worker alive."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, jsonify
from redis import RedisError
from rq import Worker
from rq.defaults import DEFAULT_WORKER_TTL

from ivr.services_access import services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# rq renews a worker's heartbeat well within its TTL; one older than this is a dead worker.
HEARTBEAT_FRESH = timedelta(seconds=DEFAULT_WORKER_TTL + 60)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when Redis answers and a worker's heartbeat is fresh; 503 saying which is missing.

    Internals (hosts, paths, error text) go to the log, never to whoever asks.
    """
    try:
        # The app's own client: it has timeouts, so a hung Redis cannot hang the health check.
        services().redis.ping()
        workers = Worker.all(connection=services().redis)
    except RedisError as exc:
        log.error("health check: Redis unavailable: %s", exc)
        return jsonify(redis="down", workers=None), 503
    now = datetime.now(UTC)
    alive = sum(
        1 for w in workers if w.last_heartbeat and now - _aware(w.last_heartbeat) < HEARTBEAT_FRESH
    )
    return jsonify(redis="ok", workers=alive), (200 if alive else 503)


def _aware(moment: datetime) -> datetime:
    # rq stores its heartbeats in UTC, without saying so on older versions.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
