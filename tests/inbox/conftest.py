"""The inbox served on 127.0.0.1 in front of a real worker and the dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from backoffice import runtime
from backoffice.inbox import create_app
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from tests.support.network import free_port
from tests.support.processes import ProcessRunner, process_worker
from tests.support.records import records_environ

PASSWORD = "backoffice-demo"  # the demo password of directory/people.yaml
PROXY_SECRET = "the-sign-on-proxy-shows-this-secret"  # what the test's sign-on proxy sends

APPROVAL = """
name: inbox-approval
version: 1
title: Invoice approval
owner: tests
business_key: input.case
input:
  case: string
  amount: number
  entered_by: string
steps:
  - id: approve
    title: Approve invoice ${ input.case }
    task:
      description: Check the amount against the purchase order.
      assignees: [{group: ap-clerks}]
      exclude: ["${ input.entered_by }"]
      approvals: APPROVALS
      reassigners: [{group: ap-managers}]
      context:
        supplier: Acme Office Supplies
        amount: ${ input.amount }
        lines: [{line: 1, item: LAPTOP-14, price_variance: 384.95}]
      form:
        fields:
          - {id: comment, label: Comment}
          - {id: cost_center, label: Cost center, type: choice, options: [CC-4100, CC-4200]}
          - {id: checked_qty, label: Quantity checked, type: integer}
        outcomes: [approve, {id: reject, requires: [comment]}]
      due: 2bd
      timeout: {after: 5bd, outcome: expired}
  - id: book
    title: Book the invoice
    call: test.note
    with: {note: "${ steps.approve.outcome }"}
output:
  outcome: ${ steps.approve.outcome }
  by: ${ steps.approve.decided_by }
  fields: ${ steps.approve.fields }
"""


@dataclass
class Site:
    runner: ProcessRunner
    url: str
    settings: Settings

    def define(self, approvals: int = 1) -> str:
        return self.runner.define(APPROVAL.replace("APPROVALS", str(approvals)))


async def serve(settings: Settings, runner: ProcessRunner) -> EmbeddedServer:
    server = EmbeddedServer(create_app(settings, runner.client), "127.0.0.1", free_port())
    await server.start()
    return server


@pytest_asyncio.fixture
async def site(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Site]:
    async with process_worker(dev_env.client, tmp_path) as runner:
        settings = runtime.settings()
        server = await serve(settings, runner)
        try:
            yield Site(runner, f"http://127.0.0.1:{server.port}", settings)
        finally:
            await server.stop()


@pytest_asyncio.fixture
async def sso_site(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """An inbox in single-sign-on mode, with the trusted proxies a test chooses."""
    servers: list[EmbeddedServer] = []
    async with process_worker(dev_env.client, tmp_path) as runner:

        async def start(proxies: str) -> Site:
            settings = load_settings(
                {
                    "BACKOFFICE_STATE_DIR": str(runtime.settings().state_dir),
                    "BACKOFFICE_INBOX_AUTH": "header",
                    "BACKOFFICE_INBOX_TRUSTED_PROXIES": proxies,
                    "BACKOFFICE_SECRET_INBOX_PROXY_SECRET": PROXY_SECRET,
                    "PATH": "/usr/bin:/bin",
                    **records_environ(runtime.settings().state_dir),
                }
            )
            server = await serve(settings, runner)
            servers.append(server)
            return Site(runner, f"http://127.0.0.1:{server.port}", settings)

        try:
            yield start
        finally:
            for server in servers:
                await server.stop()
