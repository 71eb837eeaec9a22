"""Recorded runs of every step kind still replay with today's interpreter.

An interpreter change that alters the commands an old run issued fails here; guard such a
change with ``workflow.patched`` (and record the new behaviour as a new history). Each
process's own recordings replay beside its tests (tests/processes/<process>/).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from backoffice import registry
from backoffice.worker import workflow_runner
from tests.support.histories import name_in, recorded, replay

ROOT = Path(__file__).resolve().parents[1] / "histories"
HISTORIES = recorded(ROOT)


def test_there_is_a_history_for_every_step_kind_family() -> None:
    names = {path.stem for path in HISTORIES}
    assert {
        "sequence_guard_switch_set",
        "parallel_modes",
        "for_each_and_repeat",
        "event_wait",
        "keyed_event_wait",  # a wait that subscribes by its key (a local activity)
        "human_task",
        "task_changes",
        "computed_task_settings",  # approvals, timeout and reminders worked out at opening
        "catch_and_compensate",
        "cancel_compensates",
        "continue_as_new",
        "package_calendar",  # holidays of the holidays package, read from the snapshot
        "expression_errors",  # failing expressions, caught in an `if` and uncaught
        # Recorded before an error in an `if` failed its own step: it failed the run.
        "if_expression_error_before_it_was_caught",
        "notify_and_void",  # a mail, an owner's task, and its decision voided on failure
        "list_field_task",  # a task form with a list field and its prefilled lines
        "cancelled_for_each",  # a losing branch's items in flight, cancelled and undone
        "block_deadline",  # a block's deadline passes; a repeat's rounds start afresh
        "cancelled_task_closed",  # a task cancelled by a deadline, closed within a bound
        "timers_follow_variables",  # a wait and a task due moved by a set in a branch
        "guest_file_task",  # a guest decides through their link, with an uploaded file
    } <= names


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_history_replays(path: Path) -> None:
    await replay(path, workflow_runner(registry.discover()))


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_history_replays_inside_the_full_sandbox(path: Path) -> None:
    # The worker passes the process module through the sandbox for speed; replaying with
    # the full sandbox as well catches any non-deterministic call the pass-through hides.
    await replay(path, SandboxedWorkflowRunner())
