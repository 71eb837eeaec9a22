"""The example definition in docs/systems/hr.md is valid: the HR bots' names and inputs hold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from pydantic import BaseModel

from backoffice.language.source import load
from backoffice.language.validate import validate_text
from bots.hr import accounts, badges, offcycle, payroll

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "systems" / "hr.md"
EXAMPLES = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_the_guide_has_an_example() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("block", EXAMPLES, ids=lambda b: b.split("name: ")[1].split()[0])
def test_the_example_validates_without_problems(block: str) -> None:
    name = block.split("name: ")[1].split()[0]
    checked = validate_text(block, f"definitions/{name.replace('-', '_')}.yaml")
    assert [str(problem) for problem in checked.problems] == []


def _bot_inputs() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for module in (accounts, badges, offcycle, payroll):
        for value in vars(module).values():
            definition = getattr(value, "__temporal_activity_definition", None)
            if definition is not None and definition.name.startswith("hr."):
                found[definition.name] = get_type_hints(value)["data"]
    return found


def _bot_calls(steps: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for step in steps:
        for call in (step, step.get("compensate") or {}):
            if "bot" in call:
                calls.append((call["bot"], call.get("with", {})))
    return calls


@pytest.mark.parametrize("block", EXAMPLES, ids=lambda b: b.split("name: ")[1].split()[0])
def test_the_example_gives_each_bot_only_fields_it_takes(block: str) -> None:
    inputs = _bot_inputs()
    data, _ = load(block)
    calls = _bot_calls(data["steps"])
    assert calls
    for bot, given in calls:
        fields = inputs[bot].model_fields
        assert set(given) <= set(fields), f"{bot} takes no {set(given) - set(fields)}"
        required = {name for name, field in fields.items() if field.is_required()}
        assert required <= set(given), f"{bot} needs {required - set(given)}"
        for name, value in given.items():
            nested = fields[name].annotation
            if isinstance(value, dict) and nested is not None:
                model = next(t for t in get_args(nested) if isinstance(t, type))
                assert set(value) <= set(model.model_fields), f"{bot}.{name}"
