"""Replaying recorded histories against today's interpreter, for the engine and each process.

Each test folder with recordings keeps them in its ``histories/``: the newest at the top,
those of earlier interpreters in folders named after the change that followed them (they
must keep replaying too). They replay with the engine's encrypting converter: histories
recorded before payloads were encrypted must keep replaying with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, WorkflowRunner

from tests.support.payload_keys import CONVERTER
from workflows.process import ProcessWorkflow


def recorded(root: Path) -> list[Path]:
    return sorted(root.rglob("*.json"))


def name_in(root: Path) -> Callable[[Path], str]:
    """A test id for a history: its path under ``root``, without .json."""

    def name(path: Path) -> str:
        return str(path.relative_to(root).with_suffix(""))

    return name


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
