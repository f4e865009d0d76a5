"""The `ivr` command: imports that are all-or-nothing, cases, presence."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crm.keys import Keys
from crm.models import Presence, Rep, Role
from ivr.cli import main
from ivr.services import Services
from queues.routing_results import Caller, Offered
from queues.routing_script import LINES

CUSTOMERS = "phone,name,spend,account\n(415) 555-0100,Ada Lovelace,12000,A-1\n+14155550101,Bob,5,\n"
REPS = (
    "id,name,endpoint,role,password\n"
    "sam,Sam Rep,+14155550200,rep,s3cret\n"
    "mia,Mia Boss,client:mia,supervisor,b0ss\n"
)


@pytest.fixture
def ivr(settings: object, env: dict[str, str]):  # settings: the environment is set
    """Run `ivr ARGS...` with the test environment."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return run


@pytest.fixture
def csv_file(tmp_path: Path):
    def write(text: str) -> str:
        path = tmp_path / "rows.csv"
        path.write_text(text)
        return str(path)

    return write


def test_import_customers_normalises_phones(ivr, csv_file, services: Services) -> None:
    result = ivr("import", "customers", csv_file(CUSTOMERS))
    assert result.exit_code == 0, result.output
    assert "imported 2 customers" in result.output
    ada = services.customers.get("+14155550100")
    assert ada is not None and ada.name == "Ada Lovelace"
    assert services.customers.by_account("A-1") == ada


def test_bad_customer_rows_are_reported_by_line_and_nothing_is_imported(
    ivr, csv_file, services: Services
) -> None:
    text = (
        "phone,name,spend,account\n"
        "+14155550100,Ada,10,\n"
        "not a phone,Bob,5,\n"
        "+14155550102,Cy,-3,\n"
        "+1 415 555 0100,Ada again,1,\n"
    )
    result = ivr("import", "customers", csv_file(text))
    assert result.exit_code != 0
    assert "line 3: 'not a phone' is not a phone number" in result.output
    assert "line 4: spend" in result.output
    assert "line 5: +14155550100 already on line 2" in result.output
    assert services.customers.get("+14155550100") is None
    assert services.redis.keys("ivr:customer*") == []


def test_missing_column_is_reported(ivr, csv_file) -> None:
    result = ivr("import", "customers", csv_file("phone,name\n+14155550100,Ada\n"))
    assert result.exit_code != 0
    assert "missing column(s): spend, account" in result.output


def test_import_reps_with_roles_and_hashed_passwords(ivr, csv_file, services: Services) -> None:
    result = ivr("import", "reps", csv_file(REPS))
    assert result.exit_code == 0, result.output
    sam, mia = services.reps.get("sam"), services.reps.get("mia")
    assert sam is not None and sam.role is Role.REP and sam.endpoint == "+14155550200"
    assert mia is not None and mia.role is Role.SUPERVISOR and mia.endpoint == "client:mia"
    assert "s3cret" not in sam.password_hash
    assert services.reps.presence("sam") is Presence.OFFLINE


def test_unknown_role_rejects_the_whole_reps_file(ivr, csv_file, services: Services) -> None:
    text = REPS + "kim,Kim,+14155550201,boss,pw\n"
    result = ivr("import", "reps", csv_file(text))
    assert result.exit_code != 0
    assert "line 4: role" in result.output
    assert services.reps.all() == []


def test_open_case_prints_reference_and_indexes_it(ivr, csv_file, services: Services) -> None:
    ivr("import", "customers", csv_file(CUSTOMERS))
    ivr("import", "reps", csv_file(REPS))
    result = ivr(
        "cases", "open", "--phone", "(415) 555-0100", "--owner", "sam", "--subject", "No dial tone"
    )
    assert result.exit_code == 0, result.output
    reference = result.output.strip()
    assert reference.startswith("C-")
    caller = services.directory.identify("+14155550100")
    assert [case.reference for case in caller.open_cases] == [reference]
    assert caller.open_cases[0].owner == "sam"


def test_open_case_for_unknown_owner_fails_and_stores_nothing(ivr, services: Services) -> None:
    result = ivr("cases", "open", "--phone", "+14155550100", "--owner", "ghost", "--subject", "x")
    assert result.exit_code != 0
    assert "no rep with id 'ghost'" in result.output
    assert services.redis.keys(Keys().case("*")) == []


def test_presence_is_set(ivr, csv_file, services: Services) -> None:
    ivr("import", "reps", csv_file(REPS))
    assert ivr("reps", "presence", "sam", "available").exit_code == 0
    assert services.reps.presence("sam") is Presence.AVAILABLE
    assert ivr("reps", "presence", "ghost", "available").exit_code != 0
    assert ivr("reps", "presence", "sam", "asleep").exit_code != 0


def test_missing_configuration_is_one_clear_line(env: dict[str, str], csv_file) -> None:
    env = {**env, "TWILIO_AUTH_TOKEN": ""}
    result = CliRunner().invoke(main, ["import", "customers", csv_file(CUSTOMERS)], env=env)
    assert result.exit_code != 0
    assert "TWILIO_AUTH_TOKEN is invalid" in result.output


def test_check_accepts_the_shipped_flows(ivr) -> None:
    for flow in ("callflows/default.yaml", "callflows/business_hours.yaml"):
        result = ivr("check", flow)
        assert result.exit_code == 0, result.output
        assert "is a good call flow" in result.output


def test_check_names_every_broken_rule(ivr, csv_file) -> None:
    flow = (
        "name: x\n"
        "greeting: {known: 'Hi {first_name}', unknown: Hi}\n"
        "start: main\n"
        "menus:\n"
        "  main:\n"
        "    options:\n"
        "      - {key: '1', say: For billing press 1., action: queue, queue: billing}\n"
    )
    result = ivr("check", csv_file(flow))
    assert result.exit_code != 0
    assert "menus.main.options: no person option" in result.output
    assert "menus.main: no manager option" in result.output


def test_a_broken_flow_stops_the_service_from_starting(ivr, env, csv_file) -> None:
    broken = csv_file("name: x\nstart: main\nmenus: {}\n")
    result = CliRunner().invoke(
        main, ["reps", "presence", "sam", "busy"], env={**env, "IVR_CALLFLOW": broken}
    )
    assert result.exit_code != 0
    assert "greeting" in result.output


def on_the_floor(services: Services) -> None:
    services.reps.save_all(
        [
            Rep(id="sam", name="Sam Rep", endpoint="+14155550200", password_hash="h"),
            Rep(id="kim", name="Kim Rep", endpoint="client:kim", password_hash="h"),
        ]
    )


def floor(services: Services) -> dict[str, object]:
    """Everything stored about presence: states, since when, offers, free and on-duty reps, log."""
    keys, redis = Keys(), services.redis
    return {
        "presence": redis.hgetall(keys.presence),
        "since": redis.hgetall(keys.presence_since),
        "offers": redis.hgetall(keys.offers),
        "wrap-up": redis.zrange(keys.wrap_up_ends, 0, -1, withscores=True),
        **{f"available:{line}": redis.zrange(keys.available(line), 0, -1) for line in LINES},
        **{f"on-duty:{line}": redis.smembers(keys.on_duty(line)) for line in LINES},
        "events": redis.xlen(keys.events),
    }


def one_line_refusal(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


def test_presence_change_prints_the_new_and_the_previous_state(ivr, services: Services) -> None:
    on_the_floor(services)
    result = ivr("reps", "presence", "sam", "available")
    assert result.exit_code == 0, result.output
    assert result.output == "sam is available (was offline)\n"
    assert services.reps.presence("sam") is Presence.AVAILABLE
    assert services.redis.zrange(Keys().available("support"), 0, -1) == ["sam"]

    result = ivr("reps", "presence", "sam", "away")
    assert result.output == "sam is away (was available)\n"
    assert services.reps.presence("sam") is Presence.AWAY
    assert services.redis.zrange(Keys().available("support"), 0, -1) == []


def test_presence_of_an_unknown_rep_is_one_line_and_changes_nothing(
    ivr, services: Services
) -> None:
    on_the_floor(services)
    ivr("reps", "presence", "sam", "available")
    before = floor(services)
    output = one_line_refusal(ivr("reps", "presence", "ghost", "available"))
    assert output == "Error: no rep with id 'ghost'\n"
    assert floor(services) == before
    assert services.redis.hget(Keys().presence, "ghost") is None


@pytest.mark.parametrize("state", ["asleep", "offered", "missed"])
def test_a_state_not_set_by_hand_is_refused_naming_the_choices_and_changes_nothing(
    ivr, services: Services, state: str
) -> None:
    on_the_floor(services)
    ivr("reps", "presence", "sam", "available")
    before = floor(services)
    result = ivr("reps", "presence", "sam", state)
    assert result.exit_code == 2  # click's usage error: the command line itself is wrong
    assert "Traceback" not in result.output
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert f"'{state}' is not one of 'available', 'away', 'busy', 'offline', 'wrap-up'" in error
    assert floor(services) == before


@pytest.mark.parametrize("state", ["available", "busy", "wrap-up", "away", "offline"])
def test_a_rep_a_call_is_ringing_cannot_change_presence_by_hand(
    ivr, services: Services, state: str
) -> None:
    on_the_floor(services)
    ivr("reps", "presence", "sam", "available")
    placed = services.router.place(Caller(call_sid="CA1", line="support"))
    assert isinstance(placed, Offered) and placed.rep.id == "sam"
    before = floor(services)

    output = one_line_refusal(ivr("reps", "presence", "sam", state))

    assert output == "Error: a call is ringing this rep; answer or decline it first\n"
    assert floor(services) == before
    assert services.reps.presence("sam") is Presence.OFFERED


@pytest.mark.parametrize("state", ["available", "busy", "wrap-up", "away", "offline"])
def test_a_rep_on_a_call_cannot_change_presence_by_hand(
    ivr, services: Services, state: str
) -> None:
    on_the_floor(services)
    ivr("reps", "presence", "sam", "available")
    services.router.place(Caller(call_sid="CA1", line="support"))
    assert services.router.accepted("CA1", "sam")
    before = floor(services)

    output = one_line_refusal(ivr("reps", "presence", "sam", state))

    assert output == (
        "Error: this rep is on a call; their presence can change once it ends (wrap-up)\n"
    )
    assert floor(services) == before
    assert services.reps.presence("sam") is Presence.BUSY
    assert services.redis.hget(Keys().offers, "sam") == "CA1"
