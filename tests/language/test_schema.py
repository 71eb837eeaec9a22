"""The JSON Schema shipped for editors: current, well formed, and aware of the short forms."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from backoffice.cli import language as cli_language
from backoffice.cli.main import app
from backoffice.language.schema import (
    SCHEMA_FILE,
    SCHEMA_ID,
    definition_schema,
    schema_text,
    write_schema,
)
from backoffice.language.source import load
from backoffice.language.validate import validate_text

SCHEMA = Draft202012Validator(definition_schema())


def test_shipped_schema_file_is_current() -> None:
    assert Path(__file__).resolve().parents[2] / "docs" / "definition.schema.json" == SCHEMA_FILE
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/definition.schema.json is stale: run `backoffice schema --write`"
    )


def test_schema_text_is_stable_sorted_json() -> None:
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n")
    parsed = json.loads(text)
    assert parsed == definition_schema()
    assert json.dumps(parsed, indent=2, sort_keys=True) + "\n" == text


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = definition_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "backoffice process definition"
    assert set(schema["required"]) == {"name", "version", "title", "owner", "business_key", "steps"}
    assert schema["additionalProperties"] is False


def _definition(body: str) -> str:
    header = """\
        name: short-forms
        version: 1
        title: Short forms
        owner: ap
        business_key: input.invoice_id
        """
    return textwrap.dedent(header) + textwrap.dedent(body)


SHORT_FORMS = {
    "input field types": """\
        input:
          invoice_id: string
          amount: number
          po_number: string?
          lines: list?
        steps:
          - {id: pause, wait: 1h}
        """,
    "wait duration": """\
        steps:
          - id: cool_off
            wait: 2d
          - id: business
            wait: 3bd
        """,
    "fail reason": """\
        steps:
          - id: stop
            fail: DUPLICATE
        """,
    "finish reason": """\
        steps:
          - id: done
            finish: TOUCHLESS
        """,
    "outcomes as strings": """\
        steps:
          - id: appr
            task:
              assignees: [{user: bob}]
              form:
                outcomes: [approve, reject, {id: escalate, requires: [comment]}]
              timeout: {after: 2bd, outcome: expired}
        """,
    "condition as a template": """\
        steps:
          - id: pause
            if: ${ input.invoice_id != "" }
            wait: 1h
        """,
}


@pytest.mark.parametrize("body", SHORT_FORMS.values(), ids=SHORT_FORMS.keys())
def test_short_forms_are_accepted_by_schema_and_validator(body: str) -> None:
    text = _definition(body)
    if "input:" not in body:
        text = text.replace("steps:", "input:\n  invoice_id: string\nsteps:", 1)
    data, _ = load(text)
    assert [error.message for error in SCHEMA.iter_errors(data)] == []
    checked = validate_text(text, "short_forms.yaml")
    assert [str(problem) for problem in checked.problems] == []


BAD_SHORT_FORMS = {
    "unknown field type": ("input", {"amount": "numbr"}),
    "field type with two marks": ("input", {"amount": "number??"}),
    "lower-case fail reason": ("steps", [{"id": "stop", "fail": "duplicate"}]),
    "lower-case finish reason": ("steps", [{"id": "done", "finish": "Done"}]),
    "outcome that is not an id": (
        "steps",
        [
            {
                "id": "appr",
                "task": {
                    "assignees": [{"user": "bob"}],
                    "form": {"outcomes": ["Approve"]},
                    "timeout": {"after": "2bd", "outcome": "expired"},
                },
            }
        ],
    ),
    "wait as a number": ("steps", [{"id": "pause", "wait": 5}]),
}


@pytest.mark.parametrize("change", BAD_SHORT_FORMS.values(), ids=BAD_SHORT_FORMS.keys())
def test_bad_short_forms_are_rejected_by_schema_and_validator(change: tuple[str, Any]) -> None:
    key, value = change
    data: dict[str, Any] = {
        "name": "short-forms",
        "version": 1,
        "title": "Short forms",
        "owner": "ap",
        "business_key": "input.invoice_id",
        "input": {"invoice_id": "string"},
        "steps": [{"id": "pause", "wait": "1h"}],
    }
    data[key] = value
    assert not SCHEMA.is_valid(data)
    text = json.dumps(data)  # JSON is YAML
    assert validate_text(text, "short_forms.yaml").problems != []


def test_schema_check_command_fails_for_a_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "definition.schema.json"
    stale.write_text(schema_text().replace("backoffice process definition", "old"), "utf-8")
    monkeypatch.setattr(cli_language, "SCHEMA_FILE", stale)
    result = CliRunner().invoke(app, ["schema", "--check"])
    assert result.exit_code == 1
    assert "is out of date: run `backoffice schema --write`" in result.output


def test_schema_write_command_writes_the_current_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "docs" / "definition.schema.json"
    monkeypatch.setattr(cli_language, "write_schema", lambda: write_schema(target))
    result = CliRunner().invoke(app, ["schema", "--write"])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == schema_text()


def test_schema_command_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == definition_schema()
