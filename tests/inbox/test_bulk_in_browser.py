"""An approver approves several routine tasks of one kind at once, in Chromium: each task
is decided by its own process, and the page says what happened to each."""

from __future__ import annotations

from playwright.async_api import Page, expect

from backoffice import database
from backoffice.engine.contracts import Claim
from backoffice.tasks import actions
from backoffice.tasks.queries import task_detail
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.inbox.test_lists_in_browser import opened, start_listed, titles
from tests.support.browser import chromium

REVIEW = """
name: listed-review
version: 1
title: Listed review
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: review
    title: Review ${ input.case }
    task:
      assignees: [{user: alice}]
      form: {outcomes: [approve, reject]}
      timeout: {after: 10bd, outcome: reject}
"""


async def select(page: Page, *titles_: str) -> None:
    for title in titles_:
        await page.get_by_label(f"Select {title}").check()


def still_open(site: Site, task_id: str) -> bool:
    detail = task_detail(database.engine(site.settings), task_id)
    return detail is not None and detail.row.status == "open"


async def test_tasks_of_one_kind_are_approved_together_each_by_its_own_process(
    site: Site,
) -> None:
    runs = [await start_listed(site, "SUP-00087 Acme Office Supplies", 100 * n) for n in (1, 2, 3)]
    (first, first_case), (second, second_case), (third, third_case) = runs
    review = await site.runner.start(site.runner.define(REVIEW), {"case": "R-1"})
    await opened(site, f"{review.id}/review")
    engine = database.engine(site.settings)

    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "alice")
        await expect(page.get_by_test_id("count")).to_have_text("4 open tasks")

        # Two kinds of task do not ask the same question: refused, nothing decided.
        await select(page, f"Approve {first_case}", "Review R-1")
        await page.get_by_label("Comment for each").fill("Routine: matches the orders")
        await page.get_by_role("button", name="Approve selected").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Not done: the selected tasks are of 2 kinds (listed-approval / approve; "
            "listed-review / review): approve tasks of one process and step at a time"
        )
        assert still_open(site, f"{first.id}/approve")
        assert still_open(site, f"{review.id}/review")

        await select(page, *(f"Approve {case}" for case in (first_case, second_case, third_case)))
        # Meanwhile bob claims the third: its process refuses alice's approval of it.
        claim = Claim(task_id=f"{third.id}/approve", user="bob")
        await actions.claim(site.runner.client, engine, claim)
        await page.get_by_label("Comment for each").fill("Routine: matches the orders")
        await page.get_by_role("button", name="Approve selected").click()

        await expect(page.get_by_role("heading", name="Approved together")).to_be_visible()
        await expect(page.get_by_test_id("bulk-summary")).to_have_text(
            "2 of 3 tasks of listed-approval / approve approved."
        )
        results = page.get_by_role("table", name="What happened to each task")
        for case in (first_case, second_case):
            row = results.get_by_role("row").filter(has_text=f"Approve {case}")
            await expect(row).to_contain_text("Done: approve. The process moves on.")
            await expect(row).to_contain_text("decided: approve")
        refused = results.get_by_role("row").filter(has_text=f"Approve {third_case}")
        claimed = f"Not done: task {third.id}/approve is claimed by bob"
        await expect(refused).to_contain_text(claimed)
        await expect(refused).to_contain_text("open")

        await page.get_by_role("link", name="Back to the list").click()
        assert sorted(await titles(page)) == sorted([f"Approve {third_case}", "Review R-1"])

        # A post without the page's form token (another site's form) decides nothing.
        forged = await page.request.post(
            f"{site.url}/bulk/approve", form={"task": f"{review.id}/review", "comment": "x"}
        )
        assert "this form is out of date" in await forged.text()
        assert still_open(site, f"{review.id}/review")

    for handle in (first, second):
        assert (await handle.result())["output"] == {
            "outcome": "approve",
            "by": ["alice"],
            "comment": "Routine: matches the orders",
        }
        detail = task_detail(engine, f"{handle.id}/approve")
        assert detail is not None
        decided = detail.events[-1]
        assert (decided.event, decided.actor, decided.source) == ("decided", "alice", "inbox")
    for handle in (third, review):
        await handle.terminate("test over")
