"""Reports over many cases and calls: how long `ivr report cases` and `ivr report recurring`
take to answer as the cases grow to 100,000 beside 1,000,000 call records.

Run by hand: `.venv/bin/python -m bench.reports` (`--cases 10000 --calls 100000` for a quick
look). Starts its own redis-server in a temp dir (never the Redis at 127.0.0.1:6379). Cases are
opened through the case repository as the line opens them (so the rollups are kept the same
way), each with some talk time, a category, a week, and a third of them recurring; a share is
reassigned, resolved and closed through the case rules. Call records are written as the
webhook writes them. After each step of growth the two reports are read `--repeats` times:
median and p99 in ms, the growth from the first size to the last (rollups: flat), and, for
comparison, the time to read every case once (what a report without rollups would at least
cost).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import Redis
from redis.client import Pipeline

from bench.routing import median_p99, redis_server
from crm.calls import START_CALL, CallLog
from crm.case_reports import case_report, recurring_report
from crm.case_rules import Actor, CaseDetails, CaseRules, CaseTimes
from crm.cases import CaseFilter, CaseRepository
from crm.keys import Keys
from crm.models import CallRecord, Rep, Role
from crm.reps import RepRepository
from crm.scripts import run_scripts

REPS = [f"rep-{n:03d}" for n in range(50)]
CATEGORIES = ["billing", "line", "tv", "mobile", "broadband", "moving", "account", "other"]
SUPERVISOR = Actor(id="boss", supervisor=True)
CALL_BATCH = 1000
PAGE = 1000


def grow_cases(cases: CaseRepository, rules: CaseRules, first: int, count: int) -> None:
    """`count` more cases, each through the repository and the rules, as the line makes them."""
    rng = random.Random(first)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for n in range(first, first + count):
        case = cases.open(f"+1415555{n % 10_000:04d}", rng.choice(REPS), f"Problem {n}")
        case.category = rng.choice(CATEGORIES)
        case.created_at = start + timedelta(hours=rng.randrange(24 * 330))
        cases.save(case)
        rules.talked(case.reference, case.owner, rng.randrange(60, 1800))
        if n % 3 == 0:
            rules.describe(case.reference, SUPERVISOR, CaseDetails(recurring=True))
        if n % 7 == 0:
            rules.reassign(
                case.reference, rng.choice([r for r in REPS if r != case.owner]), SUPERVISOR
            )
        if n % 2 == 0:
            rules.close(case.reference, SUPERVISOR)
        elif n % 5 == 0:
            rules.resolve(case.reference, SUPERVISOR)


def write_calls(redis: Redis, calls: CallLog, count: int) -> None:
    """`count` call records, as the incoming webhook logs them, a pipeline at a time."""
    for batch in range(0, count, CALL_BATCH):

        def log_batch(pipe: Pipeline, first: int = batch) -> None:
            for n in range(first, min(count, first + CALL_BATCH)):
                record = CallRecord(call_sid=f"CA{n:032x}", caller_id=f"+1415555{n % 10_000:04d}")
                calls.queue_start(pipe, record, "incoming")

        run_scripts(redis, log_batch, [START_CALL])


def timed(read: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and p99 seconds of `read()`."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        samples.append(time.perf_counter() - started)
    return median_p99(samples)


def main() -> None:
    """Grow, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    sizes = sorted({max(1, args.cases // 100), max(1, args.cases // 10), args.cases})
    keys = Keys()
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp) / "redis") as server:
        redis = server.client()
        reps = RepRepository(redis, keys)
        reps.save_all(
            [Rep(id=r, name=r, endpoint=f"client:{r}", password_hash="x") for r in REPS]
            + [
                Rep(
                    id="boss",
                    name="Boss",
                    endpoint="client:boss",
                    password_hash="x",
                    role=Role.SUPERVISOR,
                )
            ]
        )
        cases = CaseRepository(redis, keys)
        times = CaseTimes(lambda _: timedelta(hours=48), timedelta(hours=72), timedelta(hours=24))
        rules = CaseRules(cases, reps, times)
        began = time.monotonic()
        write_calls(redis, CallLog(redis, keys), args.calls)
        print(
            f"{args.calls:,} call records written in {time.monotonic() - began:.0f} s", flush=True
        )
        print(
            f"{'cases':>9}{'cases p50':>11}{'p99':>8}{'recurring p50':>15}{'p99':>8}"
            f"{'read all':>10}  (ms)"
        )
        made, firsts = 0, None
        for size in sizes:
            grow_cases(cases, rules, made, size - made)
            made = size

            def read_all() -> None:
                offset = 0
                while page := cases.page(CaseFilter(), offset, PAGE).cases:
                    offset += len(page)

            report = timed(lambda: case_report(redis, keys), args.repeats)
            recurring = timed(lambda: recurring_report(redis, keys), args.repeats)
            scan = timed(read_all, 1)
            firsts = firsts or (report[0], recurring[0])
            print(
                f"{size:>9,}{1000 * report[0]:>11.2f}{1000 * report[1]:>8.2f}"
                f"{1000 * recurring[0]:>15.2f}{1000 * recurring[1]:>8.2f}{1000 * scan[0]:>10.0f}",
                flush=True,
            )
        print(
            f"growth {sizes[0]:,} -> {sizes[-1]:,} cases (median): cases report"
            f" {report[0] / firsts[0]:.1f}x, recurring {recurring[0] / firsts[1]:.1f}x; goal: under"
            " 1 s at 100,000 cases and 1,000,000 calls"
        )


if __name__ == "__main__":
    main()
