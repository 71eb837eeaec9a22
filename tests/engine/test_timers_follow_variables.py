"""Timers that follow a date: a wait until a variable's date, and a task's due date and
reminders before it, move when another branch sets the variable; a plain duration stays."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.engine.contracts import PROGRESS_QUERY, Progress
from backoffice.language.business_days import BusinessCalendar
from backoffice.language.model import Calendar
from backoffice.tasks.store import TaskEventRow, TaskRow
from tests.support.processes import ProcessRunner

LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def documented(name: str) -> str:
    """The complete example of ``name`` in the process owner's manual, as written there."""
    manual = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
    blocks = re.findall(r"```yaml\n(.*?)```", manual.read_text(encoding="utf-8"), re.S)
    (block,) = [block for block in blocks if f"\nname: {name}\n" in block]
    return block


def audit(task_id: str, name: str) -> list[TaskEventRow]:
    with Session(database.engine(runtime.settings())) as session:
        return list(
            session.exec(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == task_id, TaskEventRow.event == name)
                .order_by(col(TaskEventRow.id))
            )
        )


def task_row(task_id: str) -> TaskRow:
    with Session(database.engine(runtime.settings())) as session:
        row = session.get(TaskRow, task_id)
        assert row is not None
        return row


def at_six(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOS_ANGELES).replace(hour=6).astimezone(UTC)


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOS_ANGELES).astimezone(UTC)


def utc(moment: datetime) -> datetime:
    # The timer fires at its moment; the workflow task that acts on it reads the clock a
    # few milliseconds later: compared to the second.
    return moment.replace(tzinfo=UTC, microsecond=0) if moment.tzinfo is None else moment


async def progress_of(handle: WorkflowHandle[object, object]) -> Progress:
    found: Progress = await handle.query(PROGRESS_QUERY, result_type=Progress)
    return found


async def test_a_postponed_start_moves_the_wait_and_the_tasks_due_date_and_reminders(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    # The manual's example: a wait until 06:00 on vars.start, a task due 3bd before it
    # with reminders before it, and a branch that postpones the start by a week.
    name = skipping_runner.define(documented("start-date-moves"))
    began = await time_env.get_current_time()
    first = (began.astimezone(LOS_ANGELES) + timedelta(days=10)).date()
    later = first + timedelta(days=7)
    handle = await skipping_runner.start(
        name, {"employee": uuid.uuid4().hex[:10], "start": first.isoformat()}
    )
    result = await handle.result()

    # The wait fired at 06:00 on the new start date, not the first one.
    assert result["output"]["waited_until"] == at_six(later).isoformat()
    assert result["output"]["outcome"] == "expired"
    steps = {step.step_id: step for step in (await progress_of(handle)).steps}
    ended = steps["day_one"].ended_at
    assert ended is not None
    assert ended.replace(microsecond=0) == at_six(later)

    # The task's due date and reminders moved with the date; its timeout (40d) did not.
    task_id = f"{handle.id}/prepare"
    (moved,) = audit(task_id, "rescheduled")
    detail = json.loads(moved.detail_json)
    assert moved.actor == "process"
    assert (
        f"vars.start changed from {first.isoformat()} to {later.isoformat()} (step postpone)"
        in detail["comment"]
    )
    calendar = BusinessCalendar.from_model(Calendar(timezone="America/Los_Angeles"))
    due_day = calendar.add_business_days(later, -3)
    row = task_row(task_id)
    assert row.due_at is not None
    assert utc(row.due_at) == midnight(due_day)
    (created,) = audit(task_id, "created")
    opened_at = utc(created.at)
    assert abs(utc(row.deadline) - (opened_at + timedelta(days=40))) < timedelta(seconds=2)
    reminded = [utc(r.at).replace(microsecond=0) for r in audit(task_id, "reminded")]
    assert reminded == [midnight(later) - timedelta(days=days) for days in (2, 1)]
    # Ops read why on the run's page: the task's notes say it moved, and after what.
    (task,) = (await progress_of(handle)).tasks
    assert task.notes[0].startswith(
        f"moved after vars.start changed from {first.isoformat()} to {later.isoformat()}"
    )


EARLIER = """
name: follow-earlier-{suffix}
version: 1
title: Start brought forward
owner: tests
business_key: input.case
input:
  case: string
  start: string
variables:
  start: ""
steps:
  - id: keep_start
    set: {{start: "${{ input.start }}"}}
  - id: meanwhile
    parallel:
      - id: first_day
        steps:
          - id: day_one
            wait: {{until: '${{ local_time(vars.start, "06:00", "Europe/Berlin") }}'}}
      - id: preparing
        steps:
          - id: prepare
            task:
              assignees: [{{user: alice}}]
              due: 3bd
              timeout: {{after: 20d, outcome: expired}}
      - id: hr
        steps:
          - {{id: decide_later, wait: 1d}}
          - id: bring_forward      # to a day already past: the wait ends at once
            set: {{start: "${{ add_days(vars.start, -30) }}"}}
output:
  day_one: ${{ steps.day_one }}
"""


async def test_a_wait_moved_into_the_past_ends_and_a_plain_due_date_stays(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    name = skipping_runner.define(EARLIER.format(suffix=uuid.uuid4().hex[:8]))
    began = await time_env.get_current_time()
    first = (began + timedelta(days=10)).date()
    handle = await skipping_runner.start(
        name, {"case": uuid.uuid4().hex[:10], "start": first.isoformat()}
    )
    result = await handle.result()
    day_one = result["output"]["day_one"]
    (moved,) = day_one["moved"]
    assert "(step bring_forward)" in moved
    steps = {step.step_id: step for step in (await progress_of(handle)).steps}
    ended, postponed = steps["day_one"].ended_at, steps["bring_forward"].ended_at
    assert ended is not None
    assert postponed is not None
    assert abs(ended - postponed) < timedelta(seconds=2)  # not at the old start
    # due: 3bd reads no variable: the task was never moved.
    assert audit(f"{handle.id}/prepare", "rescheduled") == []


REMINDER_COMES_BACK = """
name: follow-reminder-{suffix}
version: 1
title: A reminder that was past comes
owner: tests
business_key: input.case
input:
  case: string
  start: string
variables:
  start: ""
steps:
  - id: keep_start
    set: {{start: "${{ input.start }}"}}
  - id: meanwhile
    parallel:
      - id: preparing
        steps:
          - id: prepare
            task:
              assignees: [{{user: alice}}]
              reminders: {{before: "${{ vars.start }}", at: [40d]}}
              timeout: {{after: 100d, outcome: expired}}
      - id: hr
        steps:
          - {{id: decide_later, wait: 1d}}
          - id: postpone
            set: {{start: "${{ add_days(vars.start, 60) }}"}}
"""


async def test_a_reminder_skipped_at_opening_comes_once_the_date_moves_far_enough(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    name = skipping_runner.define(REMINDER_COMES_BACK.format(suffix=uuid.uuid4().hex[:8]))
    began = await time_env.get_current_time()
    first = (began + timedelta(days=30)).date()
    handle = await skipping_runner.start(
        name, {"case": uuid.uuid4().hex[:10], "start": first.isoformat()}
    )
    await handle.result()
    later = first + timedelta(days=60)
    start_of_later = datetime.combine(later, datetime.min.time(), UTC)  # the calendar's zone
    reminded = [
        utc(row.at).replace(microsecond=0) for row in audit(f"{handle.id}/prepare", "reminded")
    ]
    assert reminded == [start_of_later - timedelta(days=40)]
