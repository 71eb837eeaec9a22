"""`backoffice validate` warns where an expression computes with an amount, and still accepts it.

CEL holds numbers as doubles: comparisons of amounts are exact enough, sums and
conversions are not. The warning names the step and the expression and says where the
arithmetic belongs; comparisons, counts and days go without a word.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backoffice.language.amount_arithmetic import amount_arithmetic, is_amount_field
from backoffice.language.validate import validate_text

ROOT = Path(__file__).resolve().parents[2]

CONVERTS_IN_CEL = """
name: deal-interest
version: 1
title: Interest of a deposit
owner: treasury
business_key: input.deal_id
input:
  deal_id: string
  principal: number
  rate: number
  days: integer
steps:
  - id: big
    if: input.principal > 1000000 && input.days + 1 > 30
    set: {big: true}
  - id: interest
    set:
      interest: ${ input.principal * input.rate / 100 * input.days / 360 }
"""


def test_the_real_command_warns_naming_the_step_and_expression_and_accepts_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deal_interest.yaml"
    path.write_text(textwrap.dedent(CONVERTS_IN_CEL).lstrip(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", "validate", "--no-catalog", str(path)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    warning, ok = done.stdout.splitlines()
    assert warning.startswith(f"{path}:17:26: ")  # at the amount, in its line
    assert "steps[1].set.interest: warning: step 'interest' computes with the amount" in warning
    assert "`input.principal * input.rate / 100 * input.days / 360`" in warning
    assert "in an activity, which computes in Decimal" in warning
    assert ok == f"{path}: ok"


def test_the_shipped_invoice_process_computes_no_amount_in_an_expression() -> None:
    path = ROOT / "definitions" / "invoice_approval.yaml"
    checked = validate_text(path.read_text(encoding="utf-8"), str(path))
    assert checked.ok, [str(problem) for problem in checked.problems]
    assert [problem.as_warning() for problem in checked.warnings] == []


@pytest.mark.parametrize(
    "expression",
    [
        "input.gross_amount + 1",
        "round_money(input.gross_amount * get(input, 'exchange_rate', 0))",
        "input.lines.map(l, l.qty * l.unit_price)",
        "-input.tax % 2",
        "vars.total / 3 > 0",
    ],
)
def test_arithmetic_on_an_amount_is_found(expression: str) -> None:
    assert amount_arithmetic(expression) is not None


@pytest.mark.parametrize(
    "expression",
    [
        "input.gross_amount > 10000",
        "within(steps.match.price_variance, 0, 100)",
        "input.net_days + 2",
        "vars.round + 1",
        "size(input.lines) * 2",
        "add_days(input.invoice_date, input.payment_days + 1)",
    ],
)
def test_comparisons_and_arithmetic_on_other_numbers_go_without_a_word(expression: str) -> None:
    assert amount_arithmetic(expression) is None


@pytest.mark.parametrize(
    ("name", "money"),
    [("gross_amount", True), ("unitPrice", True), ("exchange_rate", True), ("tax", True),
     ("tax_code", False), ("net_days", False), ("price_percent", False), ("qty", False)],
)  # fmt: skip
def test_a_field_is_an_amount_by_its_name(name: str, money: bool) -> None:
    assert is_amount_field(name) is money
