"""`backoffice decide` sends a list field as JSON; the process checks it as the inbox does."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.engine.test_cli_identity import PASSWORD, backoffice
from tests.engine.test_task_records import task_row
from tests.support.expense_claims import EXPENSE_FIX, claim_input
from tests.support.processes import ProcessRunner

pytestmark = pytest.mark.slow


async def test_decide_takes_lines_as_json_refuses_a_bad_row_and_keeps_amounts_exact(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handle = await runner.start(runner.define(EXPENSE_FIX), claim_input(uuid.uuid4().hex[:8]))
    row = await task_row(handle)
    decide = ("decide", row.id, "--as", "alice", "--password-stdin", "--outcome", "resubmit")
    first = {"date": "2026-11-03", "category": "travel", "amount": 41.28}

    bad = json.dumps([first, {"date": "2026-11-05", "category": "lodging"}])
    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--field", f"lines={bad}", stdin=f"{PASSWORD}\n"
    )
    assert code == 1
    assert "Lines, row 2, Amount: is required" in out
    wrong_choice = json.dumps([{**first, "category": "taxi"}])
    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--field", f"lines={wrong_choice}", stdin=f"{PASSWORD}\n"
    )
    assert code == 1
    assert "Lines, row 1, Category: choose one of travel, meals, lodging" in out

    # More digits than a double holds: the amount travels as exact text, not rounded.
    good = '[{"date": "2026-11-03", "category": "travel", "amount": 41.28}, ' + (
        '{"date": "2026-11-05", "category": "lodging", "amount": 12345678901234567.89}]'
    )
    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--field", f"lines={good}", stdin=f"{PASSWORD}\n"
    )
    assert code == 0, out
    assert (await handle.result())["output"]["lines"] == [
        first,
        {"date": "2026-11-05", "category": "lodging", "amount": "12345678901234567.89"},
    ]


def guide_example() -> str:
    """The expense-correction example of docs/definitions.md, as a reader copies it."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "definitions.md").read_text()
    (block,) = [b for b in guide.split("```yaml\n") if "name: expense-correction" in b]
    return block.split("```")[0]


async def test_the_guides_expense_correction_runs_as_it_says(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    claim = uuid.uuid4().hex[:8]
    lines = [
        {"date": "2026-11-03", "category": "travel", "amount": 412.8, "note": "train"},
        {"date": "2026-11-04", "category": "meals", "amount": 96.4, "receipt": True},
    ]
    handle = await runner.start(
        runner.define(guide_example()), {"claim_id": claim, "employee": "alice", "lines": lines}
    )
    row = await task_row(handle)
    form = json.loads(row.form_json or "{}")
    # The rows it opens with: each record cut to the columns, the note left out.
    assert form["fields"][0]["rows"] == [
        {"date": "2026-11-03", "category": "travel", "amount": 412.8},
        {"date": "2026-11-04", "category": "meals", "amount": 96.4, "receipt": True},
    ]
    corrected = '[{"date": "2026-11-03", "category": "travel", "amount": 41.28, "receipt": true}]'
    code, out = await backoffice(
        dev_env, tmp_path, "decide", row.id, "--as", "alice", "--password-stdin",
        "--outcome", "resubmit", "--field", f"lines={corrected}", stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code == 0, out
    assert (await handle.result())["output"] == {
        "decision": "resubmit",
        "lines": json.loads(corrected),
        "line_count": 1,
    }
