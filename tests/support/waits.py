"""What tests wait for in a run: a task to open, the run to wait for something."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowHandle

from backoffice.engine.contracts import TASKS_QUERY, Progress, TaskView
from backoffice.engine.runs import progress
from tests.support.eventually import eventually


async def opened_task(
    handle: WorkflowHandle[Any, Any],
    *,
    other_than: str = "",
    decidable: bool = False,
    until: Callable[[TaskView], Awaitable[bool] | bool] | None = None,
) -> TaskView:
    """The run's first open task, as its task query shows it.

    ``other_than`` waits for a new task after that one; ``decidable`` for the opening
    activity's answer, which brings the deciders; ``until`` for whatever else a test needs
    first (its row recorded, its timer in history).
    """

    async def first_open() -> TaskView | None:
        tasks = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        if not tasks or tasks[0].task_id == other_than:
            return None
        task = tasks[0]
        if decidable and task.deciders is None:
            return None
        if until is not None:
            ready = until(task)
            if not isinstance(ready, bool):
                ready = await ready
            if not ready:
                return None
        return task

    return await eventually(first_open, f"a task of {handle.id} to open")


async def waiting_run(client: Client, workflow_id: str) -> Progress:
    """The run's progress once it waits (for an event, a task or a timer)."""

    async def waits() -> Progress | None:
        current = await progress(client, workflow_id)
        return current if current.status == "waiting" else None

    return await eventually(waits, f"{workflow_id} to wait")


async def listed(client: Client, query: str) -> list[str]:
    """The ids of the runs a visibility ``query`` finds, once it finds any (it lags)."""

    async def ids() -> list[str] | None:
        return [execution.id async for execution in client.list_workflows(query)] or None

    return await eventually(ids, f"runs matching {query}")
