"""What the inbox's lists read: a task's supplier and amount, its queues, and the filters."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backoffice import database, runtime
from backoffice.settings import load_settings
from backoffice.tasks.context_facts import ContextFacts, facts_of
from backoffice.tasks.listing import ListFilter, person_list, queue_list
from backoffice.tasks.queries import task_detail
from backoffice.tasks.store import TaskCandidateRow, TaskQueueRow, TaskRow
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner
from tests.support.records import records_environ, upgraded

QUEUED = """
name: queued-approval
version: 1
title: Queued approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}, {approval_limit: {at_least: 500, group: buyers}}]
      context:
        Supplier: SUP-00087 Acme Office Supplies
        gross: ${ money(61880) } EUR
      due: 2bd
      timeout: {after: 5bd, outcome: expired}
"""


def test_the_supplier_and_the_amount_are_read_from_the_context() -> None:
    assert facts_of({"supplier": "SUP-1  Acme", "gross": "61,880.00 EUR"}) == ContextFacts(
        "SUP-1 Acme", 61880.0, "61,880.00 EUR"
    )
    assert facts_of({"vendor": "Northwind", "amount": 1234.5}) == ContextFacts(
        "Northwind", 1234.5, "1,234.50"
    )
    # Not an amount: text that is not money, a flag, a record; and no supplier to name.
    assert facts_of({"gross": "about 60k", "total": True, "amount": {"net": 1}}) == ContextFacts()
    assert facts_of({"supplier": "x" * 300}).supplier == "x" * 119 + "…"


def test_list_filters_are_read_from_query_parameters_and_unknown_values_left_out() -> None:
    chosen = ListFilter.from_query(
        {"q": "  INV  7 ", "due": "tomorrow", "claimed": "me", "sort": "amount", "overdue": "1"}
    )
    assert chosen == ListFilter(search="INV 7", claimed="me", sort="amount", overdue=True)
    assert chosen.query() == {"q": "INV 7", "overdue": "1", "claimed": "me", "sort": "amount"}
    assert ListFilter.from_query({"sort": "'; drop table task"}) == ListFilter()
    assert ListFilter.from_query({"q": "x" * 500}).search == "x" * 100


async def test_an_opened_task_keeps_its_supplier_amount_and_the_queues_of_its_groups(
    runner: ProcessRunner,
) -> None:
    handle = await runner.start(runner.define(QUEUED), {"case": uuid.uuid4().hex[:8]})
    engine = database.engine(runtime.settings())
    detail = await eventually(
        lambda: task_detail(engine, f"{handle.id}/approve"), "the approval task to be recorded"
    )
    assert (detail.row.supplier, detail.row.amount, detail.row.amount_text) == (
        "SUP-00087 Acme Office Supplies",
        61880.0,
        "61,880.00 EUR",
    )
    assert detail.queues == ["ap-clerks", "buyers"]
    await handle.terminate("test over")


def _engine(tmp_path: Path) -> Engine:
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            **records_environ(tmp_path),
        }
    )
    return upgraded(settings)


def _add(engine: Engine, number: int, now: datetime, **values: Any) -> None:
    row = TaskRow(
        id=f"p/{number}/approve",
        workflow_id=f"p/{number}",
        process=values.pop("process", "p"),
        business_key=f"INV-{number}",
        step_id="approve",
        title=f"Approve invoice {number}",
        created_at=now - timedelta(hours=number),
        due_at=values.pop("due_at", now + timedelta(days=3)),
        deadline=now + timedelta(days=10),
        excluded_json=json.dumps(values.pop("excluded", [])),
        **values,
    )
    with Session(engine) as session:
        session.add(row)
        session.flush()
        for person in ("alice", "bob"):
            session.add(TaskCandidateRow(task_id=row.id, person_id=person))
        session.add(TaskQueueRow(task_id=row.id, group_id="ap-clerks"))
        session.commit()


def test_filters_search_and_sorting_select_and_order_a_persons_open_tasks(
    tmp_path: Path,
) -> None:
    engine, now = _engine(tmp_path), datetime.now(UTC)
    _add(engine, 1, now, supplier="SUP-1 Acme", amount=900.0, claimed_by="alice")
    _add(
        engine,
        2,
        now,
        supplier="SUP-2 Northwind_50%",
        amount=15000.0,
        due_at=now - timedelta(hours=1),
    )
    _add(engine, 3, now, supplier="SUP-1 Acme", amount=None, process="q", claimed_by="bob")
    _add(engine, 4, now, due_at=now + timedelta(days=20), excluded=["bob"])

    def listed(**chosen: Any) -> list[int]:
        page = person_list(engine, "alice", ListFilter(**chosen), now)
        assert page.total == len(page.tasks)
        return [int(t.row.business_key.split("-")[1]) for t in page.tasks]

    assert listed() == [2, 1, 3, 4]  # soonest due first
    assert listed(search="northwind") == [2]
    assert listed(search="inv-3") == [3]
    assert listed(search="_50%") == [2]  # wildcards typed are themselves
    assert listed(search="%") == [2]
    assert listed(supplier="acme") == [1, 3]
    assert listed(process="q") == [3]
    assert listed(overdue=True) == [2]
    assert listed(due="week") == [2, 1, 3]
    assert listed(claimed="me") == [1]
    assert listed(claimed="unclaimed") == [2, 4]
    assert listed(claimed="others") == [3]
    assert listed(sort="amount") == [2, 1, 3, 4]  # without an amount: last
    assert listed(sort="created") == [1, 2, 3, 4]  # newest first
    assert listed(sort="process") == [2, 1, 4, 3]
    assert person_list(engine, "alice", ListFilter(process="q"), now).processes == ["p", "q"]
    assert person_list(engine, "carol", ListFilter(), now).tasks == []


def test_a_queue_lists_claimed_tasks_too_but_not_those_the_viewer_is_excluded_from(
    tmp_path: Path,
) -> None:
    engine, now = _engine(tmp_path), datetime.now(UTC)
    _add(engine, 1, now, claimed_by="alice")
    _add(engine, 2, now, excluded=["bob"])
    with Session(engine) as session:
        session.add(TaskQueueRow(task_id="p/2/approve", group_id="buyers"))
        session.commit()
    queue = queue_list(engine, "ap-clerks", "bob", ListFilter(), now)
    assert [(t.row.id, t.row.claimed_by, t.may_decide) for t in queue.tasks] == [
        ("p/1/approve", "alice", True)
    ]
    assert [t.row.id for t in queue_list(engine, "buyers", "erin", ListFilter(), now).tasks] == [
        "p/2/approve"
    ]
    # Listed in the queue, but not hers to decide: she is no candidate.
    assert not queue_list(engine, "buyers", "erin", ListFilter(), now).tasks[0].may_decide
