"""Runs start only when everything is right; a run keeps the definition it started with."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from backoffice.engine.runs import RunError, send_event
from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner
from tests.support.waits import waiting_run

DEFINITION = """
name: order-check
version: 1
title: Order check
owner: tests
business_key: input.order_id
input:
  order_id: string
  amount:
    type: number
    minimum: 0
steps:
  - id: noted
    call: test.note
    with: {note: "${ input.order_id }"}
  - id: approval
    wait: {event: approved, timeout: 5d}
output:
  order: ${ input.order_id }
"""


def order() -> str:
    return f"PO-{uuid.uuid4().hex[:8]}"


async def test_input_that_breaks_the_schema_starts_nothing(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    key = order()
    with pytest.raises(RunError) as caught:
        await runner.start(name, {"order_id": key, "amount": -5, "colour": "red"})
    message = str(caught.value)
    assert "amount: Input should be greater than or equal to 0" in message
    assert "colour: unknown field (the process takes: order_id, amount)" in message
    assert "nothing was started" in message
    counted = await runner.client.count_workflows(f"WorkflowId = 'order-check/{key}'")
    assert counted.count == 0


async def test_unknown_process_names_the_known_ones(runner: ProcessRunner) -> None:
    runner.define(DEFINITION)
    with pytest.raises(RunError, match=r"no process named 'order-chek' .*known: order-check"):
        await runner.start("order-chek", {})


async def test_invalid_definition_starts_nothing_and_says_why(
    runner: ProcessRunner, tmp_path: Path
) -> None:
    name = runner.define(DEFINITION.replace("test.note", "test.nope"))
    with pytest.raises(RunError) as caught:
        await runner.start(name, {"order_id": order(), "amount": 1})
    assert "is not valid, nothing was started" in str(caught.value)
    assert "unknown activity 'test.nope'" in str(caught.value)


async def test_second_start_for_the_same_key_is_refused(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    key = order()
    first = await runner.start(name, {"order_id": key, "amount": 1})
    assert first.id == f"order-check/{key}"
    with pytest.raises(RunError, match=f"order-check/{key} is running since"):
        await runner.start(name, {"order_id": key, "amount": 2})
    await first.cancel()


async def test_editing_the_file_does_not_change_a_run_in_flight(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"order_id": order(), "amount": 1})
    # The owner edits the process: a new output, another activity name, then deletes it.
    path = runner.directory / "order_check.yaml"
    path.write_text(DEFINITION.replace("order: ${ input.order_id }", "changed: true"))
    path.unlink()
    await waiting_run(runner.client, handle.id)
    await send_event(runner.client, handle.id, "approved")
    result = await handle.result()
    assert list(result["output"]) == ["order"]
    assert len(calls_of("test.note")) == 1


async def test_long_loops_continue_as_new_and_run_each_activity_once(
    runner: ProcessRunner,
) -> None:
    name = runner.define(
        """
name: many-lines
version: 1
title: Many lines
owner: tests
business_key: input.case
input:
  case: string
  items: list
variables: {seen: 0}
steps:
  - id: before
    call: test.note
    with: {note: before}
  - id: lines
    for_each: input.items
    max_items: 100
    concurrency: 2
    steps:
      - {id: add, call: test.add, with: {a: "${ item }", b: 0}}
  - id: after
    call: test.note
    with: {note: after}
output:
  total: ${ sum(steps.lines.map(r, r.add.sum)) }
"""
    )
    items = list(range(40))
    handle = await runner.start(name, {"case": uuid.uuid4().hex, "items": items}, history_limit=60)
    result = await handle.result()
    assert result["output"]["total"] == sum(items)
    assert sorted(int(c["a"]) for c in calls_of("test.add")) == items
    assert [c["note"] for c in calls_of("test.note")] == ["before", "after"]
    runs = [
        execution async for execution in runner.client.list_workflows(f"WorkflowId = '{handle.id}'")
    ]
    assert len(runs) > 2, "the loop should have continued as new several times"
