"""A renamed activity still answers, by its old name, the runs that call it.

``people.cost_center`` was ``people.cost_centre``, with a ``cost_centre`` field. A run
started before the rename has the old call in its snapshot: the worker must run it (a
retired name is not an internal one, which runs refuse) and answer with the fields the
run's later steps read. The run here starts as it did then, from a catalog that listed the
old name, on a worker with today's registrations.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.common.people import cost_center
from activities.common.people_renamed import cost_centre
from backoffice import registry
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions
from backoffice.worker import workflow_runner
from tests.support.processes import ProcessRunner, use_records
from workflows.process import ProcessWorkflow

DEFINITION = """
name: {name}
version: 1
title: Reads a cost center's owner
owner: tests
business_key: input.case
input:
  case: string
  cost_center: string
steps:
  - id: owner
    call: {call}
    with: {{{field}: "${{ input.cost_center }}"}}
output:
  owner: ${{ steps.owner }}
"""

ALICE = {
    "found": True,
    "owner": "alice",
    "owner_name": "Alice Martin",
    "owner_active": True,
    "owner_manager": "carol",
}
NOBODY = {
    "found": False,
    "owner": "",
    "owner_name": "",
    "owner_active": False,
    "owner_manager": "",
}


def catalog_before_the_rename() -> registry.Registry:
    # The old name as the catalog listed it then, beside the new one, so both files start.
    before = registry.Registry()
    before.add_activity(cost_centre)
    before.add_activity(cost_center)
    return before


async def owners(runner: ProcessRunner, name: str) -> list[Any]:
    found = []
    for case, center in (("known", "CC-4100"), ("unknown", "CC-9999")):
        result = await runner.run(name, {"case": case, "cost_center": center})
        assert result["status"] == "completed", result
        found.append(result["output"]["owner"])
    return found


async def test_a_run_calling_the_old_name_gets_the_old_answer_with_the_old_field_names(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    found = registry.discover()
    assert found.is_retired("people.cost_centre")
    use_records(tmp_path / "state")
    queue = f"test-{uuid.uuid4().hex}"
    async with Worker(
        time_env.client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        activities=found.activities_for(registry.DEFAULT_QUEUE),
        workflow_runner=workflow_runner(found),
    ):
        runner = ProcessRunner(time_env.client, tmp_path, queue)
        runner.definitions = Definitions(tmp_path, build_catalog(catalog_before_the_rename()))
        old = runner.define(
            DEFINITION.format(name="before-rename", call="people.cost_centre", field="cost_centre")
        )
        new = runner.define(
            DEFINITION.format(name="after-rename", call="people.cost_center", field="cost_center")
        )

        assert await owners(runner, old) == [
            {"cost_centre": "CC-4100", **ALICE},
            {"cost_centre": "CC-9999", **NOBODY},
        ]
        assert await owners(runner, new) == [
            {"cost_center": "CC-4100", **ALICE},
            {"cost_center": "CC-9999", **NOBODY},
        ]
