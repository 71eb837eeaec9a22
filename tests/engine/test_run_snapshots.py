"""What a run's snapshot holds: every value of its definition, and its calendar's holidays.

A run validates its snapshot again inside the workflow, on whatever release runs or
replays it; written out in full, no default of that release can change what the run does.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from backoffice.engine.runs import Definitions, snapshot_of
from backoffice.language import model
from backoffice.language.validate import validate_file
from tests.language.helpers import EVERY_KIND
from tests.support.processes import ProcessRunner, write_definition

ROOT = Path(__file__).resolve().parents[2]
HEADER = """
version: 1
title: Calendar test
owner: tests
business_key: input.case
input:
  case: string
  items: list?
"""


def _unset_fields(value: Any, path: str = "") -> list[str]:
    """Fields anywhere in ``value`` that validation filled in from a default."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        found += [
            f"{path}.{name}"
            for name in type(value).model_fields
            if name not in value.model_fields_set
        ]
        for name in type(value).model_fields:
            found += _unset_fields(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _unset_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _unset_fields(item, f"{path}[{index}]")
    return found


def test_a_snapshot_writes_out_the_defaults_and_calendar_the_run_uses(tmp_path: Path) -> None:
    name = write_definition(tmp_path, f"name: plain\n{HEADER}steps:\n  - {{id: pause, wait: 1h}}\n")
    definitions = Definitions(tmp_path)
    _, snapshot = definitions.snapshot(name)
    written = snapshot.definition
    assert written["defaults"] == {
        "timeout": "5m",
        "retry": {
            "attempts": 3,
            "initial_interval": "1s",
            "backoff": 2.0,
            "max_interval": "1m",
            "non_retryable": [],
        },
        "repair_by": [],
    }
    assert written["calendar"] == {
        "timezone": "UTC",
        "weekend": ["saturday", "sunday"],
        "holidays": [],
        "country": None,
        "subdivision": None,
        "financial": None,
    }
    assert written["steps"][0]["wait"]["on_timeout"] == "fail"
    assert snapshot.holidays is None  # no package calendar, nothing resolved


def test_revalidating_a_snapshot_takes_no_value_from_a_default() -> None:
    for path in [ROOT / "definitions" / "invoice_approval.yaml", EVERY_KIND]:
        checked = validate_file(path)
        assert checked.definition is not None, checked.problems
        again = model.Definition.model_validate(snapshot_of(checked.definition))
        assert again == checked.definition
        assert _unset_fields(again) == [], path.name


def test_a_snapshot_from_before_defaults_were_kept_still_reads_as_the_same_definition() -> None:
    checked = validate_file(EVERY_KIND)
    assert checked.definition is not None
    compact = checked.definition.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    assert model.Definition.model_validate(compact) == checked.definition


def test_a_snapshot_of_a_bavarian_process_carries_its_holidays(tmp_path: Path) -> None:
    body = "calendar: {country: DE, subdivision: BY}\nsteps:\n  - {id: pause, wait: 1bd}\n"
    name = write_definition(tmp_path, f"name: bavarian\n{HEADER}{body}")
    _, snapshot = Definitions(tmp_path).snapshot(name)
    assert snapshot.holidays is not None
    assert snapshot.holidays.source == "DE-BY"
    assert snapshot.holidays.first_year < snapshot.holidays.last_year
    assert any(day.month == 1 and day.day == 6 for day in snapshot.holidays.dates)


BAVARIAN = """calendar: {timezone: Europe/Berlin, country: DE, subdivision: BY}
steps:
  - id: lines
    for_each: input.items
    max_items: 50
    steps: [{id: add, call: test.add, with: {a: "${ item }", b: 0}}]
output:
  next_day: ${ add_business_days('2026-01-05', 1) }
  epiphany_is_a_working_day: ${ is_business_day('2026-01-06') }
"""


async def test_a_run_on_a_bavarian_calendar_counts_epiphany_as_a_holiday_after_continuing(
    runner: ProcessRunner,
) -> None:
    name = runner.define(f"name: bavarian-run\n{HEADER}{BAVARIAN}")
    items = list(range(12))
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:10], "items": items}, history_limit=40
    )
    result = await handle.result()
    assert result["output"] == {"next_day": "2026-01-07", "epiphany_is_a_working_day": False}
    runs = [run async for run in runner.client.list_workflows(f"WorkflowId = '{handle.id}'")]
    assert len(runs) > 1, "the run should have continued as new, keeping its snapshot"


async def test_a_child_process_counts_on_its_own_calendar(runner: ProcessRunner) -> None:
    child = runner.define(f"name: bavarian-child\n{HEADER}{BAVARIAN}")
    parent = runner.define(
        f"name: plain-parent\n{HEADER}steps:\n"
        f"  - id: child\n    process: {child}\n"
        "    input: {case: '${ input.case }-child', items: [1]}\n"
        "output:\n"
        "  child: ${ steps.child.next_day }\n"
        "  here: ${ add_business_days('2026-01-05', 1) }\n"
    )
    result = await runner.run(parent, {"case": uuid.uuid4().hex[:10]})
    assert result["output"] == {"child": "2026-01-07", "here": "2026-01-06"}
