"""The workforce pack's activities as definitions call them: one-step processes written
inline, run by the process workflow on a real worker and the dev server, with the records
on real SQLite at this version's schema (the migrations applied)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice import registry
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.packs import records_engine
from backoffice.worker import workflow_runner
from tests.support.processes import use_records, write_definition
from workflows.process import ProcessWorkflow

PACK_MODULE = "activities.workforce."


def workforce_registry() -> registry.Registry:
    """The workforce pack's activities, as the worker registers them."""
    everything = registry.discover()
    found = registry.Registry()
    for queue in everything.queues():
        for fn in everything.activities_for(queue):
            if fn.__module__.startswith(PACK_MODULE):
                found.add_activity(fn, queue)
    return found


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == Decimal(repr(float(value))) else str(value)
    raise TypeError(f"{value!r} is not JSON")


@dataclass
class Pack:
    client: Client
    directory: Path
    queue: str
    definitions: Definitions
    records: Engine

    def define(self, text: str) -> str:
        name = write_definition(self.directory, text)
        self.definitions = Definitions(self.directory, self.definitions.catalog)
        return name

    async def run(self, name: str, data: dict[str, Any]) -> Any:
        handle = await start_process(
            self.client, name, data, task_queue=self.queue, definitions=self.definitions
        )
        return await handle.result()

    async def call(self, activity: str, arguments: dict[str, Any]) -> Any:
        """The result of one call of ``activity`` with these arguments, as a step gets it.

        The arguments are the definition's variables, as a process owner's rule tables are,
        and each one goes to the call as ``${ vars.<name> }``.
        """
        name = f"call-{activity.replace('.', '-').replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        given = "\n".join(f"      {key}: ${{ vars.{key} }}" for key in arguments)
        self.define(
            f"""
name: {name}
version: 1
title: One call of {activity}
owner: tests
business_key: input.case
input:
  case: string
variables: {json.dumps(arguments, default=_json)}
steps:
  - id: act
    call: {activity}
    timeout: 30s
    retry: {{attempts: 2}}
    with:
{given}
output:
  result: ${{ steps.act }}
"""
        )
        result = await self.run(name, {"case": uuid.uuid4().hex[:10]})
        return result["output"]["result"]

    async def refusal(self, activity: str, arguments: dict[str, Any]) -> ApplicationError:
        """The error a call of ``activity`` fails its run with."""
        try:
            await self.call(activity, arguments)
        except WorkflowFailureError as failed:
            cause = failed.cause
            assert isinstance(cause, ApplicationError), cause
            return cause
        raise AssertionError(f"{activity} was not refused")


@pytest_asyncio.fixture
async def pack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Pack]:
    """A worker with the process workflow and the workforce activities, on the dev server."""
    found = workforce_registry()
    queue = f"test-{uuid.uuid4().hex}"
    use_records(tmp_path / "state")
    async with Worker(
        dev_env.client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        activities=found.activities_for(registry.DEFAULT_QUEUE),
        workflow_runner=workflow_runner(registry.discover()),
    ):
        yield Pack(
            dev_env.client,
            tmp_path,
            queue,
            Definitions(tmp_path, build_catalog(found)),
            records_engine(),
        )
