"""A decision that a later failure voids: the approver decides in Chromium, the posting
fails, and the task then reads as voided, with why, in the inbox and in her mail."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.async_api import expect
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError, WorkflowHandle

from backoffice import database, runtime
from backoffice.mail import MailSink, read_mailbox
from backoffice.tasks.store import TaskEventRow, TaskRow
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import listed_task, sign_in
from tests.support.browser import chromium
from tests.support.network import free_port

VOIDED = """
name: voided-approval
version: 1
title: Approval undone when posting fails
owner: tests
business_key: input.case
input:
  case: string
defaults:
  repair_by: [{group: ap-managers}]
steps:
  - id: approve
    title: Approve <i>${ input.case }</i>
    task:
      assignees: [{user: alice}]
      timeout: {after: 5bd, outcome: reject}
    compensate: void
  - id: post
    title: Post the invoice
    call: test.fail
    with: {type: PostingRefused, message: "the ERP refused <posting> of ${ input.case }"}
"""


async def test_a_failing_later_step_voids_the_decision_and_tells_who_made_it(
    site: Site,
) -> None:
    sink = MailSink(site.settings.state_dir / "mail", free_port())
    runtime.use(runtime.settings().model_copy(update={"smtp_url": sink.url}))
    sink.start()
    try:
        name = site.runner.define(VOIDED)
        case = uuid.uuid4().hex[:8]
        handle: WorkflowHandle[Any, Any] = await site.runner.start(name, {"case": case})
        title = f"Approve <i>{case}</i>"
        async with chromium() as browser:
            page = await browser.new_page()
            await sign_in(page, site, "alice")
            await listed_task(page, site, title)
            await page.get_by_role("link", name=title).click()
            await page.get_by_role("button", name="Approve").click()
            await expect(page.get_by_role("status")).to_contain_text("The process moves on")
            with pytest.raises(WorkflowFailureError):
                await handle.result()
            await page.reload()
            await expect(page.get_by_test_id("task-status")).to_have_text("voided: approve")
            note = page.get_by_test_id("closed-note")
            await expect(note).to_contain_text("was voided on ")
            await expect(note).to_contain_text(f"(the ERP refused <posting> of {case})")
            history = page.get_by_role("table", name="History")
            voided = history.get_by_role("row").filter(has_text="voided")
            await expect(voided).to_contain_text(f"the ERP refused <posting> of {case}")
            await expect(voided).to_contain_text("outcome: approve")
    finally:
        sink.stop()
    with Session(database.engine(runtime.settings())) as session:
        row = session.exec(select(TaskRow).where(TaskRow.workflow_id == handle.id)).one()
        events = session.exec(
            select(TaskEventRow).where(TaskEventRow.task_id == row.id).order_by(TaskEventRow.id)  # type: ignore[arg-type]
        ).all()
    assert row.status == "voided"
    assert [event.event for event in events] == ["created", "decided", "voided"]
    assert json.loads(events[-1].detail_json)["reason"] == f"the ERP refused <posting> of {case}"
    subjects = [str(m["Subject"]) for m in read_mailbox(sink.directory, "alice@acme.example")]
    assert subjects == [
        f"[{name}] New task: {title}",
        f"[{name}] Decision voided: {title}",
    ]
    mail = read_mailbox(sink.directory, "alice@acme.example")[-1]
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert f"Why: the ERP refused <posting> of {case}" in str(text.get_content())
    assert "&lt;posting&gt;" in str(html.get_content())
