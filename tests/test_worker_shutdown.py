"""On SIGINT/SIGTERM the worker stops polling and lets activities in flight finish."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from backoffice import registry
from backoffice.registry import Registry
from backoffice.settings import Settings
from backoffice.worker import prepare_records, run_workers
from bots.kit import browser
from tests.support.workflows import OneStep, Step, activity_started, finish_during_shutdown


async def test_activity_in_flight_finishes_during_the_grace_period(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    found = Registry()
    found.add_workflow(OneStep)
    found.add_activity(finish_during_shutdown)
    prepare_records(settings)  # as the worker's start does: its step audit writes there
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers(dev_env.client, settings, stop, found))
    handle = await dev_env.client.start_workflow(
        OneStep.run,
        Step(activity="test.finish_during_shutdown"),
        id=f"test/{uuid.uuid4().hex}",
        task_queue=settings.task_queue,
    )
    # Shut down only once the activity runs, so the shutdown meets it in flight.
    await asyncio.wait_for(activity_started.wait(), timeout=30)
    stop.set()
    await asyncio.wait_for(running, timeout=30)

    history = await handle.fetch_history()
    completed = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    ]
    assert len(completed) == 1, "the activity should complete, not be cancelled or time out"

    # A new worker picks the workflow up where the old one left it.
    again = asyncio.Event()
    resumed = asyncio.create_task(run_workers(dev_env.client, settings, again, found))
    try:
        assert await asyncio.wait_for(handle.result(), timeout=30) == "finished during shutdown"
    finally:
        again.set()
        await asyncio.wait_for(resumed, timeout=30)


async def test_shutdown_hooks_run_once_the_workers_have_stopped(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    found = Registry()
    found.add_workflow(OneStep)
    ran: list[str] = []

    async def hook() -> None:
        ran.append("closed")

    registry.at_worker_shutdown(hook)
    try:
        stop = asyncio.Event()
        running = asyncio.create_task(run_workers(dev_env.client, settings, stop, found))
        await asyncio.sleep(0)  # the workers start polling before they are told to stop
        assert ran == []
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    finally:
        registry._SHUTDOWN_HOOKS.remove(hook)
    assert ran == ["closed"]


def test_the_bot_framework_closes_its_browsers_when_the_worker_stops() -> None:
    assert browser.close_pool in registry._SHUTDOWN_HOOKS
