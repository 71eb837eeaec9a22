"""A notify step mails the people the directory finds, once, through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from backoffice import database, runtime
from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView
from backoffice.mail import MailSink, read_mailbox
from backoffice.tasks.notices import Notice, send_notice
from backoffice.tasks.store import NotificationRow
from tests.support.network import free_port
from tests.support.processes import ProcessRunner, process_worker
from tests.support.waits import opened_task

NOTIFY = """
name: notify-owners
version: 1
title: Tell the owners
owner: tests
business_key: input.case
input:
  case: string
  supplier: string
mail_templates:
  posted:
    subject: "Invoice ${ context.invoice } posted"
    body: |
      Invoice ${ context.invoice } of ${ input.supplier } is posted.
      Nothing to do.
steps:
  - id: tell
    notify:
      to:
        - {owner_of: {system: erp}}
        - {group: ap-clerks}
        - {role: nobody_holds_this}
      template: posted
      context: {invoice: "${ input.case }"}
  - id: confirm
    task:
      assignees: [{user: carol}]
      timeout: {after: 5bd, outcome: reject}
output:
  sent_to: ${ steps.tell.sent_to }
  unresolved: ${ steps.tell.unresolved }
"""

NOBODY = """
name: notify-nobody
version: 1
title: Tell nobody
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: tell
    notify:
      to: [{role: nobody_holds_this}, {owner_of: {system: mainframe}}]
      subject: Hello
      body: Anyone?
    catch:
      - errors: [NobodyToNotify]
        steps:
          - id: note
            set: {problem: "${ error.message }"}
output:
  problem: ${ vars.problem }
"""


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    mail = MailSink(tmp_path / "mail", free_port())
    mail.start()
    try:
        yield mail
    finally:
        mail.stop()


def send_to(sink: MailSink) -> None:
    """Have the activities of this process send through ``sink`` (a worker's start resets it)."""
    runtime.use(runtime.settings().model_copy(update={"smtp_url": sink.url}))


def subjects(sink: MailSink, person: str) -> list[str]:
    return [str(m["Subject"]) for m in read_mailbox(sink.directory, f"{person}@acme.example")]


def notify_rows(case: str) -> list[NotificationRow]:
    with Session(database.engine(runtime.settings())) as session:
        query = select(NotificationRow).where(NotificationRow.key.startswith("notify#"))  # type: ignore[attr-defined]
        return [row for row in session.exec(query) if case in row.task_id]


async def test_a_notify_step_mails_the_people_its_rules_name_once_across_a_worker_restart(
    dev_env: WorkflowEnvironment, tmp_path: Path, sink: MailSink
) -> None:
    queue = f"test-{uuid.uuid4().hex}"
    case = f"INV-{uuid.uuid4().hex[:6]}"
    async with process_worker(dev_env.client, tmp_path, queue) as first:
        send_to(sink)
        name = first.define(NOTIFY)
        handle = await first.start(name, {"case": case, "supplier": "<b>Acme & Co</b>"})
        task = await opened_task(handle, decidable=True)
    # That worker is gone; another one picks the run up and replays the notify step.
    async with process_worker(dev_env.client, tmp_path, queue):
        send_to(sink)
        await handle.execute_update(
            DECIDE_UPDATE,
            Decision(task_id=task.task_id, user="carol", outcome="approve"),
            result_type=TaskView,
        )
        result = await handle.result()
    assert result["output"] == {
        "sent_to": ["alice", "bob", "dave"],
        "unresolved": ["role:nobody_holds_this"],
    }
    for person in ("alice", "bob", "dave"):
        assert subjects(sink, person) == [f"[notify-owners] Invoice {case} posted"]
    assert subjects(sink, "carol") == ["[notify-owners] New task: Confirm"]
    (message,) = read_mailbox(sink.directory, "dave@acme.example")
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert f"Invoice {case} of <b>Acme & Co</b> is posted." in str(text.get_content())
    shown = str(html.get_content())
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in shown
    assert "<b>" not in shown
    assert len(notify_rows(case)) == 3


async def test_a_retried_notify_activity_sends_nothing_twice(
    runner: ProcessRunner, sink: MailSink
) -> None:
    send_to(sink)
    name = runner.define(NOTIFY)
    case = f"INV-{uuid.uuid4().hex[:6]}"
    handle = await runner.start(name, {"case": case, "supplier": "Acme"})
    task = await opened_task(handle, decidable=True)
    (row, *_) = notify_rows(case)
    # The activity again with what the run sent it, as Temporal retries one whose
    # completion was lost: its outbox rows are found, and nobody is mailed again.
    key = row.key.removeprefix("notify#").rsplit("#", 1)[0]
    notice = Notice(
        key=key,
        workflow_id=handle.id,
        process=name,
        business_key=case,
        step_id="tell",
        to=["owner_of:system:erp", "group:ap-clerks"],
        subject=f"Invoice {case} posted",
        body="again",
        at=datetime.now(UTC),
    )
    again = await ActivityEnvironment().run(send_notice, notice)
    assert again.sent_to == ["alice", "bob", "dave"]
    assert len(notify_rows(case)) == 3
    assert subjects(sink, "dave") == [f"[notify-owners] Invoice {case} posted"]
    await handle.execute_update(
        DECIDE_UPDATE,
        Decision(task_id=task.task_id, user="carol", outcome="approve"),
        result_type=TaskView,
    )
    await handle.result()


async def test_a_notify_step_whose_rules_name_nobody_fails_with_a_catchable_error(
    runner: ProcessRunner,
) -> None:
    name = runner.define(NOBODY)
    result = await runner.run(name, {"case": uuid.uuid4().hex[:8]})
    problem = result["output"]["problem"]
    assert "nobody to mail" in problem
    assert "role:nobody_holds_this, owner_of:system:mainframe" in problem
    assert "or_else" in problem


async def test_an_uncaught_nobody_to_notify_fails_the_run_saying_so(
    runner: ProcessRunner,
) -> None:
    name = runner.define(
        NOBODY.replace("name: notify-nobody", "name: notify-nobody-uncaught").split("    catch:")[0]
        + "output: {}\n"
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await runner.run(name, {"case": uuid.uuid4().hex[:8]})
    assert "NobodyToNotify" in repr(failed.value.cause)


async def test_the_guides_notify_example_mails_whom_it_says(
    runner: ProcessRunner, sink: MailSink
) -> None:
    send_to(sink)
    guide = (Path(__file__).resolve().parents[2] / "docs" / "definitions.md").read_text()
    example = guide.split("### notify: mail people\n\n```yaml\n", 1)[1].split("```", 1)[0]
    name = runner.define(example)
    request = f"REQ-{uuid.uuid4().hex[:6]}"
    handle = await runner.start(
        name, {"request_id": request, "employee": "Erin Novak", "supplier_id": "SUP-100"}
    )
    await handle.result()
    # The ERP's owner, and the finance heads since nobody holds the controller role.
    for person in ("dave", "carol"):
        assert subjects(sink, person) == [f"[{name}] Access granted to Erin Novak"]
    assert subjects(sink, "alice") == [f"[{name}] ERP access for Erin Novak"]
