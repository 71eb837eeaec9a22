"""The process's checks of a list field's value: each refusal names the row and column."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backoffice.engine.contracts import Decision, TaskView
from backoffice.language import model
from workflows.task_rules import check_decision, check_fields

FORM = model.Form.model_validate(
    {
        "fields": [
            {
                "id": "lines",
                "label": "Lines",
                "type": "list",
                "min_items": 1,
                "max_items": 2,
                "fields": [
                    {"id": "date", "label": "Date", "type": "date", "required": True},
                    {"id": "kind", "type": "choice", "options": ["travel", "meals"]},
                    {"id": "amount", "label": "Amount", "type": "number", "required": True},
                    {"id": "nights", "type": "integer"},
                    {"id": "receipt", "type": "boolean"},
                ],
            }
        ]
    }
)
LINE = {"date": "2026-11-03", "kind": "travel", "amount": 41.28, "nights": 2, "receipt": True}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (None, "Lines: give at least 1 row"),
        ([], "Lines: give at least 1 row"),
        ([LINE, LINE, LINE], "Lines: give at most 2 rows (found 3)"),
        ("41.28", "Lines: must be a list of rows (one record per line)"),
        ([LINE, "x"], "Lines, row 2: must be a record of the columns"),
        ([{**LINE, "tip": 1}], "Lines, row 1: there is no column tip (columns: date, kind,"),
        ([LINE, {**LINE, "amount": None}], "Lines, row 2, Amount: is required"),
        ([{**LINE, "amount": "12,50"}], "Lines, row 1, Amount: must be a number such as 12.50"),
        ([{**LINE, "amount": True}], "Lines, row 1, Amount: must be a number"),
        ([{**LINE, "date": "03.11.2026"}], "Lines, row 1, Date: must be a date (YYYY-MM-DD)"),
        ([{**LINE, "kind": "taxi"}], "Lines, row 1, kind: choose one of travel, meals"),
        ([{**LINE, "nights": 1.5}], "Lines, row 1, nights: must be a whole number"),
        ([{**LINE, "receipt": "yes"}], "Lines, row 1, receipt: must be yes or no"),
    ],
)
def test_a_bad_list_is_refused_naming_the_row_and_the_column(lines: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        check_fields(FORM, {"lines": lines})


def test_good_lines_pass_with_amounts_as_numbers_or_exact_text() -> None:
    exact = {"date": "2026-11-04", "amount": "12345678901234567.89"}
    check_fields(FORM, {"lines": [LINE, exact]})


def test_an_outcome_requiring_a_list_needs_at_least_one_line() -> None:
    task = model.HumanTask.model_validate(
        {
            "assignees": [{"user": "alice"}],
            "timeout": {"after": "5bd", "outcome": "expired"},
            "form": {
                "fields": [{"id": "lines", "type": "list", "fields": [{"id": "note"}]}],
                "outcomes": [{"id": "resubmit", "requires": ["lines"]}, "withdraw"],
            },
        }
    )
    now = datetime.now(UTC)
    view = TaskView(
        task_id="t", step_id="fix", title="Fix", assignees=["user:alice"], excluded=[],
        outcomes=["resubmit", "withdraw"], approvals_needed=1, created_at=now, due_at=None,
        deadline=now, deciders={"alice": "assignee"},
    )  # fmt: skip

    def decide(outcome: str, lines: list[dict[str, str]]) -> None:
        decision = Decision(task_id="t", user="alice", outcome=outcome, fields={"lines": lines})
        check_decision(view, task, decision)

    with pytest.raises(ValueError, match=r"^'resubmit' needs: lines$"):
        decide("resubmit", [])
    decide("resubmit", [{"note": "taxi receipt attached"}])
    decide("withdraw", [])  # the field itself asks for no line
