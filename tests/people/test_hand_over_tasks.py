"""A leaver's open tasks handed over: an invoice approval waiting on bob goes to carol,
his manager, through the run's own reassignment; carol decides it in the inbox, the run
goes on, and bob's inbox no longer shows it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from playwright.async_api import expect
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.common.people import hand_over_tasks
from backoffice import database, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions
from backoffice.tasks.queries import open_tasks_for
from backoffice.tasks.store import TaskEventRow
from tests.inbox.conftest import Site, serve
from tests.inbox.test_inbox_in_browser import listed_task, sign_in
from tests.support import activities as test_activities
from tests.support.browser import chromium
from tests.support.processes import process_worker
from tests.support.waits import opened_task

APPROVAL = """
name: leaver-approval
version: 1
title: Invoice approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    title: Approve invoice ${ input.case }
    task:
      assignees: [{user: bob}]
      form: {outcomes: [approve, reject]}
      timeout: {after: 5bd, outcome: reject}
  - {id: book, call: test.note, with: {note: "${ steps.approve.outcome }"}}
output:
  outcome: ${ steps.approve.outcome }
  by: ${ steps.approve.decided_by }
"""

# The offboarding's own task for bob (his exit interview) stays with him: only other
# runs' tasks are handed over.
OFFBOARDING = """
name: leaver-offboarding
version: 1
title: Offboarding
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: leaving
    mode: first
    parallel:
      - id: own
        steps:
          - id: exit_interview
            task:
              assignees: [{user: bob}]
              form: {outcomes: [done]}
              timeout: {after: 5bd, outcome: done}
      - id: handing
        steps:
          - {id: settle, wait: 1s}
          - id: hand_over
            call: people.hand_over_tasks
            with: {person: bob, reason: "offboarding ${ input.case }"}
output:
  moved: ${ steps.hand_over.moved }
  to: ${ steps.hand_over.to }
"""


@pytest_asyncio.fixture
async def site(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Site]:
    """The inbox, and a worker that runs people.hand_over_tasks too."""
    async with process_worker(dev_env.client, tmp_path, extra=[hand_over_tasks]) as runner:
        known = test_activities.test_registry()
        known.add_activity(hand_over_tasks, errors=("PersonNotFound", "NoOneToHandOverTo"))
        runner.definitions = Definitions(tmp_path, build_catalog(known))
        server = await serve(runtime.settings(), runner)
        try:
            yield Site(runner, f"http://127.0.0.1:{server.port}", runtime.settings())
        finally:
            await server.stop()


def audit(task_id: str, name: str) -> list[TaskEventRow]:
    with Session(database.engine(runtime.settings())) as session:
        return list(
            session.exec(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == task_id, TaskEventRow.event == name)
                .order_by(col(TaskEventRow.id))
            )
        )


def open_ids(person: str) -> set[str]:
    return {row.id for row in open_tasks_for(database.engine(runtime.settings()), person)}


async def test_a_leavers_task_goes_to_his_manager_who_decides_it_in_the_inbox(
    site: Site,
) -> None:
    approval = site.runner.define(APPROVAL)
    offboarding = site.runner.define(OFFBOARDING)
    case = f"INV-{uuid.uuid4().hex[:8]}"
    handle: WorkflowHandle[Any, Any] = await site.runner.start(approval, {"case": case})
    task = await opened_task(handle, decidable=True)
    assert task.task_id in open_ids("bob")

    separation = f"HR-EMP-SEP-{uuid.uuid4().hex[:6]}"
    leaving = await site.runner.start(offboarding, {"case": separation})
    handed = (await leaving.result())["output"]
    assert handed["to"] == "carol"
    assert [moved["task_id"] for moved in handed["moved"]] == [task.task_id]
    (moved,) = handed["moved"]
    assert moved["process"] == approval
    assert moved["title"] == f"Approve invoice {case}"
    assert moved["run_id"] == (await handle.describe()).run_id

    # The run knows: carol may decide now, bob may not; the audit says why.
    (reassigned,) = audit(task.task_id, "reassigned")
    assert reassigned.actor == offboarding
    comment = json.loads(reassigned.detail_json)["comment"]
    assert comment == f"Bob Keller left (offboarding {separation}): tasks go to Carol Weber"
    assert task.task_id not in open_ids("bob")
    assert task.task_id in open_ids("carol")

    # Handing over again finds nothing more of bob's: nothing is moved twice.
    again = await site.runner.start(offboarding, {"case": separation + "-again"})
    assert (await again.result())["output"]["moved"] == []
    assert len(audit(task.task_id, "reassigned")) == 1

    title = f"Approve invoice {case}"
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "carol")
        await listed_task(page, site, title)
        await page.get_by_role("link", name=title).click()
        history = page.get_by_role("table", name="History")
        await expect(history).to_contain_text("Bob Keller left")
        await page.get_by_role("button", name="Approve").click()
        await expect(page.get_by_role("status")).to_contain_text("The process moves on")
    assert (await handle.result())["output"] == {"outcome": "approve", "by": ["carol"]}

    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "bob")
        await expect(page.get_by_text("Signed in as bob")).to_be_visible()
        await expect(page.get_by_role("link", name=title)).to_have_count(0)
