"""Helpers to run definitions written inline in tests through the real interpreter."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from backoffice import registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.events.activities import subscribe_to_event
from backoffice.people.store import load_directory, read_directory_file
from backoffice.settings import load_settings
from backoffice.tasks.activities import (
    claim_task,
    close_task,
    escalate_task,
    open_task,
    remind_task,
)
from backoffice.tasks.change_activities import (
    delegate_task,
    reassign_task,
    record_decision,
    reschedule_task,
)
from backoffice.tasks.notices import send_notice, void_task
from backoffice.worker import workflow_runner
from tests.support.activities import ACTIVITIES, test_registry
from tests.support.records import records_environ, upgraded
from workflows.process import ProcessWorkflow

PEOPLE = Path(__file__).resolve().parents[2] / "directory" / "people.yaml"


def write_definition(directory: Path, text: str) -> str:
    """Write a definition (its file named after it); return its name."""
    body = textwrap.dedent(text).strip() + "\n"
    name = body.split("name:", 1)[1].split("\n", 1)[0].strip()
    (directory / f"{name.replace('-', '_')}.yaml").write_text(body, encoding="utf-8")
    return name


class ProcessRunner:
    def __init__(self, client: Client, directory: Path, task_queue: str) -> None:
        self.client = client
        self.directory = directory
        self.task_queue = task_queue
        self.definitions = Definitions(directory, build_catalog(test_registry()))

    def define(self, text: str) -> str:
        name = write_definition(self.directory, text)
        self.definitions = Definitions(self.directory, self.definitions.catalog)
        return name

    async def start(self, name: str, data: Any, **options: Any) -> WorkflowHandle[Any, Any]:
        return await start_process(
            self.client,
            name,
            data,
            task_queue=self.task_queue,
            definitions=self.definitions,
            **options,
        )

    async def run(self, name: str, data: Any, **options: Any) -> Any:
        handle = await self.start(name, data, **options)
        return await handle.result()


@asynccontextmanager
async def process_worker(
    client: Client,
    directory: Path,
    task_queue: str | None = None,
    close: Callable[..., Any] = close_task,
    extra: Sequence[Callable[..., Any]] = (),
) -> AsyncIterator[ProcessRunner]:
    """A worker with the process workflow and the engine's and tests' activities;
    ``close`` stands in for ``tasks.close`` (a records database that refuses, say);
    ``extra`` are more activities the worker runs (definitions still need them in the
    runner's catalog)."""
    queue = task_queue or f"test-{uuid.uuid4().hex}"
    use_records(directory / "state")
    async with Worker(
        client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        activities=[
            *ACTIVITIES,
            open_task,
            close,
            remind_task,
            escalate_task,
            claim_task,
            record_decision,
            delegate_task,
            reassign_task,
            reschedule_task,
            send_notice,
            void_task,
            subscribe_to_event,
            *extra,
        ],
        workflow_runner=workflow_runner(registry.discover()),
    ):
        yield ProcessRunner(client, directory, queue)


def use_records(state_dir: Path) -> None:
    """Point activities at a records database in ``state_dir``, with the shipped directory."""
    environ = {"BACKOFFICE_STATE_DIR": str(state_dir), "PATH": "/usr/bin:/bin"}
    settings = load_settings({**environ, **records_environ(state_dir)})
    runtime.use(settings)
    load_directory(upgraded(settings), read_directory_file(PEOPLE))
