"""A cancelled branch stops at every depth: its tasks close, nothing of it runs later,
and what it completed is undone where it declares how (on the real dev server)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError

from backoffice import database, runtime
from backoffice.engine.contracts import (
    DECIDE_UPDATE,
    TASKS_QUERY,
    Decision,
    StepProgress,
    TaskView,
)
from backoffice.engine.runs import progress, send_event
from backoffice.tasks.queries import open_tasks_for
from backoffice.tasks.store import TaskEventRow, TaskRow
from tests.support.activities import calls_of
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner

MONTH_END = """
name: month-end
version: 1
title: Month-end close
owner: tests
business_key: input.case
input:
  case: string
  entities: list
defaults:
  repair_by: [{group: ap-managers}]
steps:
  - id: month_end
    mode: first
    parallel:
      - id: entities
        steps:
          - id: close_entities
            for_each: input.entities
            as: entity
            max_items: 50
            concurrency: 5
            steps:
              - id: post_accruals
                call: test.note
                with: {note: "${ entity }"}
                compensate: {id: reverse_accruals, call: test.undo, with: {note: "${ entity }"}}
              - id: controller_review
                title: Review ${ entity }
                task:
                  assignees: [{user: alice}]
                  form: {outcomes: [closed]}
                  timeout: {after: 10bd, outcome: closed}
              - id: mark_closed
                call: test.add
                with: {a: 1, b: 1}
      - id: deadline
        steps:
          - {id: cut_off, wait: {event: cut_off, timeout: 30d}}
  - id: cfo_review
    task:
      assignees: [{user: frank}]
      form: {outcomes: [signed]}
      timeout: {after: 10bd, outcome: signed}
      context:
        won_by: ${ steps.month_end.winner }
        entities_closed: ${ has(steps.close_entities) }
output:
  won_by: ${ steps.month_end.winner }
  entities_closed: ${ has(steps.close_entities) }
"""

NESTED = """
name: nested-cancel
version: 1
title: Nested cancel
owner: tests
business_key: input.case
input:
  case: string
  entities: list
defaults:
  repair_by: [{group: ap-managers}]
steps:
  - id: outer
    mode: first
    parallel:
      - id: work
        steps:
          - id: each
            for_each: input.entities
            as: entity
            max_items: 10
            concurrency: 3
            steps:
              - id: checks
                mode: all
                parallel:
                  - id: posting
                    steps:
                      - id: post
                        call: test.note
                        with: {note: "${ entity }"}
                        compensate: {id: unpost, call: test.undo, with: {note: "${ entity }"}}
                      - id: approve
                        task:
                          assignees: [{user: alice}]
                          form: {outcomes: [ok]}
                          timeout: {after: 10bd, outcome: ok}
                  - id: review
                    steps:
                      - id: look
                        task:
                          assignees: [{user: bob}]
                          form: {outcomes: [ok]}
                          timeout: {after: 10bd, outcome: ok}
              - id: after_checks
                call: test.add
                with: {a: 1, b: 1}
      - id: stop
        steps:
          - {id: stop_now, wait: {event: stop, timeout: 30d}}
output:
  won_by: ${ steps.outer.winner }
"""


async def open_tasks(handle: WorkflowHandle[Any, Any]) -> list[TaskView]:
    return await handle.query(TASKS_QUERY, result_type=list[TaskView])


async def tasks_open(handle: WorkflowHandle[Any, Any], step_id: str, count: int) -> list[TaskView]:
    """The run's open tasks of ``step_id`` once ``count`` of them can be decided."""

    async def ready() -> list[TaskView] | None:
        tasks = [t for t in await open_tasks(handle) if t.step_id == step_id]
        decidable = [t for t in tasks if t.deciders is not None]
        return decidable if len(decidable) >= count else None

    return await eventually(ready, f"{count} {step_id} tasks of {handle.id} to open")


def rows_of(workflow_id: str) -> list[TaskRow]:
    with Session(database.engine(runtime.settings())) as session:
        return list(session.exec(select(TaskRow).where(TaskRow.workflow_id == workflow_id)))


def audit_events(task_id: str) -> list[str]:
    with Session(database.engine(runtime.settings())) as session:
        rows = session.exec(
            select(TaskEventRow).where(TaskEventRow.task_id == task_id).order_by(TaskEventRow.id)  # type: ignore[arg-type]
        )
        return [row.event for row in rows]


async def test_a_deadline_that_wins_cancels_every_item_in_flight(runner: ProcessRunner) -> None:
    name = runner.define(MONTH_END)
    entities = [f"E{number:02d}" for number in range(1, 9)]
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "entities": entities})
    # Five entities at once (the concurrency): each posted its accruals and waits on alice.
    in_flight = await tasks_open(handle, "controller_review", 5)
    await send_event(runner.client, handle.id, "cut_off")

    cfo = await eventually(
        lambda: _task_of(handle, "cfo_review"), f"the CFO's task of {handle.id} to open"
    )
    # The parallel step has ended: no controller's task is left open, in the run, the task
    # table or alice's inbox, and each says in its audit that it was cancelled.
    assert [task.step_id for task in await open_tasks(handle)] == ["cfo_review"]
    reviews = [row for row in rows_of(handle.id) if row.step_id == "controller_review"]
    assert len(reviews) == 5
    assert {row.status for row in reviews} == {"cancelled"}
    assert [row.id for row in open_tasks_for(database.engine(runtime.settings()), "alice")] == []
    for row in reviews:
        assert audit_events(row.id) == ["created", "cancelled"]

    # A late decision on a cancelled task is refused, and says why.
    for task in in_flight:
        late = Decision(task_id=task.task_id, user="alice", outcome="closed")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(DECIDE_UPDATE, late, result_type=TaskView)
        assert "was cancelled" in str(refused.value.cause)

    # The accruals the items had posted, and only those, were undone once each.
    posted = [args["note"] for args in calls_of("test.note")]
    assert sorted(posted) == entities[:5]
    assert sorted(args["note"] for args in calls_of("test.undo")) == sorted(posted)
    assert cfo.context == {"won_by": "deadline", "entities_closed": False}

    decision = Decision(task_id=cfo.task_id, user="frank", outcome="signed")
    await handle.execute_update(DECIDE_UPDATE, decision, result_type=TaskView)
    result = await handle.result()
    assert result["output"] == {"won_by": "deadline", "entities_closed": False}
    # Nothing of the cancelled branch ran afterwards: no item reached its next step, and the
    # undone accruals stay undone (the run's end undid nothing twice).
    assert calls_of("test.add") == []
    assert len(calls_of("test.note")) == 5
    assert len(calls_of("test.undo")) == 5


async def test_a_parallel_inside_a_for_each_of_a_losing_branch_is_cancelled(
    runner: ProcessRunner,
) -> None:
    name = runner.define(NESTED)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "entities": ["A", "B", "C"]})
    await tasks_open(handle, "approve", 3)
    await tasks_open(handle, "look", 3)
    await send_event(runner.client, handle.id, "stop")
    result = await handle.result()
    assert result["output"] == {"won_by": "stop"}
    rows = rows_of(handle.id)
    assert len(rows) == 6
    assert {row.status for row in rows} == {"cancelled"}
    assert calls_of("test.add") == []
    assert sorted(args["note"] for args in calls_of("test.undo")) == ["A", "B", "C"]


async def _task_of(handle: WorkflowHandle[Any, Any], step_id: str) -> TaskView | None:
    return next((t for t in await open_tasks(handle) if t.step_id == step_id), None)


async def test_ops_see_a_block_deadline_as_the_step_until(runner: ProcessRunner) -> None:
    name = runner.define(
        """
name: shown-deadline
version: 1
title: Shown deadline
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: checks
    timeout: 5bd
    steps:
      - {id: receipt, wait: {event: goods_received, timeout: 30d}}
"""
    )
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8]})

    async def shown() -> StepProgress | None:
        steps = (await progress(runner.client, handle.id)).steps
        block = next((step for step in steps if step.step_id == "checks"), None)
        return block if block is not None and block.until is not None else None

    block = await eventually(shown, f"the deadline of {handle.id}'s block to show")
    assert block.started_at is not None
    assert block.until is not None
    # Five business days: at least five calendar days, and never on a weekend.
    assert timedelta(days=5) <= block.until - block.started_at <= timedelta(days=9)
    assert block.until.weekday() < 5
    await handle.cancel()


async def test_cancelling_the_run_closes_the_tasks_of_every_item_in_flight(
    runner: ProcessRunner,
) -> None:
    name = runner.define(MONTH_END.replace("name: month-end", "name: month-end-cancelled"))
    entities = ["E1", "E2", "E3", "E4", "E5", "E6"]
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "entities": entities})
    await tasks_open(handle, "controller_review", 5)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    reviews = rows_of(handle.id)
    assert len(reviews) == 5
    assert {row.status for row in reviews} == {"cancelled"}
    # The run's own undo reversed every posting once.
    assert sorted(args["note"] for args in calls_of("test.undo")) == entities[:5]
    assert calls_of("test.add") == []
