"""docs/processes/workforce_rules.md is true: its tables are what the activities accept,
its steps have the language's shape, and its legal-hold process validates and places and
lifts a hold that stops a purge."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from activities.workforce.final_pay import FinalPayQuestion, FinalPayRule, deadline
from activities.workforce.moments import zone
from activities.workforce.retention import RetentionPeriod
from activities.workforce.segregation import ConflictRule, SegregationCheck, conflicts_of
from backoffice.catalog import build_catalog
from backoffice.language import model
from backoffice.language.source import load
from backoffice.language.validate import validate_text
from tests.processes.workforce.conftest import Pack

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "processes" / "workforce_rules.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
COMPLETE = [block for block in BLOCKS if "\nname: " in block and "\nsteps:" in block]
TABLES = [block for block in BLOCKS if block.startswith("variables:")]
STEPS = [block for block in BLOCKS if block.startswith("- id:")]
SHAPES: dict[str, Any] = {
    "conflict_rules": TypeAdapter(list[ConflictRule]),
    "final_pay_rules": TypeAdapter(list[FinalPayRule]),
    "retention_periods": TypeAdapter(list[RetentionPeriod]),
    "time_zones": TypeAdapter(dict[str, str]),
    "waiting_time_max_days": TypeAdapter(int),
}


def variables() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in TABLES:
        data, _ = load(block)
        found.update(data["variables"])
    return found


def test_the_guide_shows_every_table_steps_and_the_legal_hold_process() -> None:
    assert set(variables()) == set(SHAPES)
    assert len(STEPS) >= 7
    assert [block.split("name: ")[1].split()[0] for block in COMPLETE] == ["legal-hold"]
    assert len(BLOCKS) == len(TABLES) + len(STEPS) + len(COMPLETE)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_table_is_what_its_activity_accepts(name: str) -> None:
    SHAPES[name].validate_python(variables()[name])


def test_the_time_zones_are_iana_zones() -> None:
    for name in variables()["time_zones"].values():
        zone(name)


def test_the_california_table_gives_the_domains_leaver_the_last_day() -> None:
    tables = variables()
    found = deadline(
        FinalPayQuestion(
            jurisdiction="US-CA",
            separation_type="voluntary",
            notice_given_at="2025-06-02",
            relieving_date=date(2025, 6, 27),
            timezone=tables["time_zones"]["SFO-01"],
            rules=tables["final_pay_rules"],
        )
    )
    assert (found.case, found.due_at) == ("quit_with_notice", "2025-06-28T06:59:59Z")


def test_the_conflict_rules_clear_an_ap_clerks_bundle_and_stop_payment_release() -> None:
    rules = variables()["conflict_rules"]
    bundle = ["AD:G-FIN-AP", "ERP:AP_CLERK", "M365:E3"]

    assert conflicts_of(SegregationCheck(roles=bundle, rules=rules)).clear
    found = conflicts_of(SegregationCheck(roles=[*bundle, "ERP:PAYMENT_RELEASE"], rules=rules))
    assert [c.reason for c in found.conflicts] == [
        "who enters supplier invoices may not release payments"
    ]


@pytest.mark.parametrize("block", STEPS, ids=lambda b: b.split("id: ")[1].split()[0])
def test_each_step_has_the_shape_the_language_accepts(block: str) -> None:
    data, _ = load(block)
    TypeAdapter(list[model.Step]).validate_python(data)


def test_the_legal_hold_process_validates_without_problems() -> None:
    [block] = COMPLETE
    checked = validate_text(block, "definitions/legal_hold.yaml", catalog=build_catalog())

    assert [str(problem) for problem in checked.problems] == []


async def test_the_legal_hold_process_places_and_lifts_a_hold_that_stops_a_purge(
    pack: Pack,
) -> None:
    [block] = COMPLETE
    name = pack.define(block)
    await pack.call(
        "workforce.schedule_retention",
        {
            "employee_id": "EMP-0420",
            "relieving_date": "2016-06-27",
            "periods": [{"category": "personnel_file", "years": 3}],
        },
    )
    hold = {
        "request": "LIT-2025-014-H1",
        "action": "place",
        "employee_id": "EMP-0420",
        "matter": "LIT-2025-014",
        "category": "personnel_file",
        "reason": "wrongful-termination claim",
        "by": "hanna",
    }
    purge = {"employee_id": "EMP-0420", "category": "personnel_file"}

    placed = await pack.run(name, hold)
    held = await pack.call("workforce.purge", purge)
    lifted = await pack.run(
        name, {**hold, "request": "LIT-2025-014-L1", "action": "lift", "reason": "claim settled"}
    )
    purged = await pack.call("workforce.purge", purge)

    [in_force] = placed["output"]["holds"]
    assert (in_force["matter"], in_force["in_force"], in_force["placed_by"]) == (
        "LIT-2025-014",
        True,
        "hanna",
    )
    assert held["held"] is True
    assert (
        held["hold_reason"] == f"LIT-2025-014 ({in_force['hold_id']}): wrongful-termination claim"
    )
    [after] = lifted["output"]["holds"]
    assert (after["in_force"], after["lifted_by"], after["lift_reason"]) == (
        False,
        "hanna",
        "claim settled",
    )
    assert purged["purged"] is True
