"""``explain`` (outline and Mermaid) and the language commands of the CLI."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.language import model
from backoffice.language.explain import mermaid, outline, summary
from backoffice.language.validate import validate_text
from tests.language.helpers import DATA, EVERY_KIND

EXPENSE = textwrap.dedent(
    """\
    name: expense-claim
    version: 2
    title: Expense claim
    description: Employees get their expenses back.
    owner: finance@acme.example
    business_key: input.claim_id
    input:
      claim_id: string
      employee: string
      amount: number
      note: string?
    steps:
      - id: approve
        title: Approve claim
        task:
          assignees:
            - manager_of: ${ input.employee }
          exclude: ["${ input.employee }"]
          due: 2bd
          reminders: {every: 1bd}
          escalations:
            - after: 3bd
              add: [{role: cfo}]
          timeout: {after: 10bd, outcome: expired}
      - id: pay
        if: steps.approve.outcome == "approve"
        call: payments.reimburse
        with: {employee: "${ input.employee }", amount: "${ input.amount }"}
      - id: rejected
        if: steps.approve.outcome != "approve"
        fail: REJECTED
    output:
      decision: ${ steps.approve.outcome }
    """
)

BROKEN = textwrap.dedent(
    """\
    name: broken
    version: 1
    title: Broken
    owner: ap
    business_key: inpt.id
    steps:
      - id: check
        call: invoice.check
        timeout: 2bd
    """
)

PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<rest>.+)$")


def _definition(text: str) -> model.Definition:
    checked = validate_text(text)
    assert checked.problems == []
    assert checked.definition is not None
    return checked.definition


# --- outline ---------------------------------------------------------------------------


def test_outline_of_a_small_definition() -> None:
    assert outline(_definition(EXPENSE)) == "\n".join(
        [
            "expense-claim v2: Expense claim",
            "Owner: finance@acme.example",
            "Employees get their expenses back.",
            "Business key: input.claim_id",
            "Input:",
            "  claim_id (string)",
            "  employee (string)",
            "  amount (number)",
            "  note (string, optional)",
            "Steps:",
            "  1. approve - Approve claim: task for the manager of ${ input.employee }; "
            "never ${ input.employee }; due in 2bd; reminders every 1bd; "
            "after 3bd escalate (add role cfo); outcomes approve, reject; "
            "after 10bd outcome expired",
            '  2. pay: call payments.reimburse [only if steps.approve.outcome == "approve"]',
            '  3. rejected: fail with REJECTED [only if steps.approve.outcome != "approve"]',
            "Output: decision",
        ]
    )


def test_outline_numbers_nested_steps() -> None:
    text = outline(_definition(EVERY_KIND.read_text(encoding="utf-8")))
    lines = text.splitlines()
    assert lines[0] == "every-kind v3: Every step kind"
    numbered = [line.strip().split(" ", 1)[0] for line in lines if re.match(r"\s+\d+\. ", line)]
    # Twelve top-level steps, numbered 1 to 12 at the first indentation.
    top = [line for line in lines if re.match(r"  \d+\. ", line)]
    assert [line.split(".")[0].strip() for line in top] == [str(n) for n in range(1, 13)]
    assert len(numbered) > len(top)
    assert "     branch left:" in lines
    assert "     otherwise:" in lines
    assert "     on error FraudHold, then fail:" in lines
    assert "     undo if the process later fails or is cancelled:" in lines
    assert "  9. goods_receipt: wait for event goods_received (at most 10bd, then continue)" in (
        lines
    )
    assert lines[-1] == "Output: invoice_id, decision, route"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"id": "a", "call": "x.y"}, "call x.y"),
        ({"id": "a", "bot": "erp.post", "credential": "erp-bot"}, "bot erp.post as erp-bot"),
        ({"id": "a", "wait": "3bd"}, "wait 3bd"),
        ({"id": "a", "wait": {"until": "input.when"}}, "wait until input.when"),
        (
            {"id": "a", "wait": {"event": "paid", "timeout": "2d"}},
            "wait for event paid (at most 2d, then fail)",
        ),
        ({"id": "a", "set": {"x": 1, "y": "z"}}, "set x = 1, y = z"),
        (
            {"id": "a", "process": "child-process", "detached": True},
            "start process child-process (detached)",
        ),
        ({"id": "a", "fail": "DUPLICATE"}, "fail with DUPLICATE"),
        ({"id": "a", "finish": "DONE"}, "finish (DONE)"),
        ({"id": "a", "finish": {}}, "finish"),
        ({"id": "a", "steps": [{"id": "b", "wait": "1h"}]}, "steps"),
        (
            {
                "id": "a",
                "for_each": "input.l",
                "max_items": 5,
                "steps": [{"id": "b", "wait": "1h"}],
            },
            "for each item in input.l (at most 5, 1 at a time)",
        ),
        (
            {
                "id": "a",
                "repeat": {"until": "vars.done", "max": 3},
                "steps": [{"id": "b", "wait": "1h"}],
            },
            "repeat until vars.done (at most 3 times)",
        ),
        (
            {
                "id": "a",
                "task": {
                    "assignees": [{"approval_limit": {"at_least": 500}}, {"users": "['u']"}],
                    "approvals": 2,
                    "timeout": {"after": "1d", "outcome": "expired"},
                },
            },
            "task for someone with an approval limit of at least 500 or the users ['u']; "
            "2 different people must approve; outcomes approve, reject; after 1d outcome expired",
        ),
    ],
)
def test_summary_of_each_kind(step: dict[str, object], expected: str) -> None:
    from pydantic import TypeAdapter

    parsed = TypeAdapter(model.Step).validate_python(step)
    assert summary(parsed) == expected


# --- Mermaid ---------------------------------------------------------------------------

NODE = re.compile(r"^  (n\d+)[\[\(\{]")
EDGE = re.compile(r"^  (n\d+) (?:-->|-\.->|-\.-)(?:\|\"[^\"]*\"\|)? (n\d+)$")


def _check_chart(chart: str, definition: model.Definition) -> None:
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    nodes = {match.group(1): line for line in lines if (match := NODE.match(line))}
    edges = [match.groups() for line in lines if (match := EDGE.match(line))]
    # Every line after the first is a node or an edge, and edges join declared nodes.
    assert len(nodes) + len(edges) == len(lines) - 1
    assert all(source in nodes and target in nodes for source, target in edges)
    # A node for every step id, compensations and catch handlers included.
    labels = list(nodes.values())
    for _, step in model.walk_steps(definition.steps):
        assert any(
            f'"{step.id}: ' in label or f'"undo: {step.id}: ' in label for label in labels
        ), step.id
    # The start node begins the chart and nothing leads into it.
    assert "start: " in nodes["n1"]
    assert all(target != "n1" for _, target in edges)


def test_mermaid_of_a_small_definition() -> None:
    definition = _definition(EXPENSE)
    chart = mermaid(definition)
    assert chart.startswith("flowchart TD\n")
    _check_chart(chart, definition)
    assert '  n1(["start: Expense claim"])' in chart.splitlines()
    # Quotes inside labels are escaped for Mermaid.
    assert '{"if steps.approve.outcome == #quot;approve#quot;"}' in chart
    assert '"approve"' not in chart


def test_mermaid_of_every_kind() -> None:
    definition = _definition(EVERY_KIND.read_text(encoding="utf-8"))
    _check_chart(mermaid(definition), definition)


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "expense_claim.yaml"
    path.write_text(EXPENSE, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_validate_exits_0_when_all_are_valid(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["validate", "--no-catalog", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{good}: ok\n"


def test_validate_quiet_prints_nothing_for_valid_files(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["validate", "--no-catalog", "--quiet", str(good)])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_validate_exits_1_and_prints_file_line_column(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(app, ["validate", "--no-catalog", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{bad}:5:15: business_key: unknown name 'inpt' in `inpt.id`. Did you mean 'input'? "
        "Names here: input, now, process, steps, today, vars",
        f"{bad}:9:14: steps[0].timeout: 2bd is in business days, but this is a time limit on "
        "running code: use s, m or h",
    ]
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match is not None
        assert match["file"] == str(bad)
        assert int(match["line"]) >= 1
        assert int(match["column"]) >= 1
    assert result.stderr == "1 of 1 definition invalid, 2 problems\n"


def test_validate_a_directory(runner: CliRunner, good: Path, bad: Path) -> None:
    assert good.parent == bad.parent
    result = runner.invoke(app, ["validate", "--no-catalog", str(good.parent)])
    assert result.exit_code == 1
    assert f"{good}: ok" in result.stdout.splitlines()
    assert all(
        PROBLEM_LINE.match(line) for line in result.stdout.splitlines() if not line.endswith(": ok")
    )
    assert result.stderr == "1 of 2 definitions invalid, 2 problems\n"


def test_validate_the_test_fixtures(runner: CliRunner) -> None:
    # every_kind.yaml starts child-process, which sits in the same directory.
    result = runner.invoke(app, ["validate", "--no-catalog", str(DATA)])
    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.splitlines()) == sorted(
        f"{path}: ok" for path in DATA.glob("*.yaml")
    )


def test_validate_reports_a_missing_child_process(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "every_kind.yaml"
    path.write_text(EVERY_KIND.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--no-catalog", str(path)])
    assert result.exit_code == 1
    # '    process: child-process' is line 168 of the fixture; the name starts at column 14.
    assert result.stdout == (
        f"{path}:168:14: steps[9].process: no process named 'child-process' among the "
        "definitions.\n"
    )


def test_validate_exits_2_for_a_missing_path(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["validate", "--no-catalog", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"error: no such file or directory: {missing}\n"
    assert result.stdout == ""


def test_validate_exits_2_for_a_directory_without_definitions(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--no-catalog", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: no .yaml definitions found in {tmp_path}\n"


def test_validate_exits_2_without_arguments(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2


def test_explain_prints_the_outline(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["explain", "--no-catalog", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout == outline(_definition(EXPENSE)) + "\n"


def test_explain_mermaid(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["explain", "--mermaid", "--no-catalog", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart TD\n")
    assert result.stdout == mermaid(_definition(EXPENSE)) + "\n"
    for step_id in ("approve", "pay", "rejected"):
        assert f'"{step_id}: ' in result.stdout


def test_explain_refuses_an_invalid_definition(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(app, ["explain", "--no-catalog", str(bad)])
    assert result.exit_code == 1
    assert all(PROBLEM_LINE.match(line) for line in result.stdout.splitlines())
    assert result.stderr == f"{bad} is not valid: fix the problems above first\n"


def test_explain_exits_2_for_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["explain", "--no-catalog", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2


def test_schema_check_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "--check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("definition.schema.json is current\n")
