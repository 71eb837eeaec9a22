"""Recorded runs of the shipped onboarding still replay with today's interpreter.

Recorded by ``record_histories.py`` beside this file from the definition's rehearsed
scenarios: T1 to Completed, a withdrawal that undoes everything, and T4's start
postponed at D-1, which moves the timers that read the start date. Each history holds
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


def scheduled(name: str) -> set[str]:
    """The activities a recorded run scheduled, by their real names."""
    return set(scheduled_activities(ROOT / f"{name}.json"))


def ending(name: str) -> dict[str, Any]:
    return completion(ROOT / f"{name}.json")


def test_the_process_has_its_recordings() -> None:
    wanted = {"onboarding_completed", "onboarding_withdrawn", "onboarding_postponed"}
    assert wanted <= {path.stem for path in HISTORIES}


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
def test_each_recording_is_of_a_run_that_ended_by_itself(path: Path) -> None:
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"


def test_the_recordings_hold_what_their_names_say() -> None:
    completed = ending("onboarding_completed")
    assert (completed["status"], completed["output"]["status"]) == ("completed", "Completed")
    assert "identity.activate_user" in scheduled("onboarding_completed")
    withdrawn = ending("onboarding_withdrawn")
    assert (withdrawn["reason"], withdrawn["output"]["status"]) == ("WITHDRAWN", "Cancelled")
    undone = {
        "identity.remove_user",
        "hr.revoke_badge",
        "assets.cancel_assignment",
        "hr.inactivate_payroll_record",
    }
    assert undone <= scheduled("onboarding_withdrawn")
    assert "identity.activate_user" not in scheduled("onboarding_withdrawn")
    postponed = ending("onboarding_postponed")
    assert postponed["output"]["status"] == "Completed"
    assert postponed["output"]["start_date"] == "2043-07-13"  # a week after the first date
    # The laptop task's deadline followed the postponed start.
    assert "tasks.reschedule" in scheduled("onboarding_postponed")


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_onboarding_history_replays(path: Path) -> None:
    await replay(path, workflow_runner(registry.discover()))


@pytest.mark.parametrize("path", HISTORIES, ids=name_in(ROOT))
async def test_recorded_onboarding_history_replays_inside_the_full_sandbox(path: Path) -> None:
    await replay(path, SandboxedWorkflowRunner())
