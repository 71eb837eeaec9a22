"""Durations as process owners write them: ``30s``, ``5m``, ``1h30m``, ``3d``, ``2w``, ``3bd``.

``bd`` counts business days on the process calendar (weekends and holidays skipped); it
cannot be mixed with clock units because "3 business days and 4 hours" has no single
meaning across a weekend.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_PART = re.compile(r"(\d+)\s*(bd|[smhdw])")
# Spaces may separate parts ("1h 30m") and a number from its unit ("3 bd"), but every
# number has its own unit: "1 5m" is not a duration.
_WHOLE = re.compile(r"^\s*(?:\d+\s*(?:bd|[smhdw])\s*)+$")

DURATION_HELP = "write a duration such as 30s, 5m, 2h, 1h30m, 3d, 2w, or 3bd for business days"

# Ten years: longer than any wait, timeout or escalation a process means, and far inside
# what timers and dates can hold (a wait of 99999999999999d overflows them).
MAX_SECONDS = 3650 * 86_400
MAX_BUSINESS_DAYS = 2600
LIMIT_HELP = "a duration is at most 10 years (3650d, or 2600bd)"


class Duration(BaseModel):
    """A span of clock time, or a number of business days (never both)."""

    model_config = ConfigDict(frozen=True)

    seconds: int = 0
    business_days: int = 0

    @property
    def is_business(self) -> bool:
        return self.business_days > 0

    def to_timedelta(self) -> timedelta:
        """Clock durations only; business days need a calendar to become a time span."""
        if self.is_business:
            raise ValueError("a business-day duration needs the process calendar")
        return timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        if self.is_business:
            return f"{self.business_days}bd"
        remaining, parts = self.seconds, []
        for unit in ("w", "d", "h", "m", "s"):
            size = _UNIT_SECONDS[unit]
            if remaining >= size:
                parts.append(f"{remaining // size}{unit}")
                remaining %= size
        return "".join(parts) or "0s"


def parse_duration(text: str) -> Duration:
    """Parse ``text`` or raise ValueError saying how to write a duration."""
    if not _WHOLE.match(text):
        raise ValueError(f"'{text}' is not a duration: {DURATION_HELP}")
    parts = _PART.findall(text)
    units = {unit for _, unit in parts}
    if "bd" in units and len(units) > 1:
        raise ValueError(f"'{text}' mixes business days with clock units: use one or the other")
    seconds = business = 0
    for amount, unit in parts:
        if unit == "bd":
            business += int(amount)
        else:
            seconds += int(amount) * _UNIT_SECONDS[unit]
    if not business and not seconds:
        raise ValueError(f"'{text}' is zero: a duration must be positive")
    if seconds > MAX_SECONDS or business > MAX_BUSINESS_DAYS:
        raise ValueError(f"'{text}' is too long: {LIMIT_HELP}")
    return Duration(seconds=seconds, business_days=business)


def _coerce(value: Any) -> Any:
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a duration: {DURATION_HELP}")
    if isinstance(value, int):
        raise ValueError(f"'{value}' has no unit: {DURATION_HELP}")
    return parse_duration(value)


def as_duration(value: Any) -> Duration:
    """``value`` as a duration (text like ``3bd``), or ValueError saying how to write one."""
    coerced: Duration = _coerce(value)
    return coerced


DurationField = Annotated[
    Duration,
    BeforeValidator(_coerce),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(\d+\s*(bd|[smhdw])\s*)+$",
            "description": "A duration: 30s, 5m, 2h, 1h30m, 3d, 2w, or 3bd (business days).",
        }
    ),
]
"""A model field holding a duration, written and serialised as text like ``3bd``."""
