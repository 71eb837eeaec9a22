"""Task settings that may be computed: how many approvals, and when a task is due, times
out, escalates or reminds.

Each takes its literal form (``approvals: 2``, ``due: 3bd``) or one ``${ expression }``,
worked out once when the task opens (see ``workflows/task_settings.py``). The model keeps a
computed setting as its expression text, ``${`` and ``}`` included, so a snapshot reads
back the same.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from backoffice.language.durations import DURATION_HELP, Duration, as_duration

MAX_APPROVALS = 5

APPROVALS_HELP = (
    "approvals is how many different people must approve: a whole number from 1 to "
    f"{MAX_APPROVALS}, like `approvals: 2`, or an expression like "
    '`approvals: "${ input.amount > 10000 ? 2 : 1 }"`'
)
MOMENT_HELP = (
    f"{DURATION_HELP}; or an expression giving a date or a time, like ${{ input.end_date }}"
)


def is_computed(value: Any) -> bool:
    """True for a setting written as ``${ expression }`` (the whole value)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.startswith("${") and text.endswith("}") and text.count("${") == 1


def source_of(value: str) -> str:
    """The expression inside ``${ }``."""
    return value.strip()[2:-1].strip()


def _computed_text(value: str, help_text: str) -> str:
    text = value.strip()
    if not source_of(text):
        raise ValueError(f"'{value}' holds no expression between ${{ and }}: {help_text}")
    return text


def _approvals(value: Any) -> Any:
    if isinstance(value, str):
        if is_computed(value):
            return _computed_text(value, APPROVALS_HELP)
        if value.strip().isdigit():
            value = int(value.strip())
        else:
            raise ValueError(f"'{value}' is not a number: {APPROVALS_HELP}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number: {APPROVALS_HELP}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value} is not a whole number: {APPROVALS_HELP}")
        value = int(value)
    if not 1 <= value <= MAX_APPROVALS:
        raise ValueError(f"{value} is out of range: {APPROVALS_HELP}")
    return value


def _duration_or_moment(value: Any) -> Any:
    if is_computed(value):
        return _computed_text(value, MOMENT_HELP)
    if isinstance(value, str) and "${" in value:
        raise ValueError(
            f"'{value}' mixes text with an expression: write the whole value as one "
            "${ expression }, or a duration such as 3bd"
        )
    try:
        return as_duration(value)
    except ValueError as error:
        raise ValueError(f"{error}; or an expression giving a date or a time") from None


def _shown(value: Duration | str) -> str:
    return str(value)


_COMPUTED_SCHEMA = {"type": "string", "pattern": r"^\s*\$\{.+\}\s*$"}

Approvals = Annotated[
    int | str,
    BeforeValidator(_approvals),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_APPROVALS},
                _COMPUTED_SCHEMA,
            ],
        }
    ),
]
"""How many different people must approve: a number, or ``${ expression }``."""

DurationOrMoment = Annotated[
    Duration | str,
    BeforeValidator(_duration_or_moment),
    PlainSerializer(_shown, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*(\d+\s*(bd|[smhdw])\s*)+$"},
                _COMPUTED_SCHEMA,
            ],
            "description": "A duration from when the task opens (30s, 5m, 2h, 3d, 2w, 3bd), "
            "or an expression worked out then, giving a date or time (${ input.end_date }) "
            "or a duration text.",
        }
    ),
]
"""A duration from when the task opens, or ``${ expression }`` giving a moment."""


def when(setting: Duration | str, relative: str) -> str:
    """A time setting in words: ``after 3bd`` (``relative`` to the opening), or ``at ${ ... }``."""
    return f"at {setting}" if isinstance(setting, str) else f"{relative} {setting}"


def how_many(approvals: int | str) -> str | None:
    """The approvals line of a task, or None for one approver."""
    if isinstance(approvals, str):
        return f"as many different people must approve as {approvals} gives"
    return f"{approvals} different people must approve" if approvals > 1 else None


def shortfall_text(needed: int, eligible: int) -> str:
    """What ops, the inbox and reassigners are told when too few people may approve."""
    return f"needs {needed} approvers, only {eligible} eligible: reassign or add an approver"
