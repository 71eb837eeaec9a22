"""A task whose block ran out of time, as its assignee finds it by the link of her mail."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import expect
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from backoffice import database, runtime
from backoffice.tasks.store import TaskRow
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.support.browser import chromium
from tests.support.eventually import eventually

# Two seconds on the real dev server: alice comes too late by construction.
CLOSE = """
name: close-too-late
version: 1
title: Close within a deadline
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: close
    timeout: 2s
    steps:
      - id: confirm_close
        title: Confirm the close of ${ input.case }
        task:
          assignees: [{user: alice}]
          form: {outcomes: [confirm]}
          timeout: {after: 10bd, outcome: expired}
    catch:
      - errors: [Timeout]
        steps:
          - {id: late, set: {late: true}}
variables: {late: false}
"""


def cancelled_task(workflow_id: str) -> TaskRow | None:
    with Session(database.engine(runtime.settings())) as session:
        rows = select(TaskRow).where(TaskRow.workflow_id == workflow_id)
        row = session.exec(rows.where(TaskRow.step_id == "confirm_close")).first()
    return row if row is not None and row.status == "cancelled" else None


@pytest.mark.xfail(
    strict=True,
    reason="the assignee of a cancelled task reads 'There is no task ... that you may see'",
)
async def test_the_assignee_of_a_task_past_its_deadline_reads_that_it_was_cancelled(
    site: Site,
) -> None:
    name = site.runner.define(CLOSE)
    handle: WorkflowHandle[Any, Any] = await site.runner.start(name, {"case": uuid.uuid4().hex[:8]})
    row = await eventually(lambda: cancelled_task(handle.id), "the task to close at the deadline")
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "alice")
        await page.goto(f"{site.url}/task/{quote(row.id, safe='')}")
        await expect(page.get_by_text("that you may see")).to_have_count(0)
        await expect(page.get_by_text("cancelled").first).to_be_visible()
