"""Turning pydantic's validation errors into problems a process owner can act on."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from backoffice.language import model
from backoffice.language.problems import Reporter, did_you_mean
from backoffice.language.source import Path

# What each name pattern means, in words (pydantic would print the regular expression).
PATTERN_ADVICE = {
    model.STEP_ID_PATTERN: "use lower-case letters, digits and _ starting with a letter, "
    "like check_budget",
    model.PROCESS_NAME_PATTERN: "use lower-case words joined by -, like invoice-approval",
    model.ACTION_NAME_PATTERN: "use the catalog name, like invoice.validate",
    model.REASON_PATTERN: "use an UPPER_CASE code, like DUPLICATE or PRICE_VAR",
    model.REASON_OR_EXPRESSION_PATTERN: (
        "use an UPPER_CASE code, like DUPLICATE or PRICE_VAR, or an expression: ${ vars.reason }"
    ),
    model.ERROR_TYPE_PATTERN: "use an error type name, like BusinessRuleError",
}


def _language_models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(model).values()
        if isinstance(value, type) and issubclass(value, model.Strict) and value is not model.Strict
    ]


def _all_keys() -> set[str]:
    """Every key the language knows, for "did you mean" suggestions."""
    return {
        info.alias or name for cls in _language_models() for name, info in cls.model_fields.items()
    }


KNOWN_KEYS = frozenset(_all_keys())
# pydantic's "Input should be a valid integer" and its kin, said as what to write instead.
WHOLE_NUMBER_ERRORS = frozenset({"int_parsing", "int_from_float", "int_type"})
TAGS = frozenset(model.STEP_KINDS)
STEP_LISTS = frozenset({"steps", "otherwise"})  # keys whose list items are steps


def data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Follow pydantic's ``loc`` through the data, dropping the union tags it inserts.

    A step's kind tag follows the step's list index (or ``compensate``) and equals one of
    the step's own keys, so it is told apart by position: the first matching part after
    entering a step is the tag.
    """
    path: list[str | int] = []
    node = data
    entering_step = False
    for part in loc:
        if entering_step and isinstance(node, dict) and part == model.step_kind(node):
            entering_step = False
            continue
        entering_step = False
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
            entering_step = part == "compensate"
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            entering_step = bool(path) and path[-1] in STEP_LISTS
            path.append(part)
            node = node[part]
        elif isinstance(part, str) and "[" in part:
            continue  # a validator's name, not a place in the data
        elif part in model.ASSIGNEE_TAGS:
            continue  # which form of manager_of pydantic tried, not a place in the data
        elif isinstance(node, dict):
            path.append(part)  # a missing key: name it under its mapping
            node = None
        else:
            break  # inside a shorthand value (wait: 2d): the value itself is the place
    return tuple(path)


def report(error: ValidationError, data: Any, reporter: Reporter) -> None:
    seen: set[tuple[Path, str]] = set()
    for item in error.errors():
        path = data_path(item["loc"], data)
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            key_name = str(path[-1])
            message = f"unknown key '{key_name}'."
            message += did_you_mean(key_name, KNOWN_KEYS - {key_name})
            message = message.rstrip(".")
            if not message.endswith("?"):
                message += ": remove it, or check the spelling in docs/definitions.md"
            _once(reporter, seen, path, message, key=True)
        elif kind == "missing" and path:
            _once(reporter, seen, path[:-1], f"'{path[-1]}' is required here: add it", key=True)
        elif kind in ("union_tag_not_found", "union_tag_invalid"):
            _once(reporter, seen, path, step_kind_message(value), key=True)
        elif kind == "string_pattern_mismatch":
            pattern = item.get("ctx", {}).get("pattern", "")
            advice = PATTERN_ADVICE.get(pattern, f"it must match {pattern}")
            _once(reporter, seen, path, f"'{value}' is not a valid name: {advice}")
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            choices = re.findall(r"'([^']*)'", expected)
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            _once(
                reporter, seen, path, f"{_show(value)} is not allowed here: use {expected}.{hint}"
            )
        elif kind == "too_short":
            _once(reporter, seen, path, _too_short(path, item))
        elif kind in WHOLE_NUMBER_ERRORS and path and isinstance(path[-1], str):
            key_name = path[-1]
            _once(
                reporter,
                seen,
                path,
                f"{key_name} takes a whole number, like `{key_name}: 3` (found {_show(value)})",
            )
        else:
            message = item["msg"].removeprefix("Value error, ")
            if kind.startswith(("string_type", "int_", "float_", "bool_", "dict_", "list_")):
                message += f" (found {_show(value)})"
            _once(reporter, seen, path, message)


def _too_short(path: Path, item: Any) -> str:
    least = item.get("ctx", {}).get("min_length", 1)
    where = path[-1] if path else ""
    if where == "parallel":
        return "a parallel step needs at least two branches (for one, use steps:)"
    if where in ("steps", "otherwise"):
        return "this list of steps is empty: add at least one step, or remove the key"
    return f"needs at least {least} item{'s' if least != 1 else ''}; this one is empty"


def _once(
    reporter: Reporter, seen: set[tuple[Path, str]], path: Path, message: str, *, key: bool = False
) -> None:
    # Unions report one problem several times (once per member); say it once.
    if (path, message) not in seen:
        seen.add((path, message))
        reporter.at(path, message, key=key)


def step_kind_message(value: Any) -> str:
    kinds = ", ".join(model.STEP_KINDS)
    if value == model.VOID_SHORTHAND:
        return (
            "compensate: void undoes a task's decision, so only a task step takes it: "
            "undo other steps with a call, bot or steps"
        )
    if not isinstance(value, dict):
        return f"a step is a mapping with an id and one kind key ({kinds}); found {_show(value)}"
    present = [kind for kind in model.STEP_KINDS if kind in value and kind != "steps"]
    if len(present) > 1:
        return (
            f"a step has exactly one kind, found {' and '.join(present)}: "
            "split it into one step per kind"
        )
    unknown = [key for key in value if key not in KNOWN_KEYS]
    for key in unknown:
        hint = did_you_mean(key, model.STEP_KINDS)
        if hint:
            return f"unknown step kind '{key}'.{hint}"
    return f"this step has no kind: add one of {kinds}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
