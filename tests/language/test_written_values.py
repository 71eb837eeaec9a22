"""What owners read back spells values as they wrote them: true, false, null, not Python's."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.language.written import written

DEFINITION = """\
name: spelled
version: 1
title: Spelled
owner: tests
business_key: input.id
input:
  id: string
steps:
  - id: mark
    set: {done: true, missing: null, amount: 1.5, tags: [false, null], where: {ok: true}}
  - {id: later, if: "vars.done == true", wait: 1d}
"""


def test_values_are_written_as_the_language_writes_them() -> None:
    assert written(True) == "true"
    assert written(False) == "false"
    assert written(None) == "null"
    assert written([True, None, "x", 2]) == "[true, null, x, 2]"
    assert written({"a": False}) == "{a: false}"


def test_explain_and_its_flowchart_say_true_and_null(tmp_path: Path) -> None:
    path = tmp_path / "spelled.yaml"
    path.write_text(textwrap.dedent(DEFINITION), encoding="utf-8")
    expected = (
        "mark: set done = true, missing = null, amount = 1.5, tags = [false, null], "
        "where = {ok: true}"
    )
    outline = CliRunner().invoke(app, ["explain", "--no-catalog", str(path)])
    assert outline.exit_code == 0, outline.output
    assert f"  1. {expected}" in outline.output.splitlines()
    chart = CliRunner().invoke(
        app, ["explain", "--no-catalog", "--mermaid", "--detail", "full", str(path)]
    )
    assert chart.exit_code == 0, chart.output
    assert expected in chart.output
    assert "True" not in outline.output + chart.output
    assert "None" not in outline.output + chart.output
