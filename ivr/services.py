"""The service's long-lived parts, built once from settings and shared by web, worker and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callflows import CallFlow, default_flow_path, load_flow
from crm.calls import CallLog
from crm.case_rules import CaseRules, CaseTimes
from crm.cases import CaseRepository
from crm.customers import CustomerRepository
from crm.directory import Directory
from crm.keys import Keys
from crm.models import TierThresholds
from crm.reps import RepRepository
from ivr import embedded_redis
from ivr.settings import Settings
from ivr.throttle import LOGINS, STATUS_LOOKUPS, Throttle
from ivr.twilio_rest import build_client
from queues.floor import Floor
from queues.presence import PresenceBoard
from queues.router import Router
from voicemail.book import CallbackBook

JOB_QUEUE = "ivr"
# A webhook must answer fast even when Redis is gone: fail over to the degraded answer quickly.
# One immediate retry covers a pooled connection that a Redis restart left stale.
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_RETRIES = 1
# Blocking reads (the dispatcher's wait for a wake) need a connection that waits longer.
BLOCKING_SOCKET_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Services:
    """Connections and repositories; one instance per process."""

    settings: Settings
    redis: Redis
    blocking_redis: Redis
    keys: Keys
    twilio: Client
    validator: RequestValidator
    jobs: Queue
    customers: CustomerRepository
    reps: RepRepository
    cases: CaseRepository
    case_rules: CaseRules
    calls: CallLog
    directory: Directory
    flow: CallFlow
    router: Router
    presence: PresenceBoard
    floor: Floor
    callbacks: CallbackBook
    logins: Throttle
    status_lookups: Throttle

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Load the call flow, connect to Redis (embedded if `REDIS_URL` is unset), wire it up.

        A call flow that breaks the linter's rules stops start-up with `FlowError`.
        """
        url = settings.redis_url or embedded_redis.attach(settings.ivr_data_dir)
        redis = Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), REDIS_RETRIES),
        )
        keys = Keys()
        flow = load_flow(settings.ivr_callflow or default_flow_path(), settings.support_number)
        thresholds = TierThresholds(
            silver=Decimal(flow.tiers.silver), gold=Decimal(flow.tiers.gold)
        )
        from ivr.jobs import telling_customers  # jobs run with these services: built first

        reps = RepRepository(redis, keys)
        cases = CaseRepository(redis, keys)
        # rq stores pickled bytes, so its connection must not decode responses.
        jobs = Queue(JOB_QUEUE, connection=Redis.from_url(url))
        return cls(
            settings=settings,
            redis=redis,
            blocking_redis=Redis.from_url(
                url, decode_responses=True, socket_timeout=BLOCKING_SOCKET_TIMEOUT_SECONDS
            ),
            keys=keys,
            twilio=build_client(
                settings.twilio_account_sid,
                settings.twilio_auth_token,
                str(settings.twilio_api_base),
            ),
            validator=RequestValidator(settings.twilio_auth_token),
            jobs=jobs,
            customers=CustomerRepository(redis, keys),
            reps=reps,
            cases=cases,
            case_rules=CaseRules(
                cases,
                reps,
                CaseTimes(
                    turnaround=lambda category: timedelta(hours=flow.cases.turnaround(category)),
                    answer_within=timedelta(hours=flow.cases.sign_off_hours),
                    reopened_promise=timedelta(hours=flow.cases.reopened_promise_hours),
                ),
                tell=telling_customers(jobs),
            ),
            calls=CallLog(redis, keys),
            directory=Directory(redis, keys, thresholds),
            flow=flow,
            router=Router(redis, keys, flow.routing, thresholds),
            presence=PresenceBoard(redis, keys, reps, flow.routing.wrap_up_seconds),
            floor=Floor(redis, keys),
            callbacks=CallbackBook(redis, keys),
            logins=Throttle(redis, f"{keys.prefix}logins", LOGINS),
            status_lookups=Throttle(redis, f"{keys.prefix}status-lookups", STATUS_LOOKUPS),
        )
