"""A run whose snapshot names one of the engine's own activities fails that step, unscheduled.

Validation refuses such a definition, but a snapshot may name one anyway: a run started
by a release that still listed ``tasks.close``, or a start made by hand. Run, it would
mark another process's task decided, by people its rules never let decide.
"""

from __future__ import annotations

import textwrap
import uuid
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from backoffice import database, runtime
from backoffice.engine.contracts import TASKS_QUERY, DefinitionSnapshot, RunInput, TaskView
from backoffice.language.validate import validate_text
from backoffice.tasks.store import TaskRow
from tests.engine.test_task_changes import opened_task
from tests.support.processes import ProcessRunner

HOLDER = """
name: holder
version: 1
title: Waits for the AP clerks
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    task:
      assignees: [{group: ap-clerks}]
      timeout: {after: 5d, outcome: expired}
"""

INTRUDER = """
name: intruder
version: 1
title: Decides what is not its own
owner: tests
business_key: input.case
input:
  case: string
steps:
"""


def closing(task_id: str) -> str:
    """The arguments that would mark ``task_id`` approved by the CFO."""
    return (
        f"{{task_id: {task_id}, status: decided, outcome: approve, decided_by: [cfo], "
        "at: '2026-01-05T09:00:00Z'}"
    )


async def start_by_hand(runner: ProcessRunner, steps: str) -> WorkflowHandle[Any, Any]:
    """Start the intruder from a snapshot an older release could have made: it names
    ``tasks.close``, which that release's catalog listed on the default queue."""
    text = textwrap.dedent(INTRUDER).lstrip() + textwrap.dedent(steps)
    checked = validate_text(text, "intruder.yaml")  # no catalog: any name passes
    assert checked.ok, checked.problems
    assert checked.definition is not None
    snapshot = DefinitionSnapshot(
        definition=checked.definition.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        content_hash=checked.content_hash,
        queues={"tasks.close": "default"},
    )
    case = uuid.uuid4().hex[:10]
    run = RunInput(snapshot=snapshot, input={"case": case}, business_key=case)
    return await runner.client.start_workflow(
        "intruder", run, id=f"intruder/{case}", task_queue=runner.task_queue
    )


async def scheduled_activities(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    return sum(
        1 for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )


def task_status(task_id: str) -> str:
    with Session(database.engine(runtime.settings())) as session:
        row = session.get(TaskRow, task_id)
    assert row is not None
    return row.status


async def test_a_snapshot_calling_tasks_close_fails_and_the_other_task_stays_open(
    runner: ProcessRunner,
) -> None:
    holder = await runner.start(runner.define(HOLDER), {"case": uuid.uuid4().hex[:10]})
    task = await opened_task(holder)

    intruder = await start_by_hand(
        runner, f"  - {{id: close, call: tasks.close, with: {closing(task.task_id)}}}\n"
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await intruder.result()

    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "UnknownActivity"
    assert cause.non_retryable
    assert "'call: tasks.close' names one of the engine's own activities" in cause.message
    assert "backoffice catalog" in cause.message
    assert await scheduled_activities(intruder) == 0
    # The task is still the clerks' to decide, in the table and in its process.
    assert task_status(task.task_id) == "open"
    views = await holder.query(TASKS_QUERY, result_type=list[TaskView])
    assert [(v.task_id, v.status) for v in views] == [(task.task_id, "open")]
    await holder.cancel()
    with pytest.raises(WorkflowFailureError):
        await holder.result()


async def test_the_refusal_is_an_error_a_definition_can_catch_also_for_a_bot(
    skipping_runner: ProcessRunner,
) -> None:
    intruder = await start_by_hand(
        skipping_runner,
        f"""\
          - id: close
            bot: tasks.close
            with: {closing("T-none")}
            catch:
              - errors: [UnknownActivity]
                steps:
                  - {{id: noted, set: {{refused: "${{ error.message }}"}}}}
        output:
          refused: ${{ vars.refused }}
        """,
    )
    result = await intruder.result()
    refused = result["output"]["refused"]
    assert refused.startswith("step 'close': 'bot: tasks.close' names one of the engine's own")
    assert await scheduled_activities(intruder) == 0
