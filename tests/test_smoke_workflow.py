"""The smoke workflow runs end to end through the worker built from the registry."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from backoffice import registry
from backoffice.engine.smoke import WORKFLOW_TYPE, SmokeRequest, SmokeResult
from backoffice.settings import Settings
from backoffice.worker import build_workers, run_workers, task_queue_name
from workflows.smoke import SmokeWorkflow


def test_discovery_registers_the_smoke_workflow_and_activity_on_the_default_queue() -> None:
    found = registry.discover()
    assert SmokeWorkflow in found.workflows_for(registry.DEFAULT_QUEUE)
    names = [fn.__name__ for fn in found.activities_for(registry.DEFAULT_QUEUE)]
    assert "greet" in names


def test_default_queue_is_the_configured_one_and_others_are_suffixed(settings: Settings) -> None:
    assert task_queue_name(settings, registry.DEFAULT_QUEUE) == settings.task_queue
    assert task_queue_name(settings, "erp") == f"{settings.task_queue}.erp"


async def test_smoke_workflow_completes_on_the_dev_server(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers(dev_env.client, settings, stop))
    try:
        result = await dev_env.client.execute_workflow(
            WORKFLOW_TYPE,
            SmokeRequest(name="Maria"),
            id=f"smoke/{uuid.uuid4().hex}",
            task_queue=settings.task_queue,
            result_type=SmokeResult,
        )
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    assert result.greeting == "Hello, Maria!"


async def test_smoke_workflow_completes_on_the_time_skipping_server(
    time_env: WorkflowEnvironment, settings: Settings
) -> None:
    workers = build_workers(time_env.client, settings)
    # The main queue, and one queue per legacy system for its bots.
    queues = [worker.task_queue for worker in workers]
    assert queues[0] == settings.task_queue
    assert sorted(queues[1:]) == [f"{settings.task_queue}.{s}" for s in ("erp", "hr", "treasury")]
    async with workers[0]:
        handle = await time_env.client.start_workflow(
            SmokeWorkflow.run,
            SmokeRequest(),
            id=f"smoke/{uuid.uuid4().hex}",
            task_queue=settings.task_queue,
        )
        result = await handle.result()
        described = await handle.describe()
    assert result.greeting == "Hello, back office!"
    assert described.status == WorkflowExecutionStatus.COMPLETED


async def test_running_a_workflow_does_not_replace_registered_classes_with_sandbox_copies(
    time_env: WorkflowEnvironment, settings: Settings
) -> None:
    async with build_workers(time_env.client, settings)[0]:
        await time_env.client.execute_workflow(
            SmokeWorkflow.run,
            SmokeRequest(),
            id=f"smoke/{uuid.uuid4().hex}",
            task_queue=settings.task_queue,
        )
    registered = registry.discover().workflows_for(registry.DEFAULT_QUEUE)
    assert SmokeWorkflow in registered
    assert all(cls.__module__ in ("workflows.smoke", "workflows.process") for cls in registered)
    assert len(registered) == len({cls.__qualname__ for cls in registered})
