"""Recorded runs of the shipped invoice process still replay with today's interpreter.

Recorded by ``record_histories.py`` beside this file: the approval matrix with a
rejection and clarification, and a posted invoice reversed when a duplicate is reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from backoffice import registry
from backoffice.worker import workflow_runner
from tests.support.histories import name_in, recorded, replay

ROOT = Path(__file__).resolve().parent / "histories"
HISTORIES = recorded(ROOT)


def test_the_process_has_its_recordings() -> None:
    assert {"invoice_approval_matrix", "invoice_reversal"} <= {path.stem for path in HISTORIES}


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_invoice_history_replays(path: Path) -> None:
    await replay(path, workflow_runner(registry.discover()))


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_invoice_history_replays_inside_the_full_sandbox(path: Path) -> None:
    await replay(path, SandboxedWorkflowRunner())
