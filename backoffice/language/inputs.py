"""Checking a run's input against the definition's ``input:`` schema before anything starts.

The schema becomes a pydantic model (cached per definition), so the checks are pydantic's
and the errors name the field: ``lines[2].qty: Input should be a valid number``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from backoffice.errors import BackofficeError
from backoffice.language.model import Definition, FieldSpec

_BASE_TYPES: dict[str, Any] = {
    "string": str,
    "text": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": date,
    "datetime": datetime,
    "any": Any,
}


class InputError(BackofficeError):
    """The input does not fit the schema; one line per problem."""

    def __init__(self, process: str, problems: list[str]) -> None:
        super().__init__(f"the input does not fit process '{process}':\n  " + "\n  ".join(problems))
        self.problems = problems


def _annotation(spec: FieldSpec, name: str) -> Any:
    if spec.enum is not None:
        base: Any = Literal[tuple(spec.enum)]
    elif spec.type == "list":
        item = _annotation(spec.items, f"{name}_item") if spec.items else Any
        base = list[item]  # type: ignore[valid-type]
    elif spec.type == "object":
        base = _object_model(spec.fields or {}, name) if spec.fields else dict[str, Any]
    else:
        base = _BASE_TYPES[spec.type]
    constraints: dict[str, Any] = {}
    if spec.minimum is not None:
        constraints["ge"] = spec.minimum
    if spec.maximum is not None:
        constraints["le"] = spec.maximum
    if spec.min_length is not None:
        constraints["min_length"] = spec.min_length
    if spec.max_length is not None:
        constraints["max_length"] = spec.max_length
    if spec.pattern is not None:
        constraints["pattern"] = spec.pattern
    if spec.min_items is not None:
        constraints["min_length"] = spec.min_items
    if spec.max_items is not None:
        constraints["max_length"] = spec.max_items
    return Annotated[base, Field(**constraints)] if constraints else base


def _object_model(fields: dict[str, FieldSpec], name: str) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for field_name, spec in fields.items():
        annotation = _annotation(spec, f"{name}_{field_name}")
        if spec.required and spec.default is None:
            definitions[field_name] = (annotation, Field(description=spec.description))
        else:
            definitions[field_name] = (
                annotation | None,
                Field(default=spec.default, description=spec.description),
            )
    model_name = re.sub(r"\W", "_", name.title())
    return create_model(
        model_name,
        __config__=ConfigDict(extra="forbid", strict=False),
        **definitions,
    )


_models: dict[str, type[BaseModel]] = {}


def input_model(definition: Definition) -> type[BaseModel]:
    """The pydantic model of a definition's input (built once per distinct schema)."""
    key = definition.name + json.dumps(
        {name: spec.model_dump(mode="json") for name, spec in definition.input.items()},
        sort_keys=True,
    )
    if key not in _models:
        _models[key] = _object_model(definition.input, f"{definition.name}-input")
    return _models[key]


def check_input(definition: Definition, data: Any) -> dict[str, Any]:
    """The input as the run will see it (defaults filled in), or InputError."""
    if not isinstance(data, dict):
        raise InputError(definition.name, [f"the input must be a JSON object, not {data!r:.60}"])
    try:
        checked = input_model(definition).model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = _where(item["loc"])
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                known = ", ".join(definition.input) or "none"
                message = f"unknown field (the process takes: {known})"
            problems.append(f"{where}: {message}")
        raise InputError(definition.name, problems) from None
    # Optional fields left out stay out (so has(input.x) is false), defaults are filled in.
    result: dict[str, Any] = checked.model_dump(mode="json", exclude_none=True)
    return result


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "input"
