"""``timeout`` on a block is a deadline on all of it, on the time-skipping server: when it
passes, what runs inside is cancelled and undone, and the step fails with ``Timeout``."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from backoffice import database, runtime
from backoffice.language.business_days import BusinessCalendar
from backoffice.language.model import Calendar
from backoffice.tasks.store import TaskRow
from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner

HEADER = """
version: 1
title: Block deadlines
owner: tests
business_key: input.case
input:
  case: string
  items: list?
defaults:
  repair_by: [{group: ap-managers}]
"""

# What each handler below records: the error, and how many business days had passed.
CAUGHT = """
    catch:
      - errors: [Timeout]
        steps:
          - id: note_timeout
            set:
              error_type: ${ error.type }
              error_message: ${ error.message }
              days: ${ business_days_between(vars.started, today) }
"""

OUTPUT = """
output:
  started: ${ vars.started }
  error_type: ${ vars.error_type }
  error_message: ${ vars.error_message }
  days: ${ vars.days }
"""


def define(runner: ProcessRunner, name: str, steps: str, output: str = OUTPUT) -> str:
    body = f"name: {name}\n{HEADER}\nsteps:\n  - {{id: start, set: {{started: '${{ today }}'}}}}\n"
    return runner.define(body + steps + output)


def deadline_days(output: dict[str, Any]) -> int:
    """Business days from the block's start to the deadline its Timeout message names.

    The test server may skip ahead while a cancelled block winds down, so the day its
    handler runs is only a bound: the deadline itself is the measure.
    """
    found = re.search(r"\(by (\S+)\)", output["error_message"])
    assert found is not None, output["error_message"]
    deadline = datetime.fromisoformat(found.group(1)).date()
    calendar = BusinessCalendar.from_model(Calendar())
    return calendar.business_days_between(date.fromisoformat(output["started"]), deadline)


def case() -> str:
    return uuid.uuid4().hex[:10]


def task_rows(workflow_id: str) -> list[TaskRow]:
    with Session(database.engine(runtime.settings())) as session:
        return list(session.exec(select(TaskRow).where(TaskRow.workflow_id == workflow_id)))


async def test_a_for_each_of_tasks_ends_at_its_deadline(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "close-within",
        """
  - id: close_entities
    timeout: 5bd
    for_each: input.items
    as: entity
    max_items: 10
    concurrency: 3
    steps:
      - id: post
        call: test.note
        with: {note: "${ entity }"}
        compensate: {id: unpost, call: test.undo, with: {note: "${ entity }"}}
      - id: review
        task:
          assignees: [{user: alice}]
          form: {outcomes: [closed]}
          timeout: {after: 10bd, outcome: closed}
      - {id: closed, call: test.add, with: {a: 1, b: 1}}
"""
        + CAUGHT
        + """
  - {id: after, set: {each_ran: "${ has(steps.close_entities) }"}}
""",
    )
    handle = await skipping_runner.start(name, {"case": case(), "items": ["A", "B", "C"]})
    result = await handle.result()
    output = result["output"]
    assert output["error_type"] == "Timeout"
    assert "close_entities" in output["error_message"]
    assert "5bd" in output["error_message"]
    assert deadline_days(output) == 5
    assert output["days"] >= 5
    rows = task_rows(handle.id)
    assert len(rows) == 3
    assert {row.status for row in rows} == {"cancelled"}
    assert calls_of("test.add") == []
    assert sorted(args["note"] for args in calls_of("test.undo")) == ["A", "B", "C"]


async def test_a_parallel_ends_at_its_deadline(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "parallel-within",
        """
  - id: both
    timeout: 2bd
    parallel:
      - id: people
        steps:
          - id: approve
            task:
              assignees: [{user: alice}]
              form: {outcomes: [ok]}
              timeout: {after: 10bd, outcome: ok}
      - id: goods
        steps:
          - {id: receipt, wait: {event: goods_received, timeout: 20bd}}
"""
        + CAUGHT,
    )
    handle = await skipping_runner.start(name, {"case": case()})
    output = (await handle.result())["output"]
    assert (output["error_type"], deadline_days(output)) == ("Timeout", 2)
    assert [row.status for row in task_rows(handle.id)] == ["cancelled"]


async def test_a_repeat_ends_at_its_deadline(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "repeat-within",
        """
  - id: chase
    timeout: 3bd
    repeat: {until: "false", max: 100}
    steps:
      - {id: nudge, call: test.note, with: {note: nudge}}
      - {id: pause, wait: 2bd}
"""
        + CAUGHT,
    )
    output = (await skipping_runner.run(name, {"case": case()}))["output"]
    assert (output["error_type"], deadline_days(output)) == ("Timeout", 3)
    # Rounds start at 0 and 2 business days; the deadline ends the second one's pause.
    assert len(calls_of("test.note")) == 2


async def test_a_group_past_its_deadline_fails_the_run_with_timeout(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(
        skipping_runner,
        "group-within",
        """
  - id: checks
    timeout: 1d
    steps:
      - {id: booked, call: test.note, with: {note: booked},
         compensate: {id: unbook, call: test.undo, with: {note: booked}}}
      - {id: long_pause, wait: 3d}
      - {id: never, call: test.add, with: {a: 1, b: 1}}
""",
        output="",
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await skipping_runner.run(name, {"case": case()})
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "Timeout"
    assert "step 'checks'" in cause.message
    assert calls_of("test.add") == []
    # Undone once, when the block was cancelled: the run's own undo finds nothing left.
    assert [args["note"] for args in calls_of("test.undo")] == ["booked"]


async def test_a_block_that_finishes_in_time_is_not_touched(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(
        skipping_runner,
        "in-time",
        """
  - id: quick
    timeout: 5bd
    steps:
      - {id: pause, wait: 1bd}
      - {id: done, call: test.add, with: {a: 2, b: 3}}
""",
        output="output: {sum: '${ steps.done.sum }'}\n",
    )
    result = await skipping_runner.run(name, {"case": case()})
    assert (result["status"], result["output"]) == ("completed", {"sum": 5})


async def test_a_deadline_holds_across_continue_as_new(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "deadline-continued",
        """
  - id: daily
    timeout: 5bd
    for_each: input.items
    max_items: 20
    steps:
      - {id: count, call: test.note, with: {note: day}}
      - {id: pause, wait: 1bd}
"""
        + CAUGHT,
    )
    handle = await skipping_runner.start(
        name, {"case": case(), "items": list(range(10))}, history_limit=40
    )
    output = (await handle.result())["output"]
    # Ten items of a business day each would take ten: the deadline, recorded when the
    # block started, is not moved by the runs the history was continued into.
    assert (output["error_type"], deadline_days(output)) == ("Timeout", 5)
    assert len(calls_of("test.note")) == 5
    described = await handle.describe()
    assert described.run_id != handle.first_execution_run_id


async def test_a_child_process_past_its_deadline_is_cancelled(runner: ProcessRunner) -> None:
    # On the dev server: the test server moves its clock on while a cancel is still being
    # delivered or a close still waits for the worker (the child's own task timeout, or
    # the run's ten-year limit, then passes first), and after such a race it may stop
    # skipping time for the rest of the session, which hangs the tests after it.
    child = runner.define(
        "name: slow-child\n"
        + HEADER
        + """steps:
  - id: approve
    task:
      assignees: [{user: alice}]
      form: {outcomes: [ok]}
      timeout: {after: 10bd, outcome: ok}
"""
    )
    name = define(
        runner,
        "child-within",
        f"""
  - id: child
    timeout: 5s
    process: {child}
    input: {{case: "${{ input.case }}-child"}}
"""
        + CAUGHT,
    )
    case_id = case()
    output = (await runner.run(name, {"case": case_id}))["output"]
    assert output["error_type"] == "Timeout"
    child_run = runner.client.get_workflow_handle(f"{child}/{case_id}-child")
    assert (await child_run.describe()).status == WorkflowExecutionStatus.CANCELED
    # Opened by then unless the machine is very slow; never left open.
    assert {row.status for row in task_rows(child_run.id)} <= {"cancelled"}


async def test_a_switch_case_past_its_deadline_is_cancelled(
    runner: ProcessRunner,
) -> None:
    name = define(
        runner,
        "switch-within",
        """
  - id: route
    timeout: 5s
    switch:
      - when: "true"
        steps:
          - id: approve
            task:
              assignees: [{user: alice}]
              form: {outcomes: [ok]}
              timeout: {after: 10bd, outcome: ok}
          - {id: never, call: test.add, with: {a: 1, b: 1}}
"""
        + CAUGHT,
    )
    handle = await runner.start(name, {"case": case()})
    output = (await handle.result())["output"]
    assert output["error_type"] == "Timeout"
    assert {row.status for row in task_rows(handle.id)} <= {"cancelled"}
    assert calls_of("test.add") == []
