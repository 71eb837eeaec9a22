"""How ``backoffice catalog`` writes a field's type: in the words a definition uses.

A field that takes a few fixed values (a ``Literal`` or an enum) shows them, as a
definition must write them: ``status: one of "open", "paid"``, so its owner need not read
the activity's code to know what to pass or to compare a result with.
"""

from __future__ import annotations

import enum
import inspect
import json
import types
import typing
from typing import Any, Literal


def allowed_values(annotation: Any) -> list[Any] | None:
    """The values a Literal or enum annotation allows (None and optional aside), or None."""
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        values: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is type(None):
                continue
            found = allowed_values(arg)
            if found is None:
                return None
            values += found
        return values or None
    return None


def type_text(annotation: Any) -> str:
    """``one of "open", "paid"`` for fixed values, else the type's name."""
    values = allowed_values(annotation)
    if values is not None:
        optional = type(None) in typing.get_args(annotation)
        shown = "one of " + ", ".join(json.dumps(value) for value in values)
        return shown + (" or null" if optional else "")
    return _name(annotation)


def _name(annotation: Any) -> str:
    # Annotated extras (a serializer) and module paths are the code's business, not the owner's.
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join("None" if arg is type(None) else _name(arg) for arg in args)
    if origin is not None and args:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(_name, args))}]"
    if annotation is Any:
        return "Any"
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def errors_text(errors: tuple[str, ...]) -> str:
    return ", ".join(errors) if errors else "(none declared)"


__all__ = ["allowed_values", "errors_text", "type_text"]
