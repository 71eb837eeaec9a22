"""Approvers find their work in Chromium: filters, search and sorting that can be
bookmarked, a group's queue with claims from the list, and a phone-sized screen."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.async_api import Page, expect
from temporalio.client import WorkflowHandle

from backoffice import database
from backoffice.engine.contracts import Claim, Reschedule
from backoffice.tasks import actions
from backoffice.tasks.queries import as_utc, task_detail
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.support.browser import chromium
from tests.support.eventually import eventually

LISTED = """
name: listed-approval
version: 1
title: Listed approval
owner: tests
business_key: input.case
input:
  case: string
  supplier: string
  amount: number
  entered_by: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}]
      exclude: ["${ input.entered_by }"]
      reassigners: [{group: ap-managers}]
      context:
        supplier: ${ input.supplier }
        gross: ${ money(input.amount) } EUR
      form:
        fields: [{id: comment, label: Comment}]
        outcomes: [approve, {id: reject, requires: [comment]}]
      due: 2bd
      timeout: {after: 10bd, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
  by: ${ steps.approve.decided_by }
  comment: ${ steps.approve.comment }
"""
PHONE = {"width": 390, "height": 844}


async def start_listed(
    site: Site, supplier: str, amount: float, entered_by: str = "erin", case: str = ""
) -> tuple[WorkflowHandle[Any, Any], str]:
    """A run waiting on its approval task, once the task is in the task table."""
    name = site.runner.define(LISTED)
    case = case or f"C{uuid.uuid4().hex[:6]}"
    data = {"case": case, "supplier": supplier, "amount": amount, "entered_by": entered_by}
    handle = await site.runner.start(name, data)
    await opened(site, f"{handle.id}/approve")
    return handle, case


async def opened(site: Site, task_id: str) -> None:
    engine = database.engine(site.settings)

    async def decidable() -> bool:
        detail = await asyncio.to_thread(task_detail, engine, task_id)
        return detail is not None and bool(detail.deciders)

    await eventually(decidable, f"{task_id} to open")


async def titles(page: Page) -> list[str]:
    """The tasks the list shows, in its order."""
    return await page.locator("table.tasks tbody td.title").all_text_contents()


async def filter_by(page: Page, **fields: str) -> None:
    form = page.get_by_role("search", name="Filter the list")
    for label, value in fields.items():
        field = form.get_by_label(label, exact=True)
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(label=value)
        else:
            await field.fill(value)
    await form.get_by_role("button", name="Filter").click()


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


async def no_horizontal_scroll(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} > {widths[1]} px"


async def test_filters_search_and_sorting_narrow_the_list_and_can_be_bookmarked(
    site: Site,
) -> None:
    small, _ = await start_listed(site, "SUP-00087 Acme Office Supplies", 900)
    large, large_case = await start_listed(site, "SUP-00012 Northwind Computers", 15000)
    middle, middle_case = await start_listed(site, "SUP-00087 Acme Office Supplies", 4000)
    small_case = (await small.describe()).id.split("/", 1)[1]
    engine = database.engine(site.settings)
    # dave, an AP manager, moves the large one's due date into the past: it is overdue.
    now = datetime.now(UTC)
    late = Reschedule(
        task_id=f"{large.id}/approve", user="dave", deadline=now + timedelta(days=5),
        due_at=now - timedelta(hours=2),
    )  # fmt: skip
    await actions.reschedule(site.runner.client, engine, late)

    def overdue() -> bool:
        detail = task_detail(engine, late.task_id)
        return bool(detail and detail.row.due_at and as_utc(detail.row.due_at) < now)

    await eventually(overdue, f"{late.task_id} to be overdue")
    dialogs: list[str] = []

    async with chromium() as browser:
        page = await browser.new_page()
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await sign_in(page, site, "alice")
        await expect(page.get_by_test_id("count")).to_have_text("3 open tasks")
        # Soonest due first: the overdue one leads.
        assert (await titles(page))[0] == f"Approve {large_case}"
        await expect(page.get_by_role("row").filter(has_text=large_case)).to_contain_text("overdue")

        await filter_by(page, Search="northwind")
        assert query_of(page) == {"q": ["northwind"]}
        assert await titles(page) == [f"Approve {large_case}"]
        await expect(page.get_by_test_id("count")).to_have_text("1 open task matches these filters")
        await page.get_by_role("link", name="Clear filters").click()
        await expect(page.get_by_test_id("count")).to_have_text("3 open tasks")

        await filter_by(page, Supplier="acme", **{"Sort by": "largest amount"})
        assert query_of(page) == {"supplier": ["acme"], "sort": ["amount"]}
        assert await titles(page) == [f"Approve {middle_case}", f"Approve {small_case}"]
        rows = page.get_by_role("row")
        await expect(rows.filter(has_text=middle_case)).to_contain_text("4,000.00 EUR")

        # The header sorts too: newest first, the filter kept.
        await page.get_by_role("link", name="Created", exact=True).click()
        assert query_of(page) == {"supplier": ["acme"], "sort": ["created"]}
        assert await titles(page) == [f"Approve {middle_case}", f"Approve {small_case}"]

        await page.goto(f"{site.url}/")
        await page.get_by_label("Overdue only").check()
        await page.get_by_role("button", name="Filter").click()
        assert await titles(page) == [f"Approve {large_case}"]
        await page.goto(f"{site.url}/?due=today")
        await expect(page.get_by_label("Due", exact=True)).to_have_value("today")
        assert await titles(page) == [f"Approve {large_case}"]

        # Claimed by me: claimed from the list, which comes back filtered as it was.
        await page.goto(f"{site.url}/?process=listed-approval")
        await page.get_by_role("button", name=f"Claim Approve {small_case}").click()
        await expect(page.get_by_role("status")).to_have_text("Claimed: it is yours.")
        assert query_of(page) == {"process": ["listed-approval"]}
        await expect(rows.filter(has_text=small_case)).to_contain_text("alice")
        await filter_by(page, Claimed="by me")
        assert await titles(page) == [f"Approve {small_case}"]
        await filter_by(page, Claimed="unclaimed")
        assert sorted(await titles(page)) == sorted(
            [f"Approve {large_case}", f"Approve {middle_case}"]
        )

        # A bookmarked list opens as it was, in a new window of its own.
        bookmark = page.url
        again = await (await browser.new_context()).new_page()
        await sign_in(again, site, "alice")
        await again.goto(bookmark)
        await expect(again.get_by_label("Claimed", exact=True)).to_have_value("unclaimed")
        assert sorted(await titles(again)) == sorted(await titles(page))

        # What is typed comes back escaped: shown as text, never run.
        typed = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        await page.goto(f"{site.url}/")
        await filter_by(page, Search=typed)
        await expect(page.get_by_label("Search")).to_have_value(typed)
        await expect(page.get_by_text("No open task matches these filters.")).to_be_visible()
        assert await page.locator("main script, main img").count() == 0
    assert dialogs == []
    for handle in (small, large, middle):
        await handle.terminate("test over")


async def test_a_clerk_sees_the_queue_with_a_colleagues_claims_and_claims_from_it(
    site: Site,
) -> None:
    claimed, claimed_case = await start_listed(site, "SUP-00087 Acme", 500)
    free, free_case = await start_listed(site, "SUP-00012 Northwind", 700)
    # bob entered this one: he never sees it, not even in his group's queue.
    his_own, _ = await start_listed(site, "SUP-00231 Cleaning", 900, entered_by="bob")
    engine = database.engine(site.settings)
    await actions.claim(
        site.runner.client, engine, Claim(task_id=f"{claimed.id}/approve", user="alice")
    )

    def claimed_by_alice() -> bool:
        detail = task_detail(engine, f"{claimed.id}/approve")
        return bool(detail and detail.row.claimed_by == "alice")

    await eventually(claimed_by_alice, f"{claimed.id}/approve to be claimed by alice")

    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "bob")
        await page.get_by_role("link", name="Queue ap-clerks").click()
        await expect(page.get_by_role("heading", name="Queue ap-clerks")).to_be_visible()
        assert sorted(await titles(page)) == sorted(
            [f"Approve {claimed_case}", f"Approve {free_case}"]
        )
        rows = page.get_by_role("row")
        await expect(rows.filter(has_text=claimed_case)).to_contain_text("alice")
        # alice's claim leaves nothing to claim there; the free one bob claims from the list.
        await expect(rows.filter(has_text=claimed_case).get_by_role("button")).to_have_count(0)
        await page.get_by_role("button", name=f"Claim Approve {free_case}").click()
        await expect(page.get_by_role("status")).to_have_text("Claimed: it is yours.")
        await expect(page.get_by_role("heading", name="Queue ap-clerks")).to_be_visible()
        await expect(rows.filter(has_text=free_case)).to_contain_text("bob")
        await filter_by(page, Claimed="by others")
        assert query_of(page) == {"claimed": ["others"]}
        assert await titles(page) == [f"Approve {claimed_case}"]
        # A colleague's claimed task opens for the people of its queue.
        await page.get_by_role("link", name=f"Approve {claimed_case}").click()
        await expect(page.get_by_text("Claimed by alice.")).to_be_visible()

        # carol is no clerk: the queue is not hers to see.
        other = await (await browser.new_context()).new_page()
        await sign_in(other, site, "carol")
        await expect(other.get_by_role("link", name="Queue ap-clerks")).to_have_count(0)
        response = await other.goto(f"{site.url}/queue/ap-clerks")
        assert response is not None
        assert response.status == 403
        await expect(other.get_by_text("You are not in the group")).to_be_visible()
    for handle in (claimed, free, his_own):
        await handle.terminate("test over")


async def test_the_lists_and_a_task_fit_a_phone_without_scrolling_sideways(site: Site) -> None:
    handle, case = await start_listed(
        site, "SUP-00278 Facility Management and Building Services Europe GmbH", 61880,
        case=f"INV-IN-{uuid.uuid4().hex[:6].upper()}-LONG-REFERENCE-2025-004711",
    )  # fmt: skip
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await sign_in(page, site, "alice")
        await expect(page.get_by_role("link", name=f"Approve {case}")).to_be_visible()
        await no_horizontal_scroll(page)
        # Each task is a card: its facts are labelled, the amount among them.
        await expect(page.get_by_role("row").filter(has_text=case)).to_contain_text("61,880.00 EUR")
        await page.get_by_role("link", name="Queue ap-clerks").click()
        await expect(page.get_by_role("heading", name="Queue ap-clerks")).to_be_visible()
        await no_horizontal_scroll(page)
        await page.get_by_role("link", name=f"Approve {case}").click()
        await expect(page.get_by_role("heading", name=f"Approve {case}")).to_be_visible()
        await no_horizontal_scroll(page)
    await handle.terminate("test over")
