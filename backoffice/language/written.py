"""Values as a definition writes them, for what owners read: ``true``, ``false``, ``null``.

Python would print ``True`` and ``None``; a process owner wrote ``true`` and ``null`` and
reads them back in the outline, the flowchart and the command line's messages.
"""

from __future__ import annotations

from typing import Any


def written(value: Any) -> str:
    """``value`` in the language's spelling; texts as they are, lists and mappings inline."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(written(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {written(item)}" for key, item in value.items()) + "}"
    return str(value)


__all__ = ["written"]
