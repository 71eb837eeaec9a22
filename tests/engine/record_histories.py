"""Record the histories the replay test keeps: ``python -m tests.engine.record_histories``.

Each scenario runs a definition that exercises one step kind on a fresh dev server and
writes the run's history to ``tests/histories/<scenario>.json``. Re-record only on purpose:
the point of the files is that today's interpreter must replay yesterday's runs.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime, search_attributes
from backoffice.engine.contracts import (
    DECIDE_UPDATE,
    DELEGATE_UPDATE,
    RESCHEDULE_UPDATE,
    TASKS_QUERY,
    Decision,
    Delegate,
    Reschedule,
    TaskView,
)
from backoffice.engine.runs import progress, send_event
from backoffice.events.subscriptions import waiting_for
from backoffice.settings import interpreter_bin_dir
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner, process_worker
from tests.support.waits import opened_task

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
HEADER = "version: 1\ntitle: Replay {name}\nowner: tests\nbusiness_key: input.case\n"


@dataclass
class Scenario:
    name: str
    body: str
    data: dict[str, Any]
    drive: Callable[[Client, WorkflowHandle[Any, Any]], Awaitable[None]] | None = None
    fails: bool = False
    history_limit: int | None = None


async def _approve(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    task = await opened_task(handle)
    decision = Decision(task_id=task.task_id, user="alice", outcome="approve")
    await handle.execute_update(DECIDE_UPDATE, decision, result_type=TaskView)


async def _approve_once_moved(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    """Approve the task once its due date followed the postponed start."""

    async def moved() -> bool:
        tasks = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        return any(note.startswith("moved after") for task in tasks for note in task.notes)

    await eventually(moved, f"{handle.id} to move its task with the start")
    await _approve(client, handle)


async def _correct_lines(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    task = await opened_task(handle)
    lines = [{"item": "train", "amount": 41.28}, {"item": "hotel", "amount": "189.99"}]
    decision = Decision(
        task_id=task.task_id, user="alice", outcome="resubmit", fields={"lines": lines}
    )
    await handle.execute_update(DECIDE_UPDATE, decision, result_type=TaskView)


async def _guest_signs(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    """The guest answers through their link (as the guest page sends it), with a file."""
    task = await opened_task(handle, decidable=True)
    guest = next(who for who in task.deciders or {} if who.startswith("guest:"))
    signed = {
        "file_id": "0" * 32,
        "name": "consent.pdf",
        "size": 2400,
        "sha256": "a" * 64,
        "content_type": "application/pdf",
    }
    decision = Decision(
        task_id=task.task_id,
        user=guest,
        outcome="sign",
        fields={"signed_form": signed},
        via="guest-link",
    )
    await handle.execute_update(DECIDE_UPDATE, decision, result_type=TaskView)


async def _change_and_decide(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    """Move the deadline, delegate, then two approvals: every task update in one run."""
    # The deciders arrive with the opening activity's result.
    task = await opened_task(handle, decidable=True)
    later = task.deadline + timedelta(days=2)
    updates: list[tuple[str, Any]] = [
        (RESCHEDULE_UPDATE, Reschedule(task_id=task.task_id, user="dave", deadline=later)),
        (DELEGATE_UPDATE, Delegate(task_id=task.task_id, user="alice", to="carol")),
        (DECIDE_UPDATE, Decision(task_id=task.task_id, user="bob", outcome="approve")),
        (DECIDE_UPDATE, Decision(task_id=task.task_id, user="carol", outcome="approve")),
    ]
    for name, request in updates:
        await handle.execute_update(name, request, result_type=TaskView)


async def _send_receipt(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    await send_event(client, handle.id, "goods_received", {"qty": 3})


async def _send_receipt_once_subscribed(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    """The receipt sent once the keyed wait has subscribed, so the history holds both."""
    engine = database.engine(runtime.settings())
    await eventually(
        lambda: waiting_for(engine, "goods_received", "PO-REPLAY-1", datetime.now(UTC)),
        "the keyed wait for PO-REPLAY-1 to subscribe",
    )
    await send_event(client, handle.id, "goods_received", {"po_number": "PO-REPLAY-1"})


async def _send_receipt_once_the_timer_runs(
    client: Client, handle: WorkflowHandle[Any, Any]
) -> None:
    """The receipt sent once the wait's timeout timer started, so the history holds it."""

    async def timer_started() -> bool:
        history = await handle.fetch_history()
        return any(event.HasField("timer_started_event_attributes") for event in history.events)

    await eventually(timer_started, f"{handle.id} to start its wait's timer")
    await send_event(client, handle.id, "goods_received", {"qty": 1})


async def _cancel_when_waiting(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    async def waiting() -> bool:
        return (await progress(client, handle.id)).status == "waiting"

    await eventually(waiting, f"{handle.id} to wait for its event")
    await handle.cancel()


async def _cut_off_once_items_wait(client: Client, handle: WorkflowHandle[Any, Any]) -> None:
    """The cut-off sent once both items in flight wait on their tasks."""

    async def both_open() -> bool:
        tasks = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        return len([task for task in tasks if task.deciders is not None]) >= 2

    await eventually(both_open, f"two tasks of {handle.id} to open")
    await send_event(client, handle.id, "cut_off")


INPUT = "input:\n  case: string\n  items: list?\n"

SCENARIOS = [
    Scenario(
        "sequence_guard_switch_set",
        INPUT
        + """variables: {route: none}
steps:
  - {id: first, call: test.add, with: {a: 1, b: 2}}
  - {id: skipped, if: steps.first.sum > 100, call: test.note, with: {note: never}}
  - id: route
    switch:
      - when: steps.first.sum == 3
        steps: [{id: three, set: {route: three}}]
    otherwise: [{id: other, set: {route: other}}]
  - {id: last, call: test.note, with: {note: "${ vars.route }"}}
output: {route: "${ vars.route }"}
""",
        {"case": "seq"},
    ),
    Scenario(
        "parallel_modes",
        INPUT
        + """steps:
  - id: all
    parallel:
      - {id: a, steps: [{id: a1, call: test.add, with: {a: 1, b: 1}}]}
      - {id: b, steps: [{id: b1, call: test.add, with: {a: 2, b: 2}}]}
  - id: race
    mode: first
    parallel:
      - {id: slow, steps: [{id: slow_wait, wait: {event: never, timeout: 30d}}]}
      - {id: quick, steps: [{id: quick_add, call: test.add, with: {a: 3, b: 3}}]}
""",
        {"case": "par"},
    ),
    Scenario(
        "for_each_and_repeat",
        INPUT
        + """variables: {round: 0}
steps:
  - id: lines
    for_each: input.items
    max_items: 10
    concurrency: 2
    steps: [{id: add, call: test.add, with: {a: "${ item }", b: 1}}]
  - id: rounds
    repeat: {until: vars.round >= 2, max: 3}
    steps: [{id: bump, set: {round: "${ vars.round + 1 }"}}]
""",
        {"case": "loop", "items": [1, 2, 3, 4]},
    ),
    Scenario(
        "event_wait",
        INPUT
        + """steps:
  - {id: receipt, wait: {event: goods_received, timeout: 10bd}}
  - {id: booked, call: test.note, with: {note: "${ string(steps.receipt.data.qty) }"}}
""",
        {"case": "event"},
        drive=_send_receipt,
    ),
    Scenario(
        "keyed_event_wait",
        INPUT
        + """steps:
  - id: receipt
    wait: {event: goods_received, key: PO-REPLAY-1, timeout: 1bd, on_timeout: continue}
  - {id: booked, call: test.note, with: {note: "${ steps.receipt.data.po_number }"}}
""",
        {"case": "keyed"},
        drive=_send_receipt_once_subscribed,
    ),
    Scenario(
        "human_task",
        INPUT
        + """steps:
  - id: approve
    task:
      assignees: [{user: alice}]
      due: 1bd
      timeout: {after: 3bd, outcome: expired}
  - {id: after, call: test.note, with: {note: "${ steps.approve.outcome }"}}
""",
        {"case": "task"},
        drive=_approve,
    ),
    Scenario(
        # Settings worked out when the task opens: approvals by input, a timeout and
        # reminders before a computed moment; one approver of two needed, so it times out.
        "computed_task_settings",
        INPUT
        + """steps:
  - id: renew
    task:
      assignees: [{user: alice}]
      approvals: "${ input.case == 'computed' ? 2 : 1 }"
      reminders: {before: "${ now + duration('6s') }", at: [4s, 2s]}
      timeout: {after: "${ now + duration('6s') }", outcome: lapsed}
  - {id: after, call: test.note, with: {note: "${ steps.renew.outcome }"}}
""",
        {"case": "computed"},
    ),
    Scenario(
        "task_changes",
        INPUT
        + """steps:
  - id: approve
    task:
      assignees: [{group: ap-clerks}]
      reassigners: [{group: ap-managers}]
      approvals: 2
      due: 1bd
      reminders: {every: 1bd}
      escalations: [{after: 2bd, add: [{group: ap-managers}]}]
      timeout: {after: 3bd, outcome: expired}
  - {id: after, call: test.note, with: {note: "${ steps.approve.outcome }"}}
""",
        {"case": "changes"},
        drive=_change_and_decide,
    ),
    Scenario(
        "catch_and_compensate",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
steps:
  - id: booked
    call: test.note
    with: {note: booked}
    compensate: {id: unbook, call: test.undo, with: {note: booked}}
  - id: risky
    call: test.fail
    with: {type: Soft}
    catch: [{errors: [Soft], steps: [{id: handled, set: {ok: true}}]}]
  - {id: stop, fail: FAILED_ON_PURPOSE}
""",
        {"case": "saga"},
        fails=True,
    ),
    Scenario(
        "cancel_compensates",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
steps:
  - id: booked
    call: test.note
    with: {note: booked}
    compensate: {id: unbook, call: test.undo, with: {note: booked}}
  - {id: hold, wait: {event: never, timeout: 30d}}
""",
        {"case": "cancel"},
        drive=_cancel_when_waiting,
        fails=True,
    ),
    Scenario(
        # Holidays from the holidays package, taken into the snapshot at the start: the
        # guard skips its step only while 2026-01-06 (Epiphany in Bavaria) is a holiday.
        "package_calendar",
        INPUT
        + """calendar: {timezone: Europe/Berlin, country: DE, subdivision: BY}
steps:
  - {id: epiphany, if: 'is_business_day("2026-01-06")', call: test.add, with: {a: 1, b: 1}}
  - {id: next_day, call: test.note, with: {note: "${ add_business_days('2026-01-05', 1) }"}}
  - {id: receipt, wait: {event: goods_received, timeout: 1bd}}
output: {next_day: "${ add_business_days('2026-01-05', 1) }"}
""",
        {"case": "holidays"},
        drive=_send_receipt_once_the_timer_runs,
    ),
    Scenario(
        # A failing expression in an `if` (caught by the step's own catch) and in a `set`
        # (uncaught: the run fails and the booking is undone).
        "expression_errors",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
steps:
  - id: booked
    call: test.note
    with: {note: booked}
    compensate: {id: unbook, call: test.undo, with: {note: booked}}
  - id: big
    if: input.items[0] > 2
    call: test.note
    with: {note: big}
    catch: [{errors: [ExpressionError], steps: [{id: noted, set: {guard: "${ error.message }"}}]}]
  - {id: count, set: {label: "${ string(input.items[0] + 1) }"}}
""",
        {"case": "expressions", "items": ["3"]},
        fails=True,
    ),
    Scenario(
        "continue_as_new",
        INPUT
        + """steps:
  - id: lines
    for_each: input.items
    max_items: 50
    steps: [{id: add, call: test.add, with: {a: "${ item }", b: 0}}]
""",
        {"case": "can", "items": list(range(12))},
        history_limit=40,
    ),
    Scenario(
        # A mail through the outbox, a task for a system's owner, and its decision voided
        # when the step after it fails.
        "notify_and_void",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
steps:
  - id: tell
    notify: {to: [{user: alice}, {owner_of: {system: erp}}], subject: "Case ${ input.case }",
             body: "Approval needed"}
  - id: approve
    task:
      assignees: [{user: alice}, {owner_of: {system: erp}, or_else: {role: cfo}}]
      timeout: {after: 5bd, outcome: reject}
    compensate: {id: void_approval, void: approve}
  - {id: post, call: test.fail, with: {type: PostingRefused, message: refused}}
""",
        {"case": "void"},
        drive=_approve,
        fails=True,
    ),
    Scenario(
        # A form with a list field: its default is evaluated when the task opens.
        "list_field_task",
        INPUT
        + """steps:
  - id: fix
    task:
      assignees: [{user: alice}]
      form:
        fields:
          - id: lines
            type: list
            min_items: 1
            default: ${ input.items }
            fields: [{id: item, required: true}, {id: amount, type: number, required: true}]
        outcomes: [resubmit]
      timeout: {after: 3bd, outcome: expired}
  - {id: after, call: test.note, with: {note: "${ string(size(steps.fix.fields.lines)) }"}}
""",
        {"case": "lines", "items": [{"item": "train", "amount": 412.8, "note": "x"}]},
        drive=_correct_lines,
    ),
    Scenario(
        # A guest decides through their link, uploading a file; reminded and escalated first.
        "guest_file_task",
        INPUT
        + """steps:
  - id: consent
    task:
      assignees: [{guest: {email: jane.roe@example.org, name: Jane Roe, link_expires: 2d}}]
      reassigners: [{group: ap-managers}]
      form:
        fields: [{id: signed_form, type: file}]
        outcomes: [{id: sign, requires: [signed_form]}, decline]
      timeout: {after: 3d, outcome: decline}
  - {id: after, call: test.note, with: {note: "${ steps.consent.fields.signed_form.name }"}}
""",
        {"case": "guest"},
        drive=_guest_signs,
    ),
    Scenario(
        # A first parallel whose losing branch is a for_each with tasks in flight: the
        # items are cancelled, their tasks closed, the posted notes undone.
        "cancelled_for_each",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
steps:
  - id: month_end
    mode: first
    parallel:
      - id: entities
        steps:
          - id: close_entities
            for_each: input.items
            max_items: 10
            concurrency: 2
            steps:
              - id: post
                call: test.note
                with: {note: "${ string(item) }"}
                compensate: {id: unpost, call: test.undo, with: {note: "${ string(item) }"}}
              - id: review
                task: {assignees: [{user: alice}], timeout: {after: 10bd, outcome: expired}}
      - id: deadline
        steps: [{id: cut_off, wait: {event: cut_off, timeout: 30d}}]
output: {won_by: "${ steps.month_end.winner }"}
""",
        {"case": "cancel-each", "items": [1, 2, 3]},
        drive=_cut_off_once_items_wait,
    ),
    Scenario(
        # A deadline on a block of tasks passes: the tasks are cancelled, the block fails
        # with Timeout and its handler runs; then a repeat whose rounds start afresh.
        "block_deadline",
        INPUT
        + """defaults: {repair_by: [{group: ap-managers}]}
variables: {round: 0}
steps:
  - id: reviews
    timeout: 2s
    for_each: input.items
    max_items: 10
    concurrency: 2
    steps:
      - id: booked
        call: test.note
        with: {note: "${ string(item) }"}
        compensate: {id: unbook, call: test.undo, with: {note: "${ string(item) }"}}
      - id: review
        task: {assignees: [{user: alice}], timeout: {after: 10bd, outcome: expired}}
    catch: [{errors: [Timeout], steps: [{id: late, set: {late: true}}]}]
  - id: rounds
    repeat: {until: vars.round >= 2, max: 3}
    steps:
      - {id: bump, set: {round: "${ vars.round + 1 }"}}
      - {id: once, if: vars.round == 1, call: test.add, with: {a: 1, b: 1}}
      - {id: look, call: test.note, with: {note: "${ has(steps.once) ? 'ran' : 'skipped' }"}}
""",
        {"case": "deadline", "items": [1, 2]},
    ),
    Scenario(
        # A branch postpones the start: the wait until it and the task due at it move
        # (timers-follow-their-variables); the zone rules travel in the snapshot.
        "timers_follow_variables",
        INPUT
        + """variables: {start: ""}
steps:
  - id: keep_start
    set: {start: "${ now + duration('4s') }", day: "${ local_date(now, 'America/Los_Angeles') }"}
  - id: meanwhile
    parallel:
      - id: opening
        steps: [{id: day_one, wait: {until: "${ vars.start }"}}]
      - id: preparing
        steps:
          - id: prepare
            task:
              assignees: [{user: alice}]
              due: "${ vars.start }"
              timeout: {after: 1h, outcome: expired}
      - id: hr
        steps:
          - {id: decide_later, wait: 1s}
          - {id: postpone, set: {start: "${ vars.start + duration('2s') }"}}
""",
        {"case": "follow"},
        drive=_approve_once_moved,
    ),
    Scenario(
        # A task cancelled by its block's deadline, closed within the bounded clean-up.
        "cancelled_task_closed",
        INPUT
        + """steps:
  - id: review_window
    timeout: 2s
    steps:
      - id: review
        task: {assignees: [{user: alice}], timeout: {after: 10bd, outcome: expired}}
    catch: [{errors: [Timeout], steps: [{id: late, set: {late: true}}]}]
output: {late: "${ vars.late }"}
""",
        {"case": "closed"},
    ),
]


def scenario_definition(scenario: Scenario) -> str:
    name = "replay-" + scenario.name.replace("_", "-")
    return f"name: {name}\n" + HEADER.format(name=scenario.name) + scenario.body


async def record(runner: ProcessRunner, scenario: Scenario) -> Path:
    name = runner.define(scenario_definition(scenario))
    handle = await runner.start(name, scenario.data, history_limit=scenario.history_limit)
    if scenario.drive is not None:
        await scenario.drive(runner.client, handle)
    try:
        await handle.result()
    except Exception:
        if not scenario.fails:
            raise
    first_run = runner.client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
    history = await first_run.fetch_history()
    path = HISTORIES / f"{scenario.name}.json"
    # Task ids and activity ids derive from the workflow id, so the replay needs it too.
    document = {"workflow_id": handle.id, **json.loads(history.to_json())}
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


async def main(only: list[str]) -> None:
    """Record every scenario, or only those named on the command line."""
    HISTORIES.mkdir(exist_ok=True)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
    )
    directory = Path(tempfile.mkdtemp())
    try:
        async with process_worker(env.client, directory) as runner:
            for scenario in SCENARIOS:
                if only and scenario.name not in only:
                    continue
                print("recorded", await record(runner, scenario))
    finally:
        shutil.rmtree(directory)
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
