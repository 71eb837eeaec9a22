"""The JSON Schema of the language, generated from the model and kept in the repository.

Definitions start with ``# yaml-language-server: $schema=../docs/definition.schema.json``
so editors with the YAML language server autocomplete keys and flag mistakes as the
owner types. ``backoffice schema --write`` regenerates the file; a test keeps it current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backoffice.language.model import (
    REASON_OR_EXPRESSION_PATTERN,
    STEP_ID_PATTERN,
    VOID_SHORTHAND,
    Definition,
)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "definition.schema.json"
SCHEMA_ID = "https://backoffice.dev/schema/definition.schema.json"


_FIELD_TYPES = "string|text|integer|number|boolean|date|datetime|list|object|any"

# The short forms the model accepts before validation (`amount: number`, `wait: 2d`,
# `fail: DUPLICATE`); the generated schema knows only the long forms, so add them.
SHORTHANDS: dict[str, dict[str, Any]] = {
    "FieldSpec": {
        "type": "string",
        "pattern": f"^({_FIELD_TYPES})\\??$",
        "description": "Short form: a type name, with ? when optional (string?).",
    },
    "Outcome": {"type": "string", "pattern": STEP_ID_PATTERN},
    "WaitSpec": {
        "type": "string",
        "description": "Short form: a duration such as 2d or 3bd.",
    },
    "FailSpec": {"type": "string", "pattern": REASON_OR_EXPRESSION_PATTERN},
    "FinishSpec": {"type": "string", "pattern": REASON_OR_EXPRESSION_PATTERN},
    "VoidSpec": {
        "type": "string",
        "pattern": STEP_ID_PATTERN,
        "description": "Short form: the id of the task step whose decision is voided.",
    },
}


def _with_shorthands(node: Any) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref", "")
        name = reference.rsplit("/", 1)[-1]
        if name in SHORTHANDS and set(node) <= {"$ref", "description"}:
            # A field's description stays beside the choice of the long and short forms.
            described = {"description": node["description"]} if "description" in node else {}
            return {"anyOf": [{"$ref": reference}, SHORTHANDS[name]], **described}
        return {key: _with_shorthands(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_shorthands(item) for item in node]
    return node


def _with_void_shorthand(schema: dict[str, Any]) -> dict[str, Any]:
    # A task step's undo may be the one word that voids its decision.
    compensate = schema["$defs"]["TaskStep"]["properties"]["compensate"]
    compensate["anyOf"].insert(
        1,
        {
            "const": VOID_SHORTHAND,
            "description": "Short form: void this task's decision when the run undoes its work.",
        },
    )
    return schema


def definition_schema() -> dict[str, Any]:
    schema = _with_shorthands(Definition.model_json_schema(by_alias=True, mode="validation"))
    schema = _with_void_shorthand(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "backoffice process definition",
        "description": "A back-office process: see docs/definitions.md.",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    return json.dumps(definition_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path
