"""Every property of the shipped JSON Schema has a description, which editors show on hover.

A process owner writing a definition in an editor with the YAML language server sees what
a key does, with an example value, without leaving the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backoffice.language.schema import definition_schema


def properties(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every property of every object in the schema, with where it is."""
    if isinstance(node, dict):
        for name, found in (node.get("properties") or {}).items():
            yield f"{path}.{name}", found
        for key, value in node.items():
            yield from properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from properties(value, f"{path}[{index}]")


def test_every_property_has_a_description() -> None:
    found = list(properties(definition_schema()))
    assert len(found) > 200
    undescribed = [path for path, schema in found if not str(schema.get("description", "")).strip()]
    assert undescribed == [], "add Field(description=...) in backoffice/language/model.py"


def test_a_described_short_form_still_offers_the_short_form() -> None:
    # fail: DUPLICATE and wait: 2d are short forms; a description must not hide them.
    steps = definition_schema()["$defs"]
    fail = steps["FailStep"]["properties"]["fail"]
    assert fail["description"].startswith("End the process as failed")
    assert {"type": "string"}.items() <= fail["anyOf"][1].items()
    wait = steps["WaitStep"]["properties"]["wait"]
    assert wait["anyOf"][1]["description"] == "Short form: a duration such as 2d or 3bd."
