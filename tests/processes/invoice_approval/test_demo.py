"""``backoffice demo`` in a running stack: the dev server, the real worker, the sandbox ERP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.payables.demo import PROCESS
from activities.payables.demo_batch import batch
from backoffice import search_attributes
from backoffice.cli.demo import run_demo
from backoffice.engine.contracts import TASKS_QUERY, TaskView
from backoffice.engine.runs import RunError
from backoffice.settings import Settings
from tests.bots.conftest import Legacy
from tests.processes.invoice_approval.conftest import erp_and_worker
from tests.support.eventually import eventually
from tests.support.network import free_port

WAIT = 120.0  # seconds: twelve invoices through one worker


@pytest_asyncio.fixture
async def running(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[Settings, Legacy]]:
    async with erp_and_worker(dev_env, tmp_path) as (settings, erp, _):
        yield settings, erp
        for execution in [e async for e in dev_env.client.list_workflows(
            f"TaskQueue = '{settings.task_queue}' AND ExecutionStatus = 'Running'"
        )]:  # fmt: skip
            with contextlib.suppress(Exception):
                await dev_env.client.get_workflow_handle(execution.id).terminate("test over")


async def open_task(env: WorkflowEnvironment, workflow_id: str) -> TaskView:
    handle = env.client.get_workflow_handle(workflow_id)

    async def opened() -> TaskView | None:
        views = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        return views[-1] if views and views[-1].deciders is not None else None

    return await eventually(opened, f"{workflow_id} to open a task", within=WAIT)


async def test_a_demo_batch_shows_every_path_and_posts_each_touchless_invoice_once(
    dev_env: WorkflowEnvironment, running: tuple[Settings, Legacy]
) -> None:
    settings, erp = running
    await run_demo(settings, dev_env.client, "DT1")
    demo = batch("DT1", date.today())
    run = {n: f"{PROCESS}/{inv.data['invoice_id']}" for n, inv in enumerate(demo, start=1)}
    # Who each waiting invoice waits on, as ops see it in the Temporal UI.
    expected = {3: ("price_review", "erin"), 6: ("exception_review", "alice"),
                7: ("approve_owner", "alice"), 8: ("approve_owner", "alice"),
                9: ("approve_owner", "alice"), 10: ("fraud_hold", "dave"),
                12: ("duplicate_review", "alice")}  # fmt: skip
    for number, (step, person) in expected.items():
        task = await open_task(dev_env, run[number])
        assert (task.step_id, set(task.deciders or {})) == (step, {person}), number

    async def waiting_on_alice() -> bool:
        described = await dev_env.client.get_workflow_handle(run[7]).describe()
        waiting_on = described.typed_search_attributes.get(search_attributes.WAITING_ON)
        return waiting_on is not None and "alice" in waiting_on

    await eventually(waiting_on_alice, f"{run[7]} to show it waits on alice", within=WAIT)
    # The exact duplicate ended at once; the three matched invoices are posted, once each.
    duplicate = await dev_env.client.get_workflow_handle(run[11]).result()
    assert (duplicate["status"], duplicate["reason"]) == ("finished", "DUPLICATE")
    references = {i: inv.data["supplier_invoice_no"] for i, inv in enumerate(demo, start=1)}
    for number in (1, 2, 4):
        reference = references[number]

        async def posted(reference: str = reference) -> bool:
            return await erp.count("invoice", reference) == 1

        await eventually(posted, f"invoice {number} to be posted in the ERP", within=WAIT)
        assert await erp.count("invoice", reference) == 1, number  # once, and still once
    for number in (3, 5, 6, 7, 8, 9, 10, 12):
        assert await erp.count("invoice", references[number]) == 0, number
    described = await dev_env.client.get_workflow_handle(run[5]).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING  # waiting for the goods


async def test_a_stopped_or_missing_erp_is_named_and_nothing_is_started(
    dev_env: WorkflowEnvironment, running: tuple[Settings, Legacy]
) -> None:
    settings, _ = running
    down = settings.model_copy(
        update={"systems": {"erp": settings.systems["erp"].model_copy(
            update={"url": f"http://127.0.0.1:{free_port()}"}
        )}}
    )  # fmt: skip
    with pytest.raises(RunError, match=r"cannot reach the sandbox ERP at http://127\.0\.0\.1:"):
        await run_demo(down, dev_env.client, "DT2")
    no_erp = settings.model_copy(update={"systems": {}})
    with pytest.raises(RunError, match="the demo needs the sandbox system 'erp'"):
        await run_demo(no_erp, dev_env.client, "DT3")

    started = [e async for e in dev_env.client.list_workflows(
        f"TaskQueue = '{settings.task_queue}'"
    )]  # fmt: skip
    assert started == []
