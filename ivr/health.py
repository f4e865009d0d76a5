"""Health for load balancers and operators: is Redis reachable, is a worker alive."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis import RedisError
from rq import Worker

from ivr.services_access import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when Redis answers (with how many workers are alive), 503 when it does not."""
    try:
        services().redis.ping()
        # The app's own client: it has timeouts, so a hung Redis cannot hang the health check.
        workers = Worker.count(connection=services().redis)
    except RedisError as exc:
        return jsonify(redis="down", error=str(exc)), 503
    return jsonify(redis="ok", workers=workers), 200
