"""Every link to a task works as people follow it: from the list, from a mail, after sign-in.

Task ids of steps inside loops hold ``#`` and ``[i]`` (``.../approval#0/approve``), and
business keys come from input; the browser must keep them whole in links and form actions.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.async_api import Page, expect
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle

from backoffice import database, runtime
from backoffice.tasks.store import NotificationRow
from tests.inbox.conftest import PASSWORD, Site
from tests.inbox.test_inbox_in_browser import listed_task
from tests.support.browser import chromium
from tests.support.eventually import eventually

LOOPED = """
name: looped-approval
version: 1
title: Looped approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approval
    title: Approval rounds
    repeat:
      until: ${ steps.approve.outcome == 'approve' }
      max: 3
    steps:
      - id: approve
        title: Approve ${ input.case }
        task:
          assignees: [{user: alice}]
          form: {outcomes: [approve, reject]}
          due: 2bd
          reminders: {at: [1d]}
          escalations: [{after: 2d, add: [{user: dave}]}]
          timeout: {after: 5bd, outcome: reject}
  - id: lines
    title: Lines
    for_each: ${ ['first', 'second'] }
    as: line
    max_items: 10
    steps:
      - id: check
        title: Check the ${ line } line of ${ input.case }
        task:
          assignees: [{user: alice}]
          form: {outcomes: [ok]}
          timeout: {after: 5bd, outcome: ok}
output:
  rounds: ${ steps.approval.rounds }
"""


async def sign_in_here(page: Page, user: str = "alice") -> None:
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("User name").fill(user)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


def mailed_links(site: Site, task_id: str) -> list[str]:
    with Session(database.engine(site.settings)) as session:
        rows = session.exec(
            select(NotificationRow).where(col(NotificationRow.task_id) == task_id)
        ).all()
    return [m.group(0) for row in rows for m in re.finditer(r"https?://\S+", row.body)]


async def test_tasks_in_loops_open_and_decide_from_the_list_a_mail_and_a_deep_link(
    site: Site,
) -> None:
    # Mails link to this inbox, as they would to the real one.
    runtime.use(runtime.settings().model_copy(update={"inbox_url": site.url}))
    name = site.runner.define(LOOPED)
    # A key with what input may hold: a hash, a query, a percent, dots (a slash is refused).
    case = f"Q1..{uuid.uuid4().hex[:6]} #7?a=b&c=%41;x"
    handle: WorkflowHandle[Any, Any] = await site.runner.start(name, {"case": case})
    approve_id = f"{handle.id}/approval#0/approve"
    async with chromium() as browser:
        page = await browser.new_page()

        # A mail's link, followed before signing in: sign-in leads back to the task.
        links = await eventually(
            lambda: mailed_links(site, approve_id) or None, "a mail with a link to the task"
        )
        await page.goto(links[0])
        await sign_in_here(page)
        await expect(page.get_by_role("heading", name=f"Approve {case}")).to_be_visible()
        await expect(page.get_by_test_id("task-status")).to_have_text("open")
        # What comes next for the task is there before it happens.
        coming = page.get_by_role("list", name="Coming")
        await expect(coming).to_contain_text("Reminder 1 at")
        await expect(coming).to_contain_text("Escalation 1 at")
        await expect(coming).to_contain_text("add user:dave")

        # The form posts to the whole id: the decision lands, the page shows it decided.
        await page.get_by_role("button", name="Approve").click()
        await expect(page.get_by_role("status")).to_contain_text("The process moves on")
        await expect(page.get_by_test_id("task-status")).to_have_text("decided: approve")
        await expect(page.get_by_role("button", name="Approve")).to_have_count(0)

        # Items of a for_each ([0], [1]) open from the list and are decided there.
        for line in ("first", "second"):
            title = f"Check the {line} line of {case}"
            await page.goto(f"{site.url}/")
            await listed_task(page, site, title)
            await page.get_by_role("link", name=title).click()
            await expect(page.get_by_role("heading", name=title)).to_be_visible()
            await page.get_by_role("button", name="Ok").click()
            await expect(page.get_by_test_id("task-status")).to_have_text("decided: ok")

    result = await handle.result()
    assert result["output"] == {"rounds": 1}
