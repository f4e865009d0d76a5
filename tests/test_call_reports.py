"""Calls by tier, through the simulator over real HTTP: a caller who hangs up in the line is
counted abandoned in their tier, one a rep takes is not; each ended call is counted once,
however often its end is reported; the report reads the same from the CLI and the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from click.testing import CliRunner

from crm.call_reports import calls_by_hour, calls_by_tier
from crm.models import Customer, Presence, Rep
from ivr.cli import main
from tests.conftest import Line

ADA = Customer(phone="+14155550100", name="Ada Lovelace", spend=Decimal(25000))  # gold
BOB = Customer(phone="+14155550101", name="Bob Stone", spend=Decimal(10))  # standard
SAM = Rep(id="sam", name="Sam Rivera", endpoint="+14155550200", password_hash="x")


def test_abandoned_and_answered_calls_are_counted_by_tier_once(
    line: Line, env: dict[str, str]
) -> None:
    line.services.customers.save_all([ADA, BOB])
    line.services.reps.save_all([SAM])
    line.sim.add_person(SAM.endpoint, name="sam")
    started_hour = datetime.now(line.services.flow.zone).hour
    gone = line.call(ADA.phone)
    gone.press("0")
    gone.expect_enqueue("support")
    gone.hang_up()
    gone.expect_ended()
    taken = line.call(BOB.phone)
    taken.press("0")
    taken.expect_enqueue("support")
    line.services.presence.set("sam", Presence.AVAILABLE)
    taken.expect_bridged("sam")
    taken.hang_up()
    taken.expect_ended()

    tiers = {
        t.tier: (t.calls, t.abandoned)
        for t in calls_by_tier(line.services.redis, line.services.keys)
    }
    assert tiers == {"gold": (1, 1), "standard": (1, 0)}
    hours_of_the_line = {datetime.now(line.services.flow.zone).hour, started_hour}
    by_hour = calls_by_hour(line.services.redis, line.services.keys)
    assert [(h.tier, h.calls, h.answered) for h in by_hour] == [("gold", 1, 0), ("standard", 1, 1)]
    assert {h.hour for h in by_hour} <= hours_of_the_line
    assert not line.services.calls.count_ended(gone.sid, line.services.flow.zone)  # not twice
    printed = CliRunner().invoke(main, ["report", "calls"], env=env)
    assert printed.output.splitlines()[0].startswith("gold: 1 calls, 1 abandoned (100%)")
    token = {"Authorization": f"Bearer {line.services.settings.ivr_api_token}"}
    answer = line.app.test_client().get("/api/reports/calls", headers=token)
    assert [(c["tier"], c["abandoned"]) for c in answer.json["calls"]] == [
        ("gold", 1),
        ("standard", 0),
    ]
