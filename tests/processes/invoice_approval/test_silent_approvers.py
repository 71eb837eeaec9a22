"""Approvers who stay silent are escalated at 3 business days at every level of the matrix.
The department head and the CFO report to nobody, so the definition names who is next: the
CFO for the head, the deputy CFO for the CFO."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from activities.payables.tables import ArchiveRow
from backoffice.tasks.queries import AuditEvent, task_detail
from tests.processes.invoice_approval.conftest import Stack, between_activities
from tests.processes.invoice_approval.test_invoice_paths import cleaning

DAYS_TO_WAIT = 10  # more than 3 business days from any weekday, holidays included


@pytest.mark.parametrize(
    ("level", "net", "silent", "next_up"),
    [
        ("approve_head", "20000.00", "carol", "frank"),
        ("approve_cfo", "60000.00", "frank", "grace"),
    ],
    ids=["department-head", "cfo"],
)
async def test_a_silent_approver_without_a_manager_is_escalated_at_three_business_days(
    stack: Stack, level: str, net: str, silent: str, next_up: str
) -> None:
    number = f"IDLE-{level.removeprefix('approve_').upper()}"
    handle = await stack.start(cleaning(stack, number, net))
    await stack.decide(handle, "approve_owner", "alice", "approve")
    if level == "approve_cfo":
        await stack.decide(handle, "approve_head", "carol", "approve")
    task = await stack.task(handle, level)
    assert set(task.deciders or {}) == {silent}
    # Nobody answers: a day at a time, until the task is escalated.
    escalations: list[AuditEvent] = []
    for _ in range(DAYS_TO_WAIT):
        await stack.env.sleep(timedelta(days=1))
        await between_activities(handle)
        detail = task_detail(stack.engine, task.task_id)
        assert detail is not None
        escalations = [event for event in detail.events if event.event == "escalated"]
        if escalations:
            break
    first = escalations[0]
    # Level 1, when the task fell due (3 business days), to whom the definition names.
    assert first.detail["level"] == 1
    assert task.due_at is not None
    assert first.at >= task.due_at
    assert first.at.date() == task.due_at.date()
    assert first.detail["deciders"] == sorted([silent, next_up])
    assert first.detail["notified"] == [next_up]
    escalated = await stack.task(handle, level)
    assert set(escalated.deciders or {}) == {silent, next_up}
    await stack.decide(handle, level, next_up, "approve")
    result = await handle.result()
    assert (result["output"]["outcome"], result["output"]["touchless"]) == ("POSTED", False)
    with Session(stack.engine) as session:
        archive = session.exec(
            select(ArchiveRow).where(ArchiveRow.invoice_id == f"INV-IN-{number}")
        ).one()
    decisions = json.loads(archive.content_json)["decisions"]
    [decided] = [d for d in decisions if d["step"].endswith(level)]
    assert [e["actor"] for e in decided["events"] if e["event"] == "decided"] == [next_up]


async def test_the_head_who_stood_in_for_the_owner_does_not_approve_again_the_cfo_does(
    stack: Stack,
) -> None:
    handle = await stack.start(cleaning(stack, "STOOD-IN", "20000.00"))
    owner = await stack.task(handle, "approve_owner")
    for _ in range(DAYS_TO_WAIT):  # alice stays silent: her manager, carol, is added
        await stack.env.sleep(timedelta(days=1))
        await between_activities(handle)
        if "carol" in ((await stack.task(handle, "approve_owner")).deciders or {}):
            break
    assert owner.deciders == {"alice": "assignee"}
    await stack.decide(handle, "approve_owner", "carol", "approve")
    # No one approves two levels: the head's level goes to whom the definition names next.
    head = await stack.task(handle, "approve_head")
    assert "carol" in head.excluded
    assert set(head.deciders or {}) == {"frank"}
    await stack.decide(handle, "approve_head", "frank", "approve")
    result = await handle.result()
    assert result["output"]["outcome"] == "POSTED"
