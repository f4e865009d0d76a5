"""Calls by tier: how many waited in a line, how many hung up before a person took them, and
how long they waited, read from the tally kept as each call ends (never a scan of the calls)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from redis import Redis

from crm.keys import Keys


@dataclass(frozen=True)
class TierFigures:
    """One tier's callers who waited in a line."""

    tier: str
    calls: int
    abandoned: int
    mean_wait_seconds: float

    @property
    def abandonment(self) -> float:
        """The share of them who hung up before a person took them."""
        return self.abandoned / self.calls if self.calls else 0.0


def calls_by_tier(redis: Redis, keys: Keys) -> list[TierFigures]:
    """Each tier's figures, gold first."""
    measures: dict[str, dict[str, float]] = defaultdict(dict)
    for name, raw in cast(dict[str, str], redis.hgetall(keys.call_tally)).items():
        tier, _, measure = name.rpartition("|")
        measures[tier][measure] = float(raw)
    order = {"gold": 0, "silver": 1, "standard": 2}
    return [
        TierFigures(
            tier=tier,
            calls=int(got.get("calls", 0)),
            abandoned=int(got.get("abandoned", 0)),
            mean_wait_seconds=got.get("wait_seconds", 0.0) / got["calls"]
            if got.get("calls")
            else 0.0,
        )
        for tier, got in sorted(measures.items(), key=lambda item: (order.get(item[0], 3), item[0]))
    ]


@dataclass(frozen=True)
class HourFigures:
    """One tier's callers who waited, in one hour of the day (the line's time)."""

    tier: str
    hour: int
    calls: int
    abandoned: int

    @property
    def answered(self) -> int:
        """Those a person took."""
        return self.calls - self.abandoned


def calls_by_hour(redis: Redis, keys: Keys) -> list[HourFigures]:
    """Each tier's waiting callers by hour of day, in tier order, then hour."""
    measures: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for name, raw in cast(dict[str, str], redis.hgetall(keys.call_tally_by_hour)).items():
        tier, hour, measure = name.rsplit("|", 2)
        measures[(tier, int(hour))][measure] = int(raw)
    order = {"gold": 0, "silver": 1, "standard": 2}
    return [
        HourFigures(tier, hour, got.get("calls", 0), got.get("abandoned", 0))
        for (tier, hour), got in sorted(
            measures.items(), key=lambda item: (order.get(item[0][0], 3), item[0])
        )
    ]
