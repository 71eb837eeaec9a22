"""A guest's task on skipped time: reminders mail the guest their link again, an
escalation only tells people (the guest stays its one decider), and its timeout runs.
The guest's address is in their mail only: not in the run's search attributes, the
task's deciders or its audit."""

from __future__ import annotations

import json
import uuid

from sqlmodel import Session, col, select

from backoffice import database, runtime
from backoffice.tasks.store import NotificationRow, TaskCandidateRow, TaskEventRow
from tests.support.processes import ProcessRunner

EMAIL = "jane.roe@example.org"

GUEST = """
name: guest-reminders
version: 1
title: Guest reminders
owner: tests
business_key: input.case
input:
  case: string
  email: string
steps:
  - id: consent
    title: Consent ${ input.case }
    task:
      assignees: [{guest: {email: "${ input.email }", name: Jane Roe, link_expires: 4d}}]
      reassigners: [{group: ap-managers}]
      reminders: {at: [1d]}
      escalations: [{after: 2d, notify: [{user: dave}]}]
      form: {outcomes: [sign, decline]}
      timeout: {after: 3d, outcome: decline}
output:
  outcome: ${ steps.consent.outcome }
  timed_out: ${ steps.consent.timed_out }
"""


async def test_a_guest_is_reminded_by_link_escalation_tells_people_and_the_timeout_runs(
    skipping_runner: ProcessRunner,
) -> None:
    name = skipping_runner.define(GUEST)
    handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:8], "email": EMAIL})
    result = await handle.result()
    assert result["output"] == {"outcome": "decline", "timed_out": True}

    task_id = f"{handle.id}/consent"
    with Session(database.engine(runtime.settings())) as session:
        mails = session.exec(
            select(NotificationRow)
            .where(NotificationRow.task_id == task_id)
            .order_by(col(NotificationRow.id))
        ).all()
        events = session.exec(
            select(TaskEventRow)
            .where(TaskEventRow.task_id == task_id)
            .order_by(col(TaskEventRow.id))
        ).all()
        left = session.exec(
            select(TaskCandidateRow).where(TaskCandidateRow.task_id == task_id)
        ).all()
    to_guest = [m for m in mails if m.email == EMAIL]
    assert [m.subject.split(":")[0] for m in to_guest] == ["New task", "Reminder 1"]
    link = to_guest[0].body.split("(no account needed): ")[1].split()[0]
    assert link in to_guest[1].body  # the same link: it stays valid until it expires
    assert [m.person_id for m in mails if m.email != EMAIL] == ["dave"]  # the escalation
    assert left == []  # closed: nobody's to decide
    kinds = [event.event for event in events]
    assert kinds == ["created", "link_sent", "reminded", "escalated", "timed_out"]
    escalated = json.loads(events[3].detail_json)
    assert escalated["deciders"] == [mails[0].person_id]  # still the guest alone
    assert all(EMAIL not in event.detail_json for event in events)
    described = await handle.describe()
    assert EMAIL not in str(described.typed_search_attributes)
