"""An expense claim sent back to the employee, who corrects its lines in a list field."""

from __future__ import annotations

from typing import Any

EXPENSE_FIX = """
name: expense-fix
version: 1
title: Expense claim correction
owner: tests
business_key: input.claim
input:
  claim: string
  lines: list
steps:
  - id: fix
    title: Correct expense claim ${ input.claim }
    task:
      assignees: [{user: alice}]
      form:
        fields:
          - id: lines
            label: Lines
            type: list
            min_items: 1
            max_items: 10
            default: ${ input.lines }
            fields:
              - {id: date, label: Date, type: date, required: true}
              - id: category
                label: Category
                type: choice
                options: [travel, meals, lodging]
                required: true
              - {id: amount, label: Amount, type: number, required: true}
              - {id: receipt, label: Receipt, type: boolean}
              - {id: note, label: Note}
          - {id: comment, label: Comment}
        outcomes: [resubmit, {id: withdraw, requires: [comment]}]
      timeout: {after: 5bd, outcome: expired}
output:
  outcome: ${ steps.fix.outcome }
  lines: ${ steps.fix.fields.lines }
"""


# What an employee once typed, shown in a cell: as text, never as markup.
NOTE = "<img src=x onerror=\"document.title='run'\"> train"


def claim_input(claim: str) -> dict[str, Any]:
    """A claim of two lines; the records carry more than the form's columns."""
    return {
        "claim": claim,
        "lines": [
            {"date": "2026-11-03", "category": "travel", "amount": 412.8, "note": NOTE},
            {"date": "2026-11-04", "category": "meals", "amount": 96.4, "receipt": True},
        ],
    }
