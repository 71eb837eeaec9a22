"""Replaying recorded histories against today's interpreter, for the engine and each process.

Each test folder with recordings keeps them in its ``histories/``: the newest at the top,
those of earlier interpreters in folders named after the change that followed them (they
must keep replaying too). They replay with the engine's encrypting converter: histories
recorded before payloads were encrypted must keep replaying with it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def scheduled_activities(path: Path) -> list[str]:
    """The activities a recorded run scheduled, by their real names, in order."""
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    return [
        event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        for event in events
        if "activityTaskScheduledEventAttributes" in event
    ]


def completion(path: Path) -> dict[str, Any]:
    """What a recorded run returned (its status, reason and output), as its last event
    holds it: plain JSON, as the rehearsal recorded it."""
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    payload = events[-1]["workflowExecutionCompletedEventAttributes"]["result"]["payloads"][0]
    result: dict[str, Any] = json.loads(base64.b64decode(payload["data"]))
    return result
