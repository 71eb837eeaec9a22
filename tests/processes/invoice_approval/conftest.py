"""The shipped invoice-approval definition through the real worker, on the time-skipping
server, with the sandbox ERP served on 127.0.0.1 and driven by the bots in Chromium."""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import Engine
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from backoffice import database, registry, runtime
from backoffice.audit.steps import trail
from backoffice.catalog import build_catalog
from backoffice.engine.contracts import TASKS_QUERY, Decision, TaskView
from backoffice.engine.runs import Definitions, start_process
from backoffice.people.store import load_directory, read_directory_file
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, interpreter_bin_dir
from backoffice.tasks import actions
from backoffice.tasks.queries import task_detail
from backoffice.worker import build_workers
from bots.kit.browser import close_pool
from legacy import create_app, seed
from tests.bots.conftest import Legacy, bot_settings
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.payload_keys import CONVERTER
from tests.support.records import upgraded

ROOT = Path(__file__).resolve().parents[3]
TASK_WAIT = 60.0  # seconds: a task opens within a minute or the test fails


@dataclass
class Stack:
    env: WorkflowEnvironment
    erp: Legacy
    settings: Settings
    definitions: Definitions
    engine: Engine
    today: date  # on the time-skipping server's clock, which earlier tests moved on
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    async def start(self, data: dict[str, Any]) -> WorkflowHandle[Any, Any]:
        handle = await start_process(
            self.env.client,
            "invoice-approval",
            data,
            task_queue=self.settings.task_queue,
            definitions=self.definitions,
        )
        self.started.append(handle)
        return handle

    def invoice(self, number: str, **changes: Any) -> dict[str, Any]:
        return invoice(self.today, number, **changes)

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    async def task(self, handle: WorkflowHandle[Any, Any], step: str) -> TaskView:
        """The open task of a step (the last opening of it), once it is in the task table."""

        async def opened() -> TaskView | None:
            views = await handle.query(TASKS_QUERY, result_type=list[TaskView])
            mine = [v for v in views if v.step_id.rsplit("/", 1)[-1] == step and v.status == "open"]
            ready = mine and mine[-1].deciders is not None
            return mine[-1] if ready and task_detail(self.engine, mine[-1].task_id) else None

        return await eventually(opened, f"the task of step {step} to open", within=TASK_WAIT)

    async def archived(self, handle: WorkflowHandle[Any, Any]) -> None:
        """Until the run has archived its invoice (a posted one then waits to be paid)."""
        await eventually(
            lambda: any(s.action == "invoice.archive" for s in trail(self.engine, handle.id)),
            f"{handle.id} to archive its invoice",
            within=TASK_WAIT,
        )

    async def decide(
        self,
        handle: WorkflowHandle[Any, Any],
        step: str,
        user: str,
        outcome: str,
        comment: str | None = None,
    ) -> TaskView:
        view = await self.task(handle, step)
        decision = Decision(
            task_id=view.task_id, user=user, outcome=outcome, comment=comment, via="test"
        )
        return await actions.decide(self.env.client, self.engine, decision)


LAPTOPS = {"line": 1, "po_line": 1, "item": "LAPTOP-14", "qty": 10, "uom": "EA",
           "unit_price": "1245.00", "amount": "12450.00", "tax_code": "DE19"}  # fmt: skip


def invoice(today: date, number: str, **changes: Any) -> dict[str, Any]:
    """DOMAIN.md's invoice (10 laptops on PO-2025-01234), dated two days before ``today``
    so that an approval today is in time for the 2/10 discount."""
    data: dict[str, Any] = {
        "invoice_id": f"INV-IN-{number}",
        "company": "ACME-DE",
        "supplier_id": "SUP-00087",
        "supplier_invoice_no": f"AOS-{number}",
        "invoice_date": (today - timedelta(days=2)).isoformat(),
        "currency": "EUR",
        # Decimal text, as capture reads amounts off the document and JSON carries them.
        "net_amount": "12450.00",
        "tax_amount": "2365.50",
        "gross_amount": "14815.50",
        "payment_terms": "2/10 NET 30",
        "po_number": "PO-2025-01234",
        "cost_center": "CC-4100",
        "category": "GOODS",
        "entered_by": "bob",
        "lines": [LAPTOPS],
        "bank": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        "document_url": f"s3://ap-inbox/2025/06/AOS-{number}.pdf",
    }
    data.update(changes)
    return data


@asynccontextmanager
async def erp_and_worker(
    env: WorkflowEnvironment, tmp_path: Path, **extra: str
) -> AsyncIterator[tuple[Settings, Legacy, Definitions]]:
    """The sandbox ERP on 127.0.0.1, records with the shipped directory, the real worker."""
    data = tmp_path / "legacy"
    password = secrets.token_urlsafe(12)
    seed("erp", data, users={"bot-erp": password})
    async with AsyncExitStack() as exit_stack:
        server = EmbeddedServer(create_app("erp", data), "127.0.0.1", free_port(), name="erp")
        await server.start()
        exit_stack.push_async_callback(server.stop)
        erp = Legacy(f"http://127.0.0.1:{server.port}", password)
        settings = bot_settings(
            tmp_path / "state",
            {"erp": erp},
            BACKOFFICE_TASK_QUEUE=f"test-{uuid.uuid4().hex}",
            BACKOFFICE_SHUTDOWN_GRACE_SECONDS="5",
            BACKOFFICE_DEFINITIONS_DIR=str(ROOT / "definitions"),
            **extra,
        )
        runtime.use(settings)
        load_directory(upgraded(settings), read_directory_file(ROOT / "directory" / "people.yaml"))
        found = registry.discover()
        for worker in build_workers(env.client, settings, found):
            await exit_stack.enter_async_context(worker)
        exit_stack.push_async_callback(close_pool)
        yield settings, erp, Definitions(ROOT / "definitions", build_catalog(found))


@pytest_asyncio.fixture
async def own_time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: a run a failed test leaves behind (an
    activity in flight, timers of a dead queue) cannot stop the next test's clock."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(interpreter_bin_dir() / "temporal-test-server"),
        data_converter=CONVERTER,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture
async def stack(own_time_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    time_env = own_time_env
    async with erp_and_worker(time_env, tmp_path) as (settings, erp, definitions):
        today = (await time_env.get_current_time()).date()
        engine = database.engine(settings)
        stack = Stack(time_env, erp, settings, definitions, engine, today)
        yield stack
        # Runs a test left waiting are ended, so the shared server keeps skipping time. An
        # activity still running when its run is terminated leaves the time-skipping
        # server's clock stopped for good, so each run is ended between its activities.
        for handle in stack.started:
            await between_activities(handle)
            with contextlib.suppress(Exception):  # already ended
                await handle.terminate("test over")
            with contextlib.suppress(Exception):
                await handle.result()


async def between_activities(handle: WorkflowHandle[Any, Any]) -> None:
    """Until the run has no activity in flight, or has ended; at most TASK_WAIT, never failing:
    a run whose activity never ends is ended by the fixture all the same."""

    async def idle() -> bool:
        described = await handle.describe()
        running = described.status == WorkflowExecutionStatus.RUNNING
        return not running or not described.raw_description.pending_activities

    with contextlib.suppress(AssertionError):
        await eventually(idle, f"{handle.id} to be between activities", within=TASK_WAIT)
