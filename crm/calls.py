"""The call log: one record per CallSid, its path through the menu, and what the caller told us.

The record itself is written once; the path is a list and the caller's answers a hash beside it,
so each later webhook adds to them without reading the record back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast
from zoneinfo import ZoneInfo

from redis import Redis
from redis.client import Pipeline
from redis.typing import EncodableT

from crm.keys import Keys
from crm.models import CallRecord
from crm.scripts import LuaScript, run_scripts

# Call records outlive the call long enough for reports and disputes, not forever.
CALL_RECORD_TTL_SECONDS = 90 * 24 * 3600
EVENTS_MAX_LENGTH = 1_000_000  # the audit stream keeps about this many events
# Details the call record reads back as its own fields.
ANSWERED_BY = "answered_by"
OUTCOME = "outcome"  # answered, abandoned, voicemail, escalated
CALL_STATUS = "call_status"  # Twilio's final status of the call
WAIT_SECONDS = "wait_seconds"
# Written by routing (queues' script) into the same details.
QUEUE = "queue"
TIER = "tier"
POSITION_ON_ENTRY = "position_on_entry"
OFFERED_TO = "offered_to"  # comma-separated rep ids, in the order they were offered the call
READ_FROM_DETAILS = (
    ANSWERED_BY,
    OUTCOME,
    WAIT_SECONDS,
    QUEUE,
    TIER,
    POSITION_ON_ENTRY,
    OFFERED_TO,
)
START_CALL = LuaScript("start_call")


class CallLog:
    """Writes and reads call records; a webhook retried by Twilio never makes a second record."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def queue_start(self, pipe: Pipeline, record: CallRecord, first_step: str) -> None:
        """Add "log this call, if new" to a pipeline, so it shares the webhook's round trip."""
        START_CALL.queue(
            pipe,
            keys=[
                self._keys.call(record.call_sid),
                self._keys.call_path(record.call_sid),
                self._keys.events,
            ],
            args=[
                record.model_dump_json(exclude=set(READ_FROM_DETAILS) | {"path", "details"}),
                CALL_RECORD_TTL_SECONDS,
                first_step,
                record.call_sid,
                record.caller_id,
                EVENTS_MAX_LENGTH,
            ],
        )

    def start(self, record: CallRecord, first_step: str) -> bool:
        """Log a new call; False (and nothing changed) if this CallSid is already logged."""
        (created,) = run_scripts(
            self._redis, lambda pipe: self.queue_start(pipe, record, first_step), [START_CALL]
        )
        return bool(created)

    def record_step(
        self, call_sid: str, step: str, details: Mapping[str, str] | None = None
    ) -> None:
        """Add a step to the call's path, keep its details, and log it for reports."""
        stored: dict[EncodableT, EncodableT] = {k: v for k, v in (details or {}).items()}
        event: dict[EncodableT, EncodableT] = {"event": "call.step", "call_sid": call_sid}
        event.update({"step": step, **stored})
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self._keys.events, event, maxlen=EVENTS_MAX_LENGTH, approximate=True)
            pipe.rpush(self._keys.call_path(call_sid), step)
            pipe.expire(self._keys.call_path(call_sid), CALL_RECORD_TTL_SECONDS)
            if stored:
                pipe.hset(self._keys.call_details(call_sid), mapping=stored)
                pipe.expire(self._keys.call_details(call_sid), CALL_RECORD_TTL_SECONDS)
            pipe.execute()

    def keep_once(self, call_sid: str, name: str, value: str) -> bool:
        """Keep a detail of the call unless it is kept already (a retried webhook, a second
        process): True for the one that kept it."""
        key = self._keys.call_details(call_sid)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hsetnx(key, name, value)
            pipe.expire(key, CALL_RECORD_TTL_SECONDS)
            kept, _ = pipe.execute()
        return bool(kept)

    def count_ended(self, call_sid: str, zone: ZoneInfo) -> bool:
        """Count an ended call that waited in a line in the tier report: abandoned or not, its
        time in the queue, and the hour (in the line's `zone`) it came in. Once per call,
        however often its end is reported; False when it was counted already or never waited."""
        record = self.get(call_sid)
        if record is None or record.queue is None or not self.keep_once(call_sid, "counted", "1"):
            return False
        tier, tally = record.tier or "standard", self._keys.call_tally
        abandoned = int(record.outcome == "abandoned")
        hour = f"{tier}|{record.started_at.astimezone(zone).hour:02d}"
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(tally, f"{tier}|calls", 1)
            pipe.hincrby(tally, f"{tier}|abandoned", abandoned)
            pipe.hincrbyfloat(tally, f"{tier}|wait_seconds", record.wait_seconds)
            pipe.hincrby(self._keys.call_tally_by_hour, f"{hour}|calls", 1)
            pipe.hincrby(self._keys.call_tally_by_hour, f"{hour}|abandoned", abandoned)
            pipe.execute()
        return True

    def transcripts(self, call_sids: Sequence[str]) -> list[str]:
        """What was said in these calls' messages, as transcribed (those that were), in one
        round trip."""
        with self._redis.pipeline(transaction=False) as pipe:
            for call_sid in call_sids:
                pipe.hget(self._keys.call_details(call_sid), "transcript")
            return [text for text in pipe.execute() if text]

    def details(self, call_sid: str) -> dict[str, str]:
        """What the caller chose or typed so far, and what the call produced (recording, ...)."""
        return cast(dict[str, str], self._redis.hgetall(self._keys.call_details(call_sid)))

    def get(self, call_sid: str) -> CallRecord | None:
        """The record of one call, with its path and details, if logged."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self._keys.call(call_sid))
            pipe.lrange(self._keys.call_path(call_sid), 0, -1)
            pipe.hgetall(self._keys.call_details(call_sid))
            raw, path, details = pipe.execute()
        if not raw:
            return None
        record = CallRecord.from_stored(raw)
        offered = details.get(OFFERED_TO, "")
        position = details.get(POSITION_ON_ENTRY)
        return record.model_copy(
            update={
                "path": path,
                "details": details,
                "answered_by": details.get(ANSWERED_BY),
                "outcome": details.get(OUTCOME),
                "wait_seconds": float(details.get(WAIT_SECONDS, 0)),
                "queue": details.get(QUEUE),
                "tier": details.get(TIER),
                "position_on_entry": int(position) if position else None,
                "offered_to": offered.split(",") if offered else [],
            }
        )
