"""An approver works through the inbox in a real headless Chromium, and the process moves on."""

from __future__ import annotations

import json
import uuid
from typing import Any

from playwright.async_api import Page, expect
from temporalio.client import WorkflowHandle

from backoffice import database
from backoffice.tasks.queries import task_detail
from tests.inbox.conftest import PASSWORD, Site
from tests.support.browser import chromium
from tests.support.eventually import eventually


async def sign_in(page: Page, site: Site, user: str, password: str = PASSWORD) -> None:
    await page.goto(f"{site.url}/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("User name").fill(user)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def listed_task(page: Page, site: Site, title: str) -> None:
    """Reload the list until the task shows (its opening activity may still be running)."""

    async def shown() -> bool:
        if await page.get_by_role("link", name=title).count():
            return True
        await page.goto(f"{site.url}/")
        return False

    await eventually(shown, f"{title} to appear in the inbox", every=0.1)


async def test_approver_signs_in_sees_the_task_decides_and_the_process_moves_on(
    site: Site,
) -> None:
    name = site.define()
    case = uuid.uuid4().hex[:8]
    handle: WorkflowHandle[Any, Any] = await site.runner.start(
        name, {"case": case, "amount": 1234.5, "entered_by": "bob"}
    )
    title = f"Approve invoice {case}"
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "alice", "not-the-password")
        await expect(page.get_by_role("alert")).to_have_text("wrong name or password")

        await sign_in(page, site, "alice")
        await expect(page.get_by_text("Signed in as alice")).to_be_visible()
        await listed_task(page, site, title)
        row = page.get_by_role("row").filter(has_text=title)
        await expect(row).to_contain_text(name)
        await expect(row).to_contain_text(case)
        await expect(row).to_contain_text("UTC")  # the due date

        await page.get_by_role("link", name=title).click()
        await expect(page.get_by_role("heading", name=title)).to_be_visible()
        description = page.get_by_text("Check the amount against the purchase order.")
        await expect(description).to_be_visible()
        await expect(page.get_by_role("row").filter(has_text="supplier")).to_contain_text(
            "Acme Office Supplies"
        )
        # A list of records reads as a table, not as program text.
        lines = page.locator("table.nested")
        await expect(lines.get_by_role("columnheader", name="Price variance")).to_be_visible()
        await expect(lines.get_by_role("cell", name="384.95")).to_be_visible()
        history = page.get_by_role("table", name="History")
        await expect(history).to_contain_text("created")

        # A rejection needs a comment: refused with the reason, the task stays open.
        await page.get_by_role("button", name="Reject").click()
        await expect(page.get_by_role("status")).to_contain_text("'reject' needs: comment")
        await expect(page.get_by_test_id("task-status")).to_have_text("open")

        await page.get_by_label("Comment", exact=True).fill("Matches PO-2025-01234")
        await page.get_by_label("Cost center").select_option("CC-4100")
        await page.get_by_label("Quantity checked").fill("10")
        await page.get_by_role("button", name="Approve").click()
        await expect(page.get_by_role("status")).to_contain_text("The process moves on")

        async def completed() -> bool:  # the process books the invoice, then completes
            await page.reload()
            return await page.get_by_test_id("process-status").text_content() == "completed"

        await eventually(completed, "the process to complete", every=0.1)
        await expect(page.get_by_test_id("process-status")).to_have_text("completed")
        await expect(page.get_by_role("list", name="Steps")).to_contain_text(
            "Book the invoice — completed"
        )
        await expect(page.get_by_test_id("task-status")).to_have_text("decided: approve")
        await expect(history).to_contain_text("decided")
        await expect(history).to_contain_text("inbox 127.0.0.1")

        await page.get_by_role("link", name="My tasks").click()
        await expect(page.get_by_text("Nothing waits for you.")).to_be_visible()

    result = await handle.result()
    assert result["output"] == {
        "outcome": "approve",
        "by": ["alice"],
        "fields": {"cost_center": "CC-4100", "checked_qty": 10},
    }
    detail = task_detail(database.engine(site.settings), f"{handle.id}/approve")
    assert detail is not None
    decided = detail.events[-1]
    assert (decided.event, decided.actor, decided.source) == ("decided", "alice", "inbox")
    assert decided.detail["comment"] == "Matches PO-2025-01234"
    assert json.loads(detail.row.outcomes_json) == ["approve", "reject"]
