"""One log pipeline: JSON lines with Temporal context, secrets masked, no replay duplicates."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from typing import Any

import structlog
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from backoffice import registry
from backoffice.engine.smoke import WORKFLOW_TYPE, SmokeRequest, SmokeResult
from backoffice.interceptors import LogContextInterceptor
from backoffice.logs import configure_logging
from backoffice.settings import Settings
from backoffice.worker import run_workers
from tests.support.payload_keys import CONVERTER
from tests.support.workflows import OneStep, Step, log_through_structlog
from workflows.smoke import SmokeWorkflow


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_stdlib_and_structlog_lines_are_json_with_level_logger_and_time() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    logging.getLogger("some.library").warning("disk %s", "full")
    structlog.get_logger("backoffice.test").info("started", queue="q1")
    first, second = lines(stream)
    assert first["event"] == "disk full"
    assert first["level"] == "warning"
    assert first["logger"] == "some.library"
    assert second == second | {"event": "started", "queue": "q1", "level": "info"}
    assert "timestamp" in second


def test_level_filter_drops_debug_lines() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    structlog.get_logger("x").debug("hidden")
    logging.getLogger("y").debug("hidden too")
    assert lines(stream) == []


def test_secret_looking_keys_are_masked() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    structlog.get_logger("bot").info("login", user="ap-bot", password="hunter2", api_key="k-123")
    (line,) = lines(stream)
    assert line["user"] == "ap-bot"
    assert line["password"] == "***"
    assert line["api_key"] == "***"
    assert "hunter2" not in stream.getvalue()


async def test_activity_lines_carry_workflow_run_activity_type_and_attempt(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers(dev_env.client, settings, stop))
    workflow_id = f"smoke/{uuid.uuid4().hex}"
    try:
        handle = await dev_env.client.start_workflow(
            WORKFLOW_TYPE,
            SmokeRequest(name="Ops"),
            id=workflow_id,
            task_queue=settings.task_queue,
            result_type=SmokeResult,
        )
        await handle.result()
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    by_event = {line["event"]: line for line in lines(stream)}
    activity_line = by_event["greeting Ops"]
    assert activity_line["workflow_id"] == workflow_id
    assert activity_line["run_id"] == handle.result_run_id
    assert activity_line["activity_type"] == "smoke.greet"
    assert activity_line["attempt"] == 1
    workflow_line = by_event["smoke check done"]
    assert workflow_line["workflow_id"] == workflow_id
    assert workflow_line["workflow_type"] == WORKFLOW_TYPE


async def test_structlog_calls_inside_activities_carry_the_same_context(
    dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    workflow_id = f"test/{uuid.uuid4().hex}"
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[OneStep],
        activities=[log_through_structlog],
        interceptors=[LogContextInterceptor()],
    ):
        await dev_env.client.execute_workflow(
            OneStep.run,
            Step(activity="test.log_through_structlog", note="n1"),
            id=workflow_id,
            task_queue=task_queue,
        )
    (line,) = [entry for entry in lines(stream) if entry["event"] == "logged through structlog"]
    assert line["workflow_id"] == workflow_id
    assert line["activity_type"] == "test.log_through_structlog"
    assert line["attempt"] == 1
    assert line["note"] == "n1"
    assert line["run_id"]


async def test_replaying_a_history_logs_nothing_from_workflow_code(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(run_workers(dev_env.client, settings, stop))
    try:
        handle = await dev_env.client.start_workflow(
            SmokeWorkflow.run,
            SmokeRequest(name="Replay"),
            id=f"smoke/{uuid.uuid4().hex}",
            task_queue=settings.task_queue,
        )
        await handle.result()
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    history = await handle.fetch_history()

    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    replayer = Replayer(
        workflows=registry.discover().workflows_for(registry.DEFAULT_QUEUE),
        data_converter=CONVERTER,
    )
    await replayer.replay_workflow(history)
    assert "smoke check done" not in stream.getvalue()
