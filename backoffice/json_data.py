"""Data from outside (a start's input, an event's data), held to what a run can carry.

JSON sets no limits, but a run does. Python's reader runs out of recursion in 100,000
nested brackets; Temporal warns at payloads of 512 KiB and refuses them at 2 MiB, and
the input travels in the run's first event next to its definition; ``NaN`` and
``Infinity``, which Python reads although JSON has neither, start a run that fails at
its first step when no comparison or conversion can use them. Each is refused here
first, with where it is and what the limit is.
"""

from __future__ import annotations

import json
import math
from typing import Any

from backoffice.errors import BackofficeError

MAX_BYTES = 512 * 1024
MAX_DEPTH = 32


class DataError(BackofficeError, ValueError):
    """Data a run cannot take; the message says where and what the limit is."""


def parse(text: str, what: str, root: str) -> Any:
    """The JSON ``text`` (named ``what`` in messages) as a value checked by ``check``."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise DataError(too_large(what, size))
    try:
        value = json.loads(text)
    except RecursionError:
        raise DataError(too_deep(what, root)) from None
    except json.JSONDecodeError as error:
        raise DataError(
            f"{what} is not valid JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}): give a JSON object or the path of a .json file"
        ) from None
    check(value, what, root)
    return value


def check(value: Any, what: str, root: str) -> None:
    """Refuse ``value`` nested too deep, holding NaN or Infinity, or too large as JSON.

    ``root`` names the value in paths (``input.lines[2].amount``).
    """
    pending: list[tuple[Any, str, int]] = [(value, root, 0)]
    while pending:
        current, path, depth = pending.pop()
        if isinstance(current, dict | list) and depth >= MAX_DEPTH:
            raise DataError(too_deep(what, path))
        if isinstance(current, dict):
            pending += [(item, f"{path}.{key}", depth + 1) for key, item in current.items()]
        elif isinstance(current, list):
            pending += [(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(current)]
        elif isinstance(current, float) and not math.isfinite(current):
            raise DataError(
                f"{path} is {current}: a number must be finite (JSON has no NaN or Infinity); "
                "give a number, or leave the field out"
            )
    size = len(json.dumps(value, default=str).encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise DataError(too_large(what, size))


def too_large(what: str, size: int) -> str:
    return (
        f"{what} is {size:,} bytes, more than the {MAX_BYTES:,} bytes (512 KiB) a run takes: "
        "keep documents in a system of record and pass their reference"
    )


def too_deep(what: str, where: str) -> str:
    return (
        f"{what} nests deeper than {MAX_DEPTH} levels (at {where[:80]}): "
        f"a run takes at most {MAX_DEPTH} levels of objects and lists"
    )
