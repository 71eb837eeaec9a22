"""What a cancel waits for is bounded, and a clean-up that cannot be done keeps the cancel.

A block deadline cancels a child process, whose task must then be closed in the records.
When the records refuse that close, the child still ends cancelled (not failed), the
parent's step still fails with ``Timeout`` for its ``catch``, and the task left open is
closed by the worker's sweep of ended runs. A close that keeps failing is retried only
within its bound, so nothing waits on it for ever. On the time-skipping server, where the
deadlines pass at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.tasks.activities import Recorded, TaskClosed, close_task
from backoffice.tasks.orphans import close_orphaned_tasks
from tests.engine.test_block_deadlines import CAUGHT, HEADER, case, define, task_rows
from tests.support.processes import ProcessRunner, process_worker

# Bounds for the waits below: far more than any run here takes, so a hang fails clearly.
RESULT_WITHIN = 120

CHILD = """steps:
  - id: approve
    task:
      assignees: [{user: alice}]
      form: {outcomes: [ok]}
      timeout: {after: 10bd, outcome: ok}
"""


def refusing_close(retryable: bool) -> object:
    """``tasks.close`` as records that refuse to close a cancelled task (others close)."""

    @activity.defn(name="tasks.close")
    async def close(closed: TaskClosed) -> Recorded:
        if closed.status == "cancelled":
            raise ApplicationError(
                "the records database refused the write",
                type="RecordsUnavailable",
                non_retryable=not retryable,
            )
        return await close_task(closed)

    return close


async def run_child_past_deadline(runner: ProcessRunner) -> tuple[dict[str, object], str]:
    child = runner.define("name: slow-child\n" + HEADER + CHILD)
    name = define(
        runner,
        "child-within",
        f"""
  - id: child
    timeout: 2bd
    process: {child}
    input: {{case: "${{ input.case }}-child"}}
"""
        + CAUGHT,
    )
    case_id = case()
    handle = await runner.start(name, {"case": case_id})
    result = await asyncio.wait_for(handle.result(), RESULT_WITHIN)
    return result["output"], f"{child}/{case_id}-child"


async def test_a_child_process_past_its_deadline_is_cancelled_on_the_test_server(
    skipping_runner: ProcessRunner,
) -> None:
    output, child_id = await run_child_past_deadline(skipping_runner)
    assert (output["error_type"], output["days"]) == ("Timeout", 2)
    child_run = skipping_runner.client.get_workflow_handle(child_id)
    assert (await child_run.describe()).status == WorkflowExecutionStatus.CANCELED
    assert [row.status for row in task_rows(child_id)] == ["cancelled"]


@pytest.mark.parametrize("retryable", [False, True], ids=["refused", "keeps-failing"])
async def test_a_cancelled_child_whose_task_cannot_be_closed_ends_cancelled(
    time_env: WorkflowEnvironment, tmp_path: Path, retryable: bool
) -> None:
    async with process_worker(time_env.client, tmp_path, close=refusing_close(retryable)) as runner:
        output, child_id = await run_child_past_deadline(runner)
        assert output["error_type"] == "Timeout"
        child_run = runner.client.get_workflow_handle(child_id)
        assert (await child_run.describe()).status == WorkflowExecutionStatus.CANCELED
        # The close was given up: the task is still open, until the sweep closes it.
        assert [row.status for row in task_rows(child_id)] == ["open"]
        engine = database.engine(runtime.settings())
        assert await close_orphaned_tasks(runner.client, engine) == 1
        assert [row.status for row in task_rows(child_id)] == ["cancelled"]


async def test_a_switch_case_past_its_deadline_is_cancelled_on_the_test_server(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(
        skipping_runner,
        "switch-within",
        """
  - id: route
    timeout: 1bd
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
    handle = await skipping_runner.start(name, {"case": case()})
    output = (await asyncio.wait_for(handle.result(), RESULT_WITHIN))["output"]
    assert (output["error_type"], output["days"]) == ("Timeout", 1)
    assert [row.status for row in task_rows(handle.id)] == ["cancelled"]
