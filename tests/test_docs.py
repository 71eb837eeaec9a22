"""The examples in docs/definitions.md are valid: a reader who copies them gets no error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from backoffice.language import model
from backoffice.language.source import load
from backoffice.language.validate import validate_text

DOC = Path(__file__).resolve().parents[1] / "docs" / "definitions.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
COMPLETE = [block for block in BLOCKS if "\nname: " in block and "\nsteps:" in block]
SCHEMA_LINE = "# yaml-language-server: $schema=../docs/definition.schema.json\n"
FRAGMENTS = [block for block in BLOCKS if block not in COMPLETE and block != SCHEMA_LINE]
STEPS = TypeAdapter(list[model.Step])


def test_the_guide_has_complete_examples_and_fragments() -> None:
    assert COMPLETE
    assert all(block.startswith(SCHEMA_LINE) for block in COMPLETE)
    assert len(FRAGMENTS) > 20


@pytest.mark.parametrize("block", COMPLETE, ids=lambda b: b.split("name: ")[1].split()[0])
def test_complete_examples_validate_without_problems(block: str) -> None:
    name = block.split("name: ")[1].split()[0]
    checked = validate_text(block, f"definitions/{name.replace('-', '_')}.yaml")
    assert [str(problem) for problem in checked.problems] == []


def _fragment_data(block: str) -> Any:
    data, _ = load(block)
    return data


@pytest.mark.parametrize("block", FRAGMENTS, ids=lambda b: b.strip().splitlines()[0][:40])
def test_fragments_have_the_shape_the_language_accepts(block: str) -> None:
    data = _fragment_data(block)
    if isinstance(data, list):
        STEPS.validate_python(data)
    elif "input" in data and len(data) == 1:
        TypeAdapter(dict[str, model.InputField]).validate_python(data["input"])
    elif set(data) <= {"variables", "defaults", "calendar"}:
        model.Definition.model_validate(
            {
                "name": "doc-example",
                "version": 1,
                "title": "t",
                "owner": "o",
                "business_key": "'k'",
                "steps": [{"id": "s", "wait": "1d"}],
                **data,
            }
        )
    else:
        pytest.fail(f"unrecognised example in {DOC.name}: {block[:80]}")
