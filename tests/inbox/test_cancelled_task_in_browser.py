"""A task closed without a decision, as its assignee finds it by the link of her mail:
read-only, saying what happened and when; still hidden from people who never had it."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

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
        note = page.get_by_test_id("closed-note")
        await expect(note).to_contain_text(f"Task {row.id} was cancelled on ")
        await expect(note).to_contain_text("the process no longer waits for this decision")
        await expect(note).to_contain_text("nothing can be decided on it any more")
        # Read-only: no decision form, no outcome to press.
        await expect(page.get_by_role("heading", name="Decide", exact=True)).to_have_count(0)
        await expect(page.get_by_role("button", name="confirm")).to_have_count(0)


async def test_nobody_who_never_had_a_cancelled_task_reads_it(site: Site) -> None:
    name = site.runner.define(CLOSE.replace("close-too-late", "close-too-late-others", 1))
    handle: WorkflowHandle[Any, Any] = await site.runner.start(name, {"case": uuid.uuid4().hex[:8]})
    row = await eventually(lambda: cancelled_task(handle.id), "the task to close at the deadline")
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "bob")
        await page.goto(f"{site.url}/task/{quote(row.id, safe='')}")
        await expect(page.get_by_text("that you may see")).to_be_visible()
        await expect(page.get_by_test_id("closed-note")).to_have_count(0)


RUNS_OUT = """
name: close-runs-out
version: 1
title: Close before the task's own deadline
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: confirm_close
    title: Confirm the close of <b>${ input.case }</b>
    task:
      assignees: [{user: alice}]
      form: {outcomes: [confirm]}
      timeout: {after: 2s, outcome: expired}
"""


async def test_the_assignee_of_a_timed_out_task_reads_when_it_ran_out(site: Site) -> None:
    name = site.runner.define(RUNS_OUT)
    handle: WorkflowHandle[Any, Any] = await site.runner.start(name, {"case": uuid.uuid4().hex[:8]})

    def timed_out() -> TaskRow | None:
        with Session(database.engine(runtime.settings())) as session:
            row = session.get(TaskRow, f"{handle.id}/confirm_close")
        return row if row is not None and row.status == "timed_out" else None

    row = await eventually(timed_out, "the task to time out")
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "alice")
        await page.goto(f"{site.url}/task/{quote(row.id, safe='')}")
        note = page.get_by_test_id("closed-note")
        await expect(note).to_contain_text(f"Task {row.id} timed out on ")
        await expect(note).to_contain_text("with the outcome 'expired'")
        # The title a definition wrote is shown as text, never as markup.
        await expect(page.get_by_role("heading", level=1)).to_contain_text("<b>")
        await expect(page.get_by_role("heading", name="Decide", exact=True)).to_have_count(0)
