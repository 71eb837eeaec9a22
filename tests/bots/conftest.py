"""A sandbox ERP on 127.0.0.1, and a worker whose bots drive it in headless Chromium."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
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
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from bots.browser import close_pool
from bots.erp import (
    cancel_payment_proposals,
    create_payment_proposal,
    post_invoice,
    reverse_posting,
)
from legacy import create_app, seed
from tests.support.activities import test_registry
from tests.support.network import free_port
from tests.support.processes import ProcessRunner, process_worker

BOT_USER = "bot-ap01"
ERP_BOTS = [post_invoice, reverse_posting, create_payment_proposal, cancel_payment_proposals]


@dataclass
class Erp:
    url: str
    password: str
    settings: Settings
    runner: ProcessRunner

    async def faults(self, **changes: Any) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.put("/__admin/faults", json=changes)
            response.raise_for_status()

    async def count(self, kind: str, key: str) -> int:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get("/__admin/count", params={"kind": kind, "key": key})
            response.raise_for_status()
            value: int = response.json()["count"]
            return value


def bot_settings(state: Path, erp_url: str, password: str, **extra: str) -> Settings:
    return load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(state),
            "BACKOFFICE_SYSTEMS": json.dumps(
                {"erp": {"url": erp_url, "credential": "erp-bot", "concurrency": 2}}
            ),
            "BACKOFFICE_SECRET_ERP_BOT_USERNAME": BOT_USER,
            "BACKOFFICE_SECRET_ERP_BOT_PASSWORD": password,
            "BACKOFFICE_BOT_NAVIGATION_TIMEOUT_SECONDS": "4",
            "BACKOFFICE_BOT_ACTION_TIMEOUT_SECONDS": "4",
            "PATH": "/usr/bin:/bin",
            **extra,
        }
    )


@pytest_asyncio.fixture
async def erp(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Erp]:
    password = secrets.token_urlsafe(12)
    data = tmp_path / "legacy"
    seed("erp", data, users={BOT_USER: password})
    server = EmbeddedServer(
        create_app("erp", data, page_size=10), "127.0.0.1", free_port(), name="erp"
    )
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    queue = f"test-{uuid.uuid4().hex}"
    try:
        async with process_worker(dev_env.client, tmp_path, queue) as runner:
            settings = bot_settings(runtime.settings().state_dir, url, password)
            runtime.use(settings)
            found = test_registry()
            for bot in ERP_BOTS:
                found.add_activity(bot, "erp", bot=True)
            runner.definitions = Definitions(runner.directory, build_catalog(found))
            async with Worker(
                dev_env.client,
                task_queue=f"{queue}.erp",
                activities=ERP_BOTS,
                max_concurrent_activities=2,
            ):
                yield Erp(url, password, settings, runner)
            await close_pool()
    finally:
        await server.stop()
