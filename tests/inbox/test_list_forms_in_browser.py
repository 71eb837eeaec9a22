"""An employee corrects the lines of a rejected expense claim in the inbox's table."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import Page, expect
from temporalio.client import WorkflowHandle

from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import listed_task, sign_in
from tests.support.browser import chromium
from tests.support.expense_claims import EXPENSE_FIX, NOTE, claim_input


async def open_claim(page: Page, site: Site, claim: str) -> None:
    title = f"Correct expense claim {claim}"
    await sign_in(page, site, "alice")
    await listed_task(page, site, title)
    await page.get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", name=title)).to_be_visible()


async def test_employee_corrects_adds_and_removes_lines_and_the_run_gets_them(
    site: Site,
) -> None:
    claim = uuid.uuid4().hex[:8]
    handle: WorkflowHandle[Any, Any] = await site.runner.start(
        site.runner.define(EXPENSE_FIX), claim_input(claim)
    )
    async with chromium() as browser:
        page = await browser.new_page()
        await open_claim(page, site, claim)
        lines = page.get_by_role("table", name="Lines")
        # The lines the claim came with, one row each; the script took the spare rows away.
        await expect(lines.locator("tbody tr")).to_have_count(2)
        await expect(page.get_by_label("Amount in row 1")).to_have_value("412.8")
        await expect(page.get_by_label("Category in row 2")).to_have_value("meals")
        await expect(page.get_by_label("Receipt in row 2")).to_be_checked()
        await expect(page.get_by_label("Receipt in row 1")).not_to_be_checked()
        await expect(page.get_by_label("Note in row 1")).to_have_value(NOTE)
        assert await page.title() != "run"

        await page.get_by_label("Amount in row 1").fill("41.28")  # a slipped comma
        await lines.locator("tbody tr").nth(1).get_by_role("button", name="Remove").click()
        await expect(lines.locator("tbody tr")).to_have_count(1)
        await page.get_by_role("button", name="Add a line").click()
        await page.get_by_label("Date in row 2").fill("2026-11-05")
        await page.get_by_label("Category in row 2").select_option("lodging")
        # The amount of the new line is forgotten: refused next to that cell, all else kept.
        await page.get_by_role("button", name="Resubmit").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "Not done: Lines, row 2, Amount: is required"
        )
        problem = page.get_by_role("alert").filter(has_text="is required")
        await expect(problem).to_have_count(1)
        await expect(page.get_by_label("Amount in row 2")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("Amount in row 1")).to_have_value("41.28")
        await expect(page.get_by_label("Date in row 2")).to_have_value("2026-11-05")
        await expect(page.get_by_label("Category in row 2")).to_have_value("lodging")
        await expect(lines.locator("tbody tr")).to_have_count(2)

        await page.get_by_label("Amount in row 2").fill("189.99")
        await page.get_by_label("Receipt in row 2").check()
        await page.get_by_role("button", name="Resubmit").click()
        await expect(page.get_by_role("status")).to_contain_text("Done: resubmit")

    result = await handle.result()
    assert result["output"] == {
        "outcome": "resubmit",
        "lines": [
            {
                "date": "2026-11-03",
                "category": "travel",
                "amount": 41.28,
                "receipt": False,
                "note": NOTE,
            },
            {"date": "2026-11-05", "category": "lodging", "amount": 189.99, "receipt": True},
        ],
    }


async def test_without_javascript_spare_rows_and_remove_boxes_do_the_same(site: Site) -> None:
    claim = uuid.uuid4().hex[:8]
    handle: WorkflowHandle[Any, Any] = await site.runner.start(
        site.runner.define(EXPENSE_FIX), claim_input(claim)
    )
    async with chromium() as browser:
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await open_claim(page, site, claim)
        lines = page.get_by_role("table", name="Lines")
        await expect(lines.locator("tbody tr")).to_have_count(5)  # two lines, three spare
        await expect(page.get_by_role("button", name="Add a line")).to_be_hidden()
        await page.get_by_label("Remove").first.check()
        await page.get_by_label("Date in row 3").fill("2026-11-06")
        await page.get_by_label("Category in row 3").select_option("travel")
        await page.get_by_label("Amount in row 3").fill("12.5")
        await page.get_by_role("button", name="Resubmit").click()
        await expect(page.get_by_role("status")).to_contain_text("Done: resubmit")
        await context.close()

    result = await handle.result()
    assert result["output"]["lines"] == [
        {"date": "2026-11-04", "category": "meals", "amount": 96.4, "receipt": True},
        {"date": "2026-11-06", "category": "travel", "amount": 12.5, "receipt": False},
    ]
