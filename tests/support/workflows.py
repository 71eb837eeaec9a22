"""Small workflows and activities that tests register on their own task queues."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import structlog
    from pydantic import BaseModel

    from tests.support.eventually import eventually


class Step(BaseModel):
    activity: str
    note: str = ""


@activity.defn(name="test.log_through_structlog")
async def log_through_structlog(step: Step) -> str:
    structlog.get_logger("tests.activity").info("logged through structlog", note=step.note)
    return "logged"


# Set when finish_during_shutdown starts, so a test can shut the worker down mid-activity.
activity_started = asyncio.Event()


@activity.defn(name="test.finish_during_shutdown")
async def finish_during_shutdown(step: Step) -> str:
    """Wait (bounded) until the worker starts shutting down, then finish normally."""
    activity_started.set()

    def shutting_down() -> bool:
        activity.heartbeat()
        return activity.is_worker_shutdown()

    with contextlib.suppress(AssertionError):  # the test says so: it expects the first
        await eventually(shutting_down, "the worker to shut down", within=10)
        return "finished during shutdown"
    return "worker never shut down"


@workflow.defn(name="test-one-step")
class OneStep:
    @workflow.run
    async def run(self, step: Step) -> str:
        result: str = await workflow.execute_activity(
            step.activity,
            step,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=20),
            result_type=str,
        )
        return result
