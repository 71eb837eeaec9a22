"""A task's case card writes values as the definition does: true, false, null, not True."""

from __future__ import annotations

import uuid

from playwright.async_api import expect

from tests.inbox.conftest import Site
from tests.inbox.test_case_card_in_browser import open_task
from tests.inbox.test_lists_in_browser import opened
from tests.support.browser import chromium

CARD = """
name: spelled-card
version: 1
title: Spelled card
owner: tests
business_key: input.case
input:
  case: string
  urgent: boolean
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}]
      context:
        urgent: ${ input.urgent }
        checks passed: [true, false]
        text: <b>true</b>
      form: {outcomes: [approve, reject]}
      timeout: {after: 10bd, outcome: reject}
"""


async def test_the_case_card_says_true_and_false(site: Site) -> None:
    case = f"C{uuid.uuid4().hex[:6]}"
    handle = await site.runner.start(site.runner.define(CARD), {"case": case, "urgent": True})
    await opened(site, f"{handle.id}/approve")
    async with chromium() as browser:
        page = await browser.new_page()
        await open_task(page, site, case)
        card = page.locator("section.card").filter(has=page.get_by_role("heading", name="Case"))
        urgent = card.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Urgent"))
        await expect(urgent.get_by_role("cell")).to_have_text("true")
        checks = card.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="Checks passed")
        )
        await expect(checks.get_by_role("cell")).to_have_text("true, false")
        await expect(card).not_to_contain_text("True")
        # Input is still escaped: the markup shows as text.
        await expect(card).to_contain_text("<b>true</b>")
    await handle.terminate("test over")
