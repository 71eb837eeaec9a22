"""The types of the values an expression ran on, to say why its evaluation failed.

At run time the values are there: the same inference as before a run (see
:mod:`expression_types`), over the types of the actual values, finds the operation that
failed and says it in words; the message also names the type of each piece of data the
expression read (``index is a decimal number``), never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from backoffice.language.cel_syntax import Index, Literal, Member, Name, Node, walk
from backoffice.language.expression_types import (
    BOOL,
    DURATION,
    DYN,
    INT,
    NULL,
    NUMBER,
    STRING,
    TIMESTAMP,
    Type,
    common,
    describe,
    list_of,
    record,
)

_SAMPLE = 20  # items of a list looked at for its item type: enough to tell, and bounded
_DEPTH = 3


def value_type(value: Any, depth: int = 0) -> Type:
    """The type of a value as CEL holds it (see ``expressions.to_cel``)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, datetime):
        return TIMESTAMP
    if isinstance(value, timedelta):
        return DURATION
    if depth > _DEPTH:
        return DYN
    if isinstance(value, list):
        return list_of(common([value_type(item, depth + 1) for item in value[:_SAMPLE]]))
    if isinstance(value, dict):
        entries = list(value.items())[:_SAMPLE]
        fields = {str(key): value_type(item, depth + 1) for key, item in entries}
        return record(fields, closed=False)
    return DYN


def named_values(tree: Node, values: Mapping[str, Any]) -> list[str]:
    """``index is a decimal number``: the types of the data an expression reads."""
    paths = [path for node in walk(tree) if (path := _data_path(node)) is not None]
    # `input.lines[0]` is named, not `input` and `input.lines` as well: the longest paths.
    longest = [
        path
        for path in dict.fromkeys(paths)
        if not any(other[: len(path)] == path and other != path for other in paths)
    ]
    found: list[str] = []
    for path in longest:
        value: Any = values.get(str(path[0]), _MISSING)
        for part in path[1:]:
            value = _part(value, part)
        if value is not _MISSING:
            found.append(f"{_path_text(path)} is {describe(value_type(value))}")
    return found[:6]


_MISSING = object()


def _part(value: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return (
            value[part]
            if isinstance(value, list) and -len(value) <= part < len(value)
            else _MISSING
        )
    return value.get(part, _MISSING) if isinstance(value, dict) else _MISSING


def _path_text(path: tuple[str | int, ...]) -> str:
    text = str(path[0])
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _data_path(node: Node) -> tuple[str | int, ...] | None:
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Member):
        inner = _data_path(node.target)
        return None if inner is None else (*inner, node.field)
    if isinstance(node, Index) and isinstance(node.index, Literal) and node.index.value.isdigit():
        inner = _data_path(node.target)
        return None if inner is None else (*inner, int(node.index.value))
    return None
