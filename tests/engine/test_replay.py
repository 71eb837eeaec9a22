"""Recorded runs of every step kind still replay with today's interpreter.

An interpreter change that alters the commands an old run issued fails here; guard such a
change with ``workflow.patched`` (and record the new behaviour as a new history). They
replay with the engine's encrypting converter: histories recorded before payloads were
encrypted must keep replaying with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from backoffice import registry
from tests.support.payload_keys import CONVERTER
from worker import workflow_runner
from workflows.process import ProcessWorkflow

ROOT = Path(__file__).resolve().parents[1] / "histories"
# The newest recordings at the top; those of earlier interpreters in folders named after
# the change that followed them (they must keep replaying too).
HISTORIES = sorted(ROOT.rglob("*.json"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT).with_suffix(""))


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
        "catch_and_compensate",
        "cancel_compensates",
        "continue_as_new",
        "package_calendar",  # holidays of the holidays package, read from the snapshot
        "invoice_approval_matrix",  # the shipped invoice process (tests/invoice/record_histories)
        "invoice_reversal",
    } <= names


@pytest.mark.parametrize("path", HISTORIES, ids=_name)
async def test_recorded_history_replays(path: Path) -> None:
    await replay(path, workflow_runner(registry.discover()))


@pytest.mark.parametrize("path", HISTORIES, ids=_name)
async def test_recorded_history_replays_inside_the_full_sandbox(path: Path) -> None:
    # The worker passes the process module through the sandbox for speed; replaying with
    # the full sandbox as well catches any non-deterministic call the pass-through hides.
    await replay(path, SandboxedWorkflowRunner())


async def replay(path: Path, runner: WorkflowRunner) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    history = WorkflowHistory.from_json(data["workflow_id"], {"events": data["events"]})
    replayer = Replayer(
        workflows=[ProcessWorkflow],
        data_converter=CONVERTER,
        workflow_runner=runner,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
