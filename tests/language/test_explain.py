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
from backoffice.language.mermaid import escape
from backoffice.language.validate import process_names, validate_file, validate_text
from tests.language.helpers import DATA, EVERY_KIND

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
SHIPPED = sorted(DEFINITIONS.glob("*.yaml"))

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
    # Fifteen top-level steps, numbered 1 to 15 at the first indentation.
    top = [line for line in lines if re.match(r"  \d+\. ", line)]
    assert [line.split(".")[0].strip() for line in top] == [str(n) for n in range(1, 16)]
    assert len(numbered) > len(top)
    assert "     branch left:" in lines
    assert "     otherwise:" in lines
    assert "     on error FraudHold, then fail:" in lines
    undo = "     undo if the process later fails or is cancelled, or the part it ran in is:"
    assert undo in lines
    assert "  9. goods_receipt: wait for event goods_received (at most 10bd, then continue)" in (
        lines
    )
    assert lines[-1] == "Output: invoice_id, decision, route"


def test_outline_keeps_a_folded_expression_on_its_line() -> None:
    text = EXPENSE.replace(
        '    if: steps.approve.outcome == "approve"\n',
        '    if: >-\n      steps.approve.outcome == "approve"\n      && input.amount > 0\n',
    )
    lines = outline(_definition(text)).splitlines()
    assert (
        '  2. pay: call payments.reimburse [only if steps.approve.outcome == "approve" '
        "&& input.amount > 0]"
    ) in lines


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


# --- Mermaid: the full chart -----------------------------------------------------------

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


def test_full_chart_of_a_small_definition() -> None:
    definition = _definition(EXPENSE)
    chart = mermaid(definition, "full")
    assert chart.startswith("flowchart TD\n")
    _check_chart(chart, definition)
    assert '  n1(["start: Expense claim"])' in chart.splitlines()
    # Quotes inside labels are escaped for Mermaid.
    assert '{"if steps.approve.outcome == #quot;approve#quot;"}' in chart
    assert '"approve"' not in chart
    # Both ways out of a condition are labelled.
    assert '  n3 -->|"yes"| n4' in chart.splitlines()
    assert '  n3 -->|"no"| n5' in chart.splitlines()


def test_full_chart_of_every_kind() -> None:
    definition = _definition(EVERY_KIND.read_text(encoding="utf-8"))
    _check_chart(mermaid(definition, "full"), definition)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_full_chart_keeps_every_step_and_expression_whole(path: Path) -> None:
    definition = _shipped(path)
    chart = mermaid(definition, "full")
    _check_chart(chart, definition)
    labels = [_unescape(label) for label in _chart(chart).labels.values()]
    for _, step in model.walk_steps(definition.steps):
        if step.if_:
            assert f"if {' '.join(step.if_.split())}" in labels, step.id
    assert not any("\u2026" in label for label in labels)


# --- Mermaid: the overview -------------------------------------------------------------

OVERVIEW_NODE = re.compile(
    r'^  (?P<id>n\d+)(?P<open>\(\[|\[\[|\{\{|\[/|\[|\(|\{)"(?P<label>[^"]*)"'
    r"(?P<close>\]\)|\]\]|\}\}|\\\]|\]|\)|\})$"
)
OVERVIEW_EDGE = re.compile(r'^  (n\d+) (?:-->|-\.->)(?:\|"([^"]*)"\|)? (n\d+)$')
FRONT_MATTER = [
    "---",
    "config:",
    "  flowchart:",
    "    wrappingWidth: 480",
    "    rankSpacing: 30",
    "---",
]
# What CEL looks like: none of it belongs in a chart for people.
WRITTEN_CEL = re.compile(r"\$\{|&&|\|\||==|!=|\b(?:steps|vars|input)\.\w")
MOST_NODES = 30
FOLDED_ABOVE = 20  # nodes of the full chart from which the overview must fold it
LONGEST_LINE = 170


class _Drawn:
    """An overview read back: its nodes (with shapes and labels) and labelled edges."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.shapes: dict[str, str] = {}
        self.edges: list[tuple[str, str, str]] = []

    def out_of(self, node: str) -> list[tuple[str, str, str]]:
        return [edge for edge in self.edges if edge[0] == node]


def _chart(text: str) -> _Drawn:
    lines = text.splitlines()
    if lines[: len(FRONT_MATTER)] == FRONT_MATTER:
        lines = lines[len(FRONT_MATTER) :]
    assert lines[0] == "flowchart TD"
    drawn = _Drawn()
    for line in lines[1:]:
        if node := OVERVIEW_NODE.match(line):
            drawn.labels[node["id"]] = node["label"]
            drawn.shapes[node["id"]] = node["open"]
        elif edge := OVERVIEW_EDGE.match(line):
            drawn.edges.append((edge[1], edge[3], edge[2] or ""))
        else:
            raise AssertionError(f"neither a node nor an edge: {line!r}")
    assert all(a in drawn.labels and b in drawn.labels for a, b, _ in drawn.edges)
    return drawn


_ENTITY = re.compile(r"#(\w+);")
_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}


def _unescape(label: str) -> str:
    """A label as Mermaid shows it: entity codes decoded, line breaks as newlines."""
    text = label.replace("<br>", "\n")
    return _ENTITY.sub(
        lambda code: chr(int(code[1])) if code[1].isdigit() else _NAMED[code[1]], text
    )


def _shipped(path: Path) -> model.Definition:
    checked = validate_file(path, None, process_names(path.parent))
    assert checked.problems == []
    assert checked.definition is not None
    return checked.definition


def test_overview_of_a_small_definition() -> None:
    assert mermaid(_definition(EXPENSE)) == "\n".join(
        [
            *FRONT_MATTER,
            "flowchart TD",
            '  n1(["Expense claim"])',
            '  n2("Approve claim<br>by the manager of \u2039employee\u203a<br>'
            'decides: approve / reject<br>due in 2bd, escalated after 3bd, expired after 10bd")',
            "  n1 --> n2",
            '  n3{{"approve outcome is approve?"}}',
            "  n2 --> n3",
            '  n4["Pay"]',
            '  n3 -->|"yes"| n4',
            '  n5{{"approve outcome is not approve?"}}',
            "  n4 --> n5",
            '  n3 -->|"no"| n5',
            '  n6(["fails: REJECTED"])',
            '  n5 -->|"yes"| n6',
            '  n7(["done"])',
            '  n5 -->|"no"| n7',
        ]
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_overview_of_a_shipped_definition_is_small_and_readable(path: Path) -> None:
    definition = _shipped(path)
    drawn = _chart(mermaid(definition))
    assert len(drawn.labels) <= MOST_NODES
    full = _chart(mermaid(definition, "full"))
    # A large definition's overview folds it to less than half; a small one is short already.
    if len(full.labels) > FOLDED_ABOVE:
        assert len(drawn.labels) < len(full.labels) / 2
    else:
        assert len(drawn.labels) <= len(full.labels)
    # Only the start node has no way in.
    assert [node for node in drawn.labels if not any(e[1] == node for e in drawn.edges)] == ["n1"]
    for node, label in drawn.labels.items():
        outs = drawn.out_of(node)
        # Every way out of a condition, a decision or any node with several, is labelled.
        if len(outs) > 1 or drawn.shapes[node] in ("{{", "{"):
            assert all(edge_label for _, _, edge_label in outs), _unescape(label)
        for line in _unescape(label).splitlines():
            assert len(line) <= LONGEST_LINE, line
            _assert_whole(line)
    for _, _, edge_label in drawn.edges:
        _assert_whole(_unescape(edge_label))


def test_overview_names_the_phases_and_decisions_by_their_titles() -> None:
    (path,) = [path for path in SHIPPED if path.name == "invoice_approval.yaml"]
    drawn = _chart(mermaid(_shipped(path)))
    first_lines = [_unescape(label).splitlines()[0] for label in drawn.labels.values()]
    for title in (
        "Verify the bank account on \u2039invoice id\u203a (\u2039supplier id\u203a)",
        "Matching",
        "Approval",
        "Turned down",
        "Posted as \u2039post document number\u203a; watched until its payment on "
        "\u2039plan payment date\u203a",
    ):
        assert title in first_lines
    assert "outcome is OPEN and check fraud hold?" in first_lines
    # A task's outcome is named by the label people click.
    assert any("is not \u201cGenuine invoice\u201d" in label for label in drawn.labels.values())


def _assert_whole(text: str) -> None:
    """Said in words, and if shortened, then between whole words with an ellipsis."""
    assert not WRITTEN_CEL.search(text), text
    assert re.search(r"\S\u2026", text) is None, text
    for opening, closing in ("()", "[]", "\u2039\u203a", "\u201c\u201d"):
        assert text.count(opening) == text.count(closing), text


def test_overview_folds_loops_branches_groups_handlers_and_compensations() -> None:
    drawn = _chart(mermaid(_definition(EVERY_KIND.read_text(encoding="utf-8"))))
    labels = [_unescape(label) for label in drawn.labels.values()]
    # A loop, a parallel block and a for-each: title, how it runs, and (few) its steps.
    loop = "Review loop\nrepeats until review outcome is not request_changes, at most 3 times"
    assert f"{loop}\nreview" in labels
    parallel = "Provision\nat once: Left branch, Right"
    assert f"{parallel}\nall must finish; a failure stops the others" in labels
    assert "Lines\nfor each line of lines, 4 at a time\nline total" in labels
    # An error handler and a compensation are a line of the step's own node.
    validate = "Validate invoice \u2039invoice id\u203a"
    assert f"{validate}\non FraudHold: alert, then the process fails" in labels
    assert "Post\nundone on failure: reverse" in labels
    (route,) = [node for node, label in drawn.labels.items() if label == "Route?"]
    assert [label for _, _, label in drawn.out_of(route)] == [
        "Goods",
        "amount above 1000000",
        "otherwise",
    ]


NESTED = """\
name: nested
version: 1
title: Nested shapes
owner: ap
business_key: input.id
input:
  id: string
  amount: number
  lines: list
steps:
  - id: pick
    if: input.amount > 0
    switch:
      - when: input.amount > 100
        steps:
          - {id: big_note, set: {size: big}}
          - id: big_review
            task:
              assignees: [{role: cfo}]
              timeout: {after: 2bd, outcome: expired}
          - {id: big_after, set: {size: reviewed}}
      - when: input.amount > 10
        title: Middle
        steps:
          - id: stop_middle
            steps:
              - {id: note_middle, set: {size: middle}}
              - {id: end_middle, finish: MIDDLE}
  - id: rounds
    repeat: {until: "vars.size == 'done'", max: 3}
    steps:
      - id: choose
        switch:
          - when: "vars.size == 'big'"
            steps: [{id: mark_done, set: {size: done}}]
        otherwise: [{id: mark_done_too, set: {size: done}}]
  - id: each
    for_each: input.lines
    max_items: 10
    steps:
      - {id: wait_a_bit, wait: 1h}
  - id: ask
    title: Ask someone
    task:
      assignees: [{group: clerks}]
      timeout: {after: 1bd, outcome: expired}
    catch:
      - errors: [any]
        steps: [{id: fix, set: {size: broken}}]
  - id: child
    process: child-process
    input: {id: "${ input.id }"}
  - id: ending
    if: "vars.size == 'broken'"
    steps:
      - {id: tell, set: {size: told}}
      - {id: give_up, fail: BROKEN}
  - id: last_switch
    switch:
      - when: "vars.size == 'x'"
        steps: [{id: fail_x, fail: X}]
    otherwise:
      - {id: fail_other, fail: OTHER}
"""


def test_overview_of_nested_decisions_loops_and_ends() -> None:
    drawn = _chart(mermaid(_definition(NESTED)))
    labels = {node: _unescape(label) for node, label in drawn.labels.items()}
    assert [node for node in labels if not any(e[1] == node for e in drawn.edges)] == ["n1"]
    for node in labels:
        outs = drawn.out_of(node)
        if len(outs) > 1:
            assert all(label for _, _, label in outs), labels[node]
    # Every way ends in a failure or a finish, so there is no "done"; ends are rounded.
    ends = [node for node in labels if not drawn.out_of(node)]
    assert sorted(labels[node] for node in ends) == [
        "Ending\ntell, fails: BROKEN",
        "Stop middle\nnote middle, finishes: MIDDLE",
        "fails: OTHER",
        "fails: X",
    ]
    assert all(drawn.shapes[node] == "([" for node in ends)
    # A case of several steps is one node; a decision without otherwise goes on as well.
    (pick,) = [node for node, label in labels.items() if label == "Pick?"]
    assert [(labels[target], label) for _, target, label in drawn.out_of(pick)] == [
        ("big note, big review, big after", "amount above 100"),
        ("Stop middle\nnote middle, finishes: MIDDLE", "Middle"),
        ("Rounds\nrepeats until size is done, at most 3 times\nchoose", "otherwise"),
    ]
    assert (
        "Ask someone\nby group clerks\ndecides: approve / reject\nexpired after 1bd\n"
        "on any error: fix" in labels.values()
    )


NASTY = """\
name: nasty
version: 1
title: 'Q "quoted" <b>bold</b> & #1 [x] (y) {z} | `tick` %%{init: {"theme": "dark"}}%%'
owner: ap
business_key: input.id
input:
  id: string
steps:
  - id: first
    title: 'Check "A&B" <urgent> #35; --> end ]]) ; style: #quot; x'
    call: invoice.check
  - id: choose
    title: 'Pick <one> & "only" one | #tag'
    switch:
      - when: input.id == "<a & b>"
        title: 'Case "<x>" & #y | z'
        steps:
          - {id: a, set: {v: 1}}
    otherwise:
      - id: c
        title: 'Other [side] {of} (it) classDef x fill:#f00;'
        task:
          assignees: [{group: "a&b <c>"}]
          form: {outcomes: [{id: ok, label: 'Yes "sure" <b>&</b>'}, nope]}
          timeout: {after: 1d, outcome: nope}
  - id: last
    if: input.id == "x\\"y" && steps.c.outcome == "ok"
    wait: 1h
"""


def test_overview_escapes_every_character_mermaid_reads() -> None:
    definition = _definition(NASTY)
    text = mermaid(definition)
    drawn = _chart(text)  # every line still reads as a node or an edge
    raw = list(drawn.labels.values()) + [label for _, _, label in drawn.edges]
    for label in raw:
        # Our own line breaks aside, nothing in a label is markup, a quote or a directive.
        written = label.replace("<br>", "")
        assert not set(written) & set('"&<>|`%'), label
        assert "style" not in written
        assert "classDef" not in written
        assert re.sub(r"#\w+;", "", written).count("#") == 0, label
    shown = [_unescape(label) for label in raw]
    assert definition.title in shown
    assert 'Check "A&B" <urgent> #35; --> end ]]) ; style: #quot; x' in shown
    assert 'Pick <one> & "only" one | #tag?' in shown
    assert 'Case "<x>" & #y | z' in shown
    assert any(
        label.startswith("Other [side] {of} (it) classDef x fill:#f00;\n") for label in shown
    )
    assert any('decides: Yes "sure" <b>&</b> / nope' in label for label in shown)
    assert 'id is \u201cx"y\u201d and c outcome is \u201cYes "sure" <b>&</b>\u201d?' in shown


def test_escape_codes_each_special_character() -> None:
    assert escape('a "b" <c> & #d | `e` %f style classDef\nnext') == (
        "a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; #96;e#96; #37;f #115;tyle #99;lassDef next"
    )


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
    assert result.stderr == "\n1 of 1 definition invalid, 2 problems\n"


def test_validate_a_directory(runner: CliRunner, good: Path, bad: Path) -> None:
    assert good.parent == bad.parent
    result = runner.invoke(app, ["validate", "--no-catalog", str(good.parent)])
    assert result.exit_code == 1
    assert f"{good}: ok" in result.stdout.splitlines()
    assert all(
        PROBLEM_LINE.match(line) for line in result.stdout.splitlines() if not line.endswith(": ok")
    )
    assert result.stderr == "\n1 of 2 definitions invalid, 2 problems\n"


def test_validate_the_test_fixtures(runner: CliRunner) -> None:
    # every_kind.yaml starts child-process, which sits in the same directory.
    result = runner.invoke(app, ["validate", "--no-catalog", str(DATA)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # every_kind.yaml multiplies a line's quantity by its price: said, and still valid.
    warnings = [line for line in lines if ": warning: " in line]
    assert len(warnings) == 1
    assert "step 'line_total' computes with the amount 'unit_price'" in warnings[0]
    assert sorted(line for line in lines if line not in warnings) == sorted(
        f"{path}: ok" for path in DATA.glob("*.yaml")
    )


def test_validate_reports_a_missing_child_process(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "every_kind.yaml"
    path.write_text(EVERY_KIND.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--no-catalog", str(path)])
    assert result.exit_code == 1
    # '    process: child-process' is line 169 of the fixture; the name starts at column 14.
    problem, warning = result.stdout.splitlines()
    assert problem == (
        f"{path}:169:14: steps[9].process: no process named 'child-process' among the definitions."
    )
    assert warning.startswith(f"{path}:148:59: steps[5].steps[0].set.last_total: warning: ")


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


def test_explain_mermaid_draws_the_overview(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["explain", "--mermaid", "--no-catalog", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout == mermaid(_definition(EXPENSE)) + "\n"
    assert "Approve claim" in result.stdout
    overview = runner.invoke(
        app, ["explain", "--mermaid", "--detail", "overview", "--no-catalog", str(good)]
    )
    assert overview.stdout == result.stdout


def test_explain_mermaid_detail_full(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(
        app, ["explain", "--mermaid", "--detail", "full", "--no-catalog", str(good)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart TD\n")
    assert result.stdout == mermaid(_definition(EXPENSE), "full") + "\n"
    for step_id in ("approve", "pay", "rejected"):
        assert f'"{step_id}: ' in result.stdout


def test_explain_detail_needs_mermaid(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(app, ["explain", "--detail", "full", "--no-catalog", str(good)])
    assert result.exit_code == 2
    assert "--mermaid" in result.stderr
    assert result.stdout == ""


def test_explain_help_tells_both_details(runner: CliRunner) -> None:
    result = runner.invoke(app, ["explain", "--help"])
    assert result.exit_code == 0
    assert "overview (the default)" in result.stdout
    assert "full:" in result.stdout


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
