"""The sandbox legacy systems on 127.0.0.1, and workers whose bots drive them in Chromium."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice import runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions
from backoffice.interceptors import StepAuditInterceptor
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from bots.erp import master_data as erp_master_data
from bots.erp import postings as erp
from bots.hr import accounts as hr_accounts
from bots.hr import badges as hr_badges
from bots.hr import offcycle as hr_offcycle
from bots.hr import payroll as hr_payroll
from bots.kit.browser import close_pool
from bots.treasury import actions as treasury
from legacy import create_app, seed
from tests.bots import drift, refused_submit
from tests.support.activities import test_registry
from tests.support.network import free_port
from tests.support.processes import ProcessRunner, process_worker
from tests.support.records import records_environ

BOTS: dict[str, list[Callable[..., Any]]] = {
    "erp": [
        erp.post_invoice,
        erp.reverse_posting,
        erp.create_payment_proposal,
        erp.cancel_payment_proposals,
        erp_master_data.read_supplier,
        erp_master_data.read_purchase_order,
        refused_submit.post_refused_once,
    ],
    "hr": [
        hr_accounts.disable_account,
        hr_accounts.enable_account,
        hr_accounts.create_account,
        hr_accounts.account_status,
        hr_payroll.create_payroll_record,
        hr_payroll.inactivate_payroll_record,
        hr_offcycle.create_off_cycle_run,
        hr_offcycle.cancel_off_cycle_run,
        hr_badges.issue_badge,
        hr_badges.revoke_badge,
    ],
    "treasury": [treasury.respond_to_deal],
    # The same ERP, driven by a bot written for an older screen (selector drift).
    "erp-old": [drift.post_on_old_screen],
}
SERVED = ("erp", "hr", "treasury")


@dataclass
class Legacy:
    """One sandbox system as a test sees it."""

    url: str
    password: str

    async def faults(self, **changes: Any) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.put("/__admin/faults", json=changes)
            response.raise_for_status()

    async def count(self, kind: str, key: str, **filters: str) -> int:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get(
                "/__admin/count", params={"kind": kind, "key": key, **filters}
            )
            response.raise_for_status()
            value: int = response.json()["count"]
            return value

    async def set_order_status(self, po_number: str, status: str) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post(
                f"/__admin/purchase-orders/{po_number}/status", json={"status": status}
            )
            response.raise_for_status()

    async def reset(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            (await client.post("/__admin/reset")).raise_for_status()


@dataclass
class Sites:
    erp: Legacy
    hr: Legacy
    treasury: Legacy
    settings: Settings
    runner: ProcessRunner


def bot_settings(state: Path, sites: dict[str, Legacy], **extra: str) -> Settings:
    environ = {
        "BACKOFFICE_STATE_DIR": str(state),
        "BACKOFFICE_SYSTEMS": json.dumps(
            {
                # Paused systems are asked every second: a test's outage ends in seconds.
                name: {
                    "url": site.url,
                    "credential": f"{name}-bot",
                    "concurrency": 2,
                    "probe_seconds": 1,
                }
                for name, site in sites.items()
            }
        ),
        "BACKOFFICE_BOT_NAVIGATION_TIMEOUT_SECONDS": "4",
        "BACKOFFICE_BOT_ACTION_TIMEOUT_SECONDS": "4",
        "PATH": "/usr/bin:/bin",
        **records_environ(state),
        **extra,
    }
    for name, site in sites.items():
        login = "erp" if name == "erp-old" else name
        environ[f"BACKOFFICE_SECRET_{name.upper().replace('-', '_')}_BOT_USERNAME"] = f"bot-{login}"
        environ[f"BACKOFFICE_SECRET_{name.upper().replace('-', '_')}_BOT_PASSWORD"] = site.password
    return load_settings(environ)


@pytest_asyncio.fixture
async def sites(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Sites]:
    data = tmp_path / "legacy"
    queue = f"test-{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:
        started: dict[str, Legacy] = {}
        for name in SERVED:
            password = secrets.token_urlsafe(12)
            seed(name, data, users={f"bot-{name}": password})
            server = EmbeddedServer(create_app(name, data), "127.0.0.1", free_port(), name=name)
            await server.start()
            stack.push_async_callback(server.stop)
            started[name] = Legacy(f"http://127.0.0.1:{server.port}", password)
        runner = await stack.enter_async_context(process_worker(dev_env.client, tmp_path, queue))
        settings = bot_settings(
            runtime.settings().state_dir, {**started, "erp-old": started["erp"]}
        )
        runtime.use(settings)
        found = test_registry()
        for name, bots in BOTS.items():
            for bot in bots:
                found.add_activity(bot, name, bot=True)
            await stack.enter_async_context(
                Worker(
                    dev_env.client,
                    task_queue=f"{queue}.{name}",
                    activities=bots,
                    max_concurrent_activities=2,
                    interceptors=[StepAuditInterceptor()],
                )
            )
        stack.push_async_callback(close_pool)
        runner.definitions = Definitions(runner.directory, build_catalog(found))
        yield Sites(started["erp"], started["hr"], started["treasury"], settings, runner)
