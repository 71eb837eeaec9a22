"""Variables a test run starts with in place of the definition's (``backoffice start --set``).

A process owner tries a definition with another threshold without editing the file:
``--set approval_limit=500``. The value is read as the definition's YAML reads a value
(``true`` is a boolean, ``500`` a number, anything else a text), and must name a
variable the definition declares and be of the kind of its default: a typo would
otherwise start a run that quietly uses the old value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from backoffice.errors import BackofficeError
from backoffice.language.source import SourceError, load


class OverrideError(BackofficeError):
    """A ``--set`` the definition cannot take; the message says what to write instead."""


def parse_assignment(text: str) -> tuple[str, Any]:
    """``name=value`` as the name and the value YAML reads."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise OverrideError(
            f"--set {text!r}: write a variable and its value, as in --set approval_limit=500"
        )
    if value.strip() == "":
        return name, ""
    try:
        parsed, _ = load(value)
    except SourceError as error:
        raise OverrideError(
            f"--set {name}: {error.message}; quote a text value, as in --set {name}='{value}'"
        ) from None
    return name, parsed


def kind_of(value: Any) -> str:
    """The kind a definition's value is, in the language's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def shown(value: Any) -> str:
    """A value as the language writes it: true, false, null, numbers bare, texts quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def checked_overrides(
    assignments: Iterable[tuple[str, Any]], variables: Mapping[str, Any], process: str
) -> dict[str, Any]:
    """The overrides, each checked against the variable it replaces."""
    found: dict[str, Any] = {}
    for name, value in assignments:
        if name not in variables:
            close = difflib.get_close_matches(name, list(variables), n=1, cutoff=0.6)
            advice = f" Did you mean '{close[0]}'?" if close else ""
            declared = ", ".join(sorted(variables)) or "none"
            raise OverrideError(
                f"--set {name}: '{process}' has no variable '{name}'.{advice} Its variables "
                f"are: {declared}"
            )
        default = variables[name]
        if default is not None and kind_of(value) != kind_of(default):
            raise OverrideError(
                f"--set {name}={shown(value)}: {name} is {kind_of(default)} (its default is "
                f"{shown(default)}), not {kind_of(value)}; write for example "
                f"--set {name}={shown(default)}"
            )
        found[name] = value
    return found


__all__ = ["OverrideError", "checked_overrides", "kind_of", "parse_assignment", "shown"]
