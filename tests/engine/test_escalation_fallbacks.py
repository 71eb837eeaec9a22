"""Escalation to "the manager, or else someone named": or_else, and manager_of a rule."""

from __future__ import annotations

import json
import uuid

from sqlmodel import Session, col, select

from backoffice import database, runtime
from backoffice.tasks.store import TaskEventRow, TaskRow
from tests.support.processes import ProcessRunner

# frank (cfo) reports to nobody; erin (buyer) reports to frank; dave is the AP manager.
FALLBACKS = """
name: escalation-fallbacks
version: 1
title: Escalation fallbacks
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve_cfo
    task:
      assignees: [{role: cfo}]
      escalations:
        - after: 3bd
          add: [{manager_of: {role: cfo}, or_else: {group: ap-managers}}]
      timeout: {after: 5bd, outcome: expired}
  - id: approve_buyer
    task:
      assignees: [{role: buyer}]
      escalations:
        - after: 3bd
          add: [{manager_of: {role: buyer}, or_else: {group: ap-managers}}]
      timeout: {after: 5bd, outcome: expired}
  - id: cfo_excluded
    task:
      # frank may not decide this one: the CFO rule names nobody else, so carol does.
      assignees: [{role: cfo, or_else: {user: carol}}]
      exclude: [frank]
      timeout: {after: 1bd, outcome: expired}
output:
  outcome: ${ steps.cfo_excluded.outcome }
"""


def recorded(workflow_id: str) -> dict[str, list[str]]:
    """Per step, who might decide: at creation, then at each escalation."""
    engine = database.engine(runtime.settings())
    found: dict[str, list[str]] = {}
    with Session(engine) as session:
        rows = session.exec(select(TaskRow).where(TaskRow.workflow_id == workflow_id)).all()
        for row in rows:
            events = session.exec(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == row.id)
                .where(col(TaskEventRow.event).in_(("created", "escalated")))
                .order_by(col(TaskEventRow.at))
            ).all()
            found[row.step_id] = [
                ",".join(json.loads(event.detail_json)["deciders"]) for event in events
            ]
    return found


async def test_the_manager_or_else_whom_the_definition_names(
    skipping_runner: ProcessRunner,
) -> None:
    name = skipping_runner.define(FALLBACKS)
    handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:8]})
    assert (await handle.result())["output"] == {"outcome": "expired"}
    assert recorded(handle.id) == {
        "approve_cfo": ["frank", "dave,frank"],  # no manager: the AP managers
        "approve_buyer": ["erin", "erin,frank"],  # erin's manager
        "cfo_excluded": ["carol"],
    }
