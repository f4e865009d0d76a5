"""The call log: one record per CallSid, and an event stream the reports read."""

from __future__ import annotations

from redis import Redis

from crm.keys import Keys
from crm.models import CallRecord

# Call records outlive the call long enough for reports and disputes, not forever.
CALL_RECORD_TTL_SECONDS = 90 * 24 * 3600
EVENTS_MAX_LENGTH = 1_000_000


class CallLog:
    """Writes and reads call records; a webhook retried by Twilio never makes a second record."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def start(self, record: CallRecord) -> bool:
        """Record a new call; False (and nothing changed) if this CallSid is already logged."""
        created = self._redis.set(
            self._keys.call(record.call_sid),
            record.model_dump_json(),
            nx=True,
            ex=CALL_RECORD_TTL_SECONDS,
        )
        if created:
            self._redis.xadd(
                self._keys.events,
                {"event": "call.started", "call_sid": record.call_sid, "from": record.caller_id},
                maxlen=EVENTS_MAX_LENGTH,
                approximate=True,
            )
        return bool(created)

    def get(self, call_sid: str) -> CallRecord | None:
        """The record of one call, if logged."""
        raw = self._redis.get(self._keys.call(call_sid))
        return CallRecord.model_validate_json(raw) if raw else None
