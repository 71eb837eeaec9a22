"""A demo batch worked through the inbox as its people would: alice, carol, frank, erin and
dave sign in, open every task the batch gives them and decide it on its page, until every
invoice that waited on someone has moved on (posted, or turned down for its reason)."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from temporalio.testing import WorkflowEnvironment

from activities.payables.demo import PROCESS
from activities.payables.demo_batch import batch as demo_batch
from backoffice import database
from backoffice.audit.steps import trail
from backoffice.cli.demo import run_demo
from backoffice.inbox import create_app
from backoffice.links import TASK_PREFIX
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings
from backoffice.tasks.listing import ListFilter, person_list
from tests.bots.conftest import Legacy
from tests.inbox.conftest import PASSWORD
from tests.processes.invoice_approval.conftest import erp_and_worker
from tests.support.browser import chromium
from tests.support.eventually import eventually
from tests.support.network import free_port

PEOPLE = ("alice", "carol", "frank", "erin", "dave")
# The button each kind of task is answered with, as a person who checked it would.
ANSWERS = {
    "price_review": "Accept the price",
    "exception_review": "Accept the exception",
    "fraud_hold": "Genuine invoice",
    "duplicate_review": "Duplicate",
    "approve_owner": "Approve",
    "approve_head": "Approve",
    "approve_cfo": "Approve",
}
# Who decides what, by invoice of the batch (activities/payables/demo_batch.py says why).
EXPECTED = {
    ("erin", 3, "price_review"), ("alice", 3, "approve_owner"), ("carol", 3, "approve_head"),
    ("alice", 6, "exception_review"), ("alice", 6, "approve_owner"),
    ("alice", 7, "approve_owner"),
    ("alice", 8, "approve_owner"), ("carol", 8, "approve_head"),
    ("alice", 9, "approve_owner"), ("carol", 9, "approve_head"), ("frank", 9, "approve_cfo"),
    ("dave", 10, "fraud_hold"), ("alice", 10, "approve_owner"),
    ("alice", 12, "duplicate_review"),
}  # fmt: skip
POSTED = (1, 2, 3, 4, 6, 7, 8, 9, 10)
# Deciding the whole batch, or waiting for its runs: bounded, in rounds every half second.
PATIENCE: dict[str, float] = {"within": 300.0, "every": 0.5}


@pytest_asyncio.fixture
async def demo_stack(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[Settings, Legacy, str]]:
    """The sandbox ERP, the real worker and the inbox on 127.0.0.1, on the dev server."""
    async with erp_and_worker(dev_env, tmp_path) as (settings, erp, _):
        inbox = EmbeddedServer(create_app(settings, dev_env.client), "127.0.0.1", free_port())
        await inbox.start()
        try:
            yield settings, erp, f"http://127.0.0.1:{inbox.port}"
        finally:
            await inbox.stop()
            for execution in [e async for e in dev_env.client.list_workflows(
                f"TaskQueue = '{settings.task_queue}' AND ExecutionStatus = 'Running'"
            )]:  # fmt: skip
                with contextlib.suppress(Exception):
                    await dev_env.client.get_workflow_handle(execution.id).terminate("test over")


async def signed_in(browser: Browser, inbox: str, person: str) -> Page:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{inbox}/")
    await page.get_by_label("User name").fill(person)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(f"Signed in as {person}")).to_be_visible()
    return page


def number_of(task_id: str) -> int:
    """The invoice's place in the batch, from its task id (``.../INV-IN-B-07/...``)."""
    found = re.search(r"INV-IN-[A-Z0-9]+-(\d\d)", task_id)
    assert found, task_id
    return int(found.group(1))


async def decide_the_first_listed(page: Page, inbox: str, batch: str) -> tuple[str, str] | None:
    """Open the first task of the batch on the person's list and decide it; (task, step)."""
    await page.goto(f"{inbox}/?q={batch}")
    links = page.locator("table.tasks td.title a")
    if not await links.count():
        return None
    href = await links.first.get_attribute("href")
    assert href is not None
    task_id = unquote(href.removeprefix(TASK_PREFIX))
    step = task_id.rsplit("/", 1)[-1]
    await links.first.click()
    await expect(page.get_by_test_id("task-status")).to_have_text("open")
    if step.startswith("approve_"):
        # The invoice's scan opens from the task: the PDF the ERP's archive filed for it.
        link = page.get_by_role("link", name="Open the invoice document")
        scan = await link.get_attribute("href")
        assert scan is not None
        assert scan.endswith(f"/__admin/invoice-scans/INV-IN-{batch}-{number_of(task_id):02d}.pdf")
        answer = await page.context.request.get(scan)
        assert answer.headers["content-type"] == "application/pdf"
        assert (await answer.body()).startswith(b"%PDF-")
    comment = page.locator("form.decision textarea")
    if await comment.count():
        await comment.first.fill("Checked against the scan and the order")
    await page.get_by_role("button", name=ANSWERS[step], exact=True).click()
    await expect(page.get_by_test_id("task-status")).to_contain_text("decided")
    return task_id, step


async def test_every_task_of_a_demo_batch_is_decided_through_the_inbox_and_each_run_moves_on(
    dev_env: WorkflowEnvironment, demo_stack: tuple[Settings, Legacy, str]
) -> None:
    settings, erp, inbox = demo_stack
    batch = "DI" + uuid.uuid4().hex[:4].upper()
    await run_demo(settings, dev_env.client, batch)
    runs = {n: f"{PROCESS}/INV-IN-{batch}-{n:02d}" for n in range(1, 13)}
    waiting_on_nobody = [n for n in runs if n != 5]  # 5 waits for its goods, days long
    engine = database.engine(settings)

    def archived(number: int) -> bool:
        return any(s.action == "invoice.archive" for s in trail(engine, runs[number]))

    def waiting_for(person: str) -> bool:
        # Asked of the task table first, so that idle rounds load no pages.
        mine = person_list(engine, person, ListFilter(search=batch), datetime.now(UTC))
        return bool(mine.tasks)

    decided: set[tuple[str, int, str]] = set()
    async with chromium() as browser:
        pages = {person: await signed_in(browser, inbox, person) for person in PEOPLE}

        async def decide_what_waits() -> bool:
            # One round: everyone with a task decides the first listed; the next level
            # opens once the process has moved on, so rounds repeat until all are decided.
            for person in [person for person in PEOPLE if waiting_for(person)]:
                done = await decide_the_first_listed(pages[person], inbox, batch)
                if done is not None:
                    decided.add((person, number_of(done[0]), done[1]))
            missing, more = EXPECTED - decided, decided - EXPECTED
            assert decided == EXPECTED, f"not decided: {missing}; more: {more}"
            return True

        await eventually(decide_what_waits, "every task of the batch to be decided", **PATIENCE)
    await eventually(
        lambda: [n for n in waiting_on_nobody if not archived(n)] == [],
        "every run that waits on nobody to archive its invoice",
        **PATIENCE,
    )
    invoices = {n: i.data for n, i in enumerate(demo_batch(batch, date.today()), start=1)}
    for number in POSTED:  # in the ERP once each: approved, posted and archived
        assert await erp.count("invoice", invoices[number]["supplier_invoice_no"]) == 1, number
    # The suspected duplicate, confirmed by alice, ends as one; nothing of it was posted.
    duplicate = await dev_env.client.get_workflow_handle(runs[12]).result()
    assert (duplicate["status"], duplicate["reason"]) == ("finished", "DUPLICATE")
    assert await erp.count("invoice", invoices[12]["supplier_invoice_no"]) == 0
