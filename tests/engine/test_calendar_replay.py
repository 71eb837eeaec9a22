"""A run keeps the holidays it started with: replay reads the snapshot, never the package.

``tests/histories/package_calendar.json`` was recorded with ``calendar: {country: DE,
subdivision: BY}``: its first step runs only if 2026-01-06 (Epiphany in Bavaria) is a
working day, so the command the run issued first depends on the holidays it counted.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import holidays
import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from backoffice import registry
from backoffice.language.holiday_calendars import resolve
from backoffice.language.model import Calendar
from backoffice.worker import workflow_runner
from tests.support.payload_keys import CONVERTER
from workflows.process import ProcessWorkflow

HISTORY = Path(__file__).resolve().parents[1] / "histories" / "package_calendar.json"


def _recorded() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(HISTORY.read_text(encoding="utf-8"))
    return document


def _start_input(document: dict[str, Any]) -> dict[str, Any]:
    started = document["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    result: dict[str, Any] = json.loads(base64.b64decode(payload["data"]))
    return result


def _with_start_input(document: dict[str, Any], run_input: dict[str, Any]) -> dict[str, Any]:
    changed = json.loads(json.dumps(document))
    started = changed["events"][0]["workflowExecutionStartedEventAttributes"]
    data = json.dumps(run_input, separators=(",", ":")).encode()
    started["input"]["payloads"][0]["data"] = base64.b64encode(data).decode()
    return changed


async def _replay(document: dict[str, Any]) -> Exception | None:
    history = WorkflowHistory.from_json(document["workflow_id"], {"events": document["events"]})
    replayer = Replayer(
        workflows=[ProcessWorkflow],
        data_converter=CONVERTER,
        workflow_runner=workflow_runner(registry.discover()),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure


@pytest.fixture
def package_without_holidays(monkeypatch: pytest.MonkeyPatch) -> None:
    """The holidays package as a release that knew no holidays at all would answer."""
    monkeypatch.setattr(holidays, "country_holidays", lambda *args, **kwargs: {})
    monkeypatch.setattr(holidays, "financial_holidays", lambda *args, **kwargs: {})


def test_the_recorded_run_took_the_bavarian_holidays_into_its_snapshot() -> None:
    snapshot = _start_input(_recorded())["snapshot"]
    assert snapshot["definition"]["calendar"]["country"] == "DE"
    assert snapshot["holidays"]["source"] == "DE-BY"
    assert "2026-01-06" in snapshot["holidays"]["dates"]


@pytest.mark.usefixtures("package_without_holidays")
async def test_a_recorded_run_replays_when_the_package_would_answer_differently() -> None:
    bavaria = Calendar(country="DE", subdivision="BY")
    resolved = resolve(bavaria, date(2026, 1, 5))
    assert resolved is not None
    assert resolved.dates == []  # a run started now would count Epiphany as a working day
    assert await _replay(_recorded()) is None


async def test_the_replay_counts_the_days_of_the_snapshot() -> None:
    # The control: the same history with the snapshot's dates taken out no longer replays,
    # so the replay above passed because it read those dates.
    document = _recorded()
    run_input = _start_input(document)
    run_input["snapshot"]["holidays"]["dates"] = []
    failure = await _replay(_with_start_input(document, run_input))
    assert failure is not None
    assert "Nondeterminism" in str(failure)
    assert "'epiphany'" in str(failure)  # counted as a working day, the guarded step ran
