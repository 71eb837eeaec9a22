"""What a cancel waits for is bounded, and a clean-up that cannot be done keeps the cancel.

A block deadline cancels a child process, whose task must then be closed in the records.
When the records refuse that close, the child still ends cancelled (not failed), the
parent's step still fails with ``Timeout`` for its ``catch``, and the task left open is
closed by the worker's sweep of ended runs. The close of a cancelled task is given a total
limit, which the server enforces, so nothing waits on a close that keeps failing.

On the dev server: the time-skipping server moves its clock on while a cancel is still
being delivered or a close still waits for the worker (seen under load: the child's own
task timeout, or the run's ten-year limit, passing first), which says nothing of the engine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.tasks.activities import Recorded, TaskClosed, close_task
from backoffice.tasks.orphans import close_orphaned_tasks
from tests.engine.test_block_deadlines import CAUGHT, HEADER, case, define, task_rows
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner, process_worker
from workflows.cancelling import CANCEL_CLOSE_LIMIT

RESULT_WITHIN = 120  # seconds: far more than a run here takes, so a hang fails clearly

CHILD = """steps:
  - id: approve
    task:
      assignees: [{user: alice}]
      form: {outcomes: [ok]}
      timeout: {after: 10bd, outcome: ok}
"""


@activity.defn(name="tasks.close")
async def refusing_close(closed: TaskClosed) -> Recorded:
    """``tasks.close`` as records that refuse to close a cancelled task (others close)."""
    if closed.status == "cancelled":
        raise ApplicationError(
            "the records database refused the write",
            type="RecordsUnavailable",
            non_retryable=True,
        )
    return await close_task(closed)


async def child_past_deadline(runner: ProcessRunner) -> tuple[dict[str, Any], str]:
    """Run a parent whose child process outlives its step's deadline, once its task is
    open; the parent's output and the child's workflow id."""
    child = runner.define("name: slow-child\n" + HEADER + CHILD)
    name = define(
        runner,
        "child-within",
        f"""
  - id: child
    timeout: 10s
    process: {child}
    input: {{case: "${{ input.case }}-child"}}
"""
        + CAUGHT,
    )
    case_id = case()
    child_id = f"{child}/{case_id}-child"
    handle = await runner.start(name, {"case": case_id})
    await eventually(lambda: task_rows(child_id) != [], "the child's task opened", within=30)
    result = await asyncio.wait_for(handle.result(), RESULT_WITHIN)
    return result["output"], child_id


async def close_limits(runner: ProcessRunner, workflow_id: str) -> list[float]:
    """The total limit, in seconds, of each ``tasks.close`` the run scheduled."""
    limits = []
    async for event in runner.client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name == "tasks.close":
                limits.append(scheduled.schedule_to_close_timeout.ToTimedelta().total_seconds())
    return limits


async def test_a_cancelled_task_is_closed_within_a_bound(runner: ProcessRunner) -> None:
    output, child_id = await child_past_deadline(runner)
    assert output["error_type"] == "Timeout"
    child_run = runner.client.get_workflow_handle(child_id)
    assert (await child_run.describe()).status == WorkflowExecutionStatus.CANCELED
    assert [row.status for row in task_rows(child_id)] == ["cancelled"]
    assert await close_limits(runner, child_id) == [CANCEL_CLOSE_LIMIT.total_seconds()]


async def test_a_cancelled_child_whose_task_cannot_be_closed_ends_cancelled(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with process_worker(dev_env.client, tmp_path, close=refusing_close) as runner:
        output, child_id = await child_past_deadline(runner)
        assert output["error_type"] == "Timeout"
        child_run = runner.client.get_workflow_handle(child_id)
        assert (await child_run.describe()).status == WorkflowExecutionStatus.CANCELED
        # The close was given up: the task is still open, until the sweep closes it.
        assert [row.status for row in task_rows(child_id)] == ["open"]
        engine = database.engine(runtime.settings())
        assert await close_orphaned_tasks(runner.client, engine) == 1
        assert [row.status for row in task_rows(child_id)] == ["cancelled"]
