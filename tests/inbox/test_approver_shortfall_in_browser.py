"""A four-eyes task too few people may approve says so on its page, and the reassigner who
gets the mail fixes it there by reassigning, in a real headless Chromium."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import expect
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from backoffice import database
from backoffice.links import task_url
from backoffice.tasks.store import NotificationRow
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.support.browser import chromium
from tests.support.eventually import eventually

TOLD = "needs 2 approvers, only 1 eligible: reassign or add an approver"


async def test_reassigner_sees_the_shortfall_and_a_reassignment_clears_it(site: Site) -> None:
    name = site.define(approvals=2)
    case = uuid.uuid4().hex[:8]
    # ap-clerks are alice and bob; bob entered the invoice, so only alice may approve.
    handle: WorkflowHandle[Any, Any] = await site.runner.start(
        name, {"case": case, "amount": 1234.5, "entered_by": "bob"}
    )
    title = f"Approve invoice {case}"
    task_id = f"{handle.id}/approve"
    engine = database.engine(site.settings)

    def mailed() -> list[str]:
        with Session(engine) as session:
            return [
                row.person_id
                for row in session.exec(
                    select(NotificationRow).where(NotificationRow.task_id == task_id)
                )
                if row.subject.startswith(f"[{name}] Needs 2 approvers")
            ]

    assert await eventually(lambda: mailed() or None, "the reassigners to be told") == ["dave"]
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "dave")
        await expect(page.get_by_text("Signed in as dave")).to_be_visible()
        # The link of the mail dave got: he may reassign the task, not decide it.
        await page.goto(task_url(site.url, task_id))
        await expect(page.get_by_role("heading", name=title)).to_be_visible()
        notice = page.get_by_test_id("approver-shortfall")
        await expect(notice).to_have_text(f"This task {TOLD}.")

        await page.get_by_label("Reassign to").select_option(["alice", "carol"])
        await page.get_by_role("button", name="Reassign").click()
        await expect(page.get_by_role("status")).to_contain_text("Reassigned to alice, carol")
        await page.reload()
        await expect(page.get_by_test_id("approver-shortfall")).to_have_count(0)
    await handle.cancel()
