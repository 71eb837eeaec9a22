"""Recorded runs of the shipped offboarding still replay with today's interpreter.

Recorded by ``record_histories.py`` beside this file from the definition's rehearsed
scenarios: T1 on the standard track to Left with the retention schedule purged, T2 on
the immediate track, and a resignation withdrawn before the last day. Each history holds
the definition it ran with, so a later change of the definition leaves it replaying.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from backoffice import registry
from backoffice.worker import workflow_runner
from tests.support.histories import (
    completion,
    name_in,
    recorded,
    replay,
    scheduled_activities,
)

ROOT = Path(__file__).resolve().parent / "histories"
HISTORIES = recorded(ROOT)


def scheduled(name: str) -> list[str]:
    """The activities a recorded run scheduled, by their real names, in order."""
    return scheduled_activities(ROOT / f"{name}.json")


def ending(name: str) -> dict[str, Any]:
    return completion(ROOT / f"{name}.json")


def test_the_process_has_its_recordings() -> None:
    wanted = {"offboarding_standard_left", "offboarding_immediate", "offboarding_withdrawn"}
    assert wanted <= {path.stem for path in HISTORIES}


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
def test_each_recording_is_of_a_run_that_ended_by_itself(path: Path) -> None:
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"


def test_the_recordings_hold_what_their_names_say() -> None:
    left = ending("offboarding_standard_left")["output"]
    assert (left["status"], left["track"], left["verification_clean"]) == ("Left", "standard", True)
    assert all(purge["purge"]["purged"] for purge in left["purges"])
    assert ending("offboarding_immediate")["output"]["track"] == "immediate"
    assert ending("offboarding_withdrawn")["reason"] == "WITHDRAWN"
    standard = scheduled("offboarding_standard_left")
    assert "hris.set_employee_left" in standard
    assert standard.count("workforce.purge") >= 1
    assert "hris.set_employee_left" in scheduled("offboarding_immediate")
    withdrawn = scheduled("offboarding_withdrawn")
    assert {"identity.activate_user", "hr.cancel_off_cycle_run", "hris.cancel_separation"} <= set(
        withdrawn
    )
    assert "hris.set_employee_left" not in withdrawn


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_offboarding_history_replays(path: Path) -> None:
    await replay(path, workflow_runner(registry.discover()))


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_offboarding_history_replays_inside_the_full_sandbox(path: Path) -> None:
    await replay(path, SandboxedWorkflowRunner())
