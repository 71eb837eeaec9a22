"""Dates, timestamps and time zones as the workforce rules read them.

A definition passes a moment as ISO text: a date (``2025-06-02``), a timestamp with its
offset (``2025-06-02T09:30:00Z``) or a local timestamp without one, read in the
employee's time zone. Each is worked out in that zone, with its daylight-saving changes.
"""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class BadMoment(ValueError):
    """A zone, date or timestamp that cannot be read; says which and what to write."""


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``America/Los_Angeles``), or a BadMoment saying which."""
    if name in _zones():
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:  # pragma: no cover - listed zones are there
            pass
    close = difflib.get_close_matches(name, sorted(_zones()), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise BadMoment(
        f"'{name}' is not an IANA time zone: write one such as America/Los_Angeles or "
        f"Europe/Berlin{hint}"
    )


def moment(text: str, where: ZoneInfo, field: str) -> datetime:
    """A date (its local midnight) or a timestamp (local when it has no offset), in UTC."""
    written = text.strip()
    try:
        if len(written) == 10:
            found = datetime.combine(date.fromisoformat(written), time(0), where)
        else:
            found = datetime.fromisoformat(written)
            if found.tzinfo is None:
                found = found.replace(tzinfo=where)
    except ValueError:
        raise BadMoment(
            f"{field} '{text}' is not a date or timestamp: write 2025-06-02 or 2025-06-02T09:30:00Z"
        ) from None
    return found.astimezone(UTC)


def instant(text: str, field: str) -> datetime:
    """A timestamp with its offset (``2025-06-27T18:00:00Z``), in UTC."""
    written = text.strip()
    try:
        found = datetime.fromisoformat(written)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise BadMoment(
            f"{field} '{text}' is not a timestamp with its offset: write "
            "2025-06-27T18:00:00Z or 2025-06-27T11:00:00-07:00"
        )
    return found.astimezone(UTC)


def start_of_day(day: date, where: ZoneInfo) -> datetime:
    """The first moment of ``day`` in ``where``, in UTC."""
    return datetime.combine(day, time(0), where).astimezone(UTC)


def end_of_day(day: date, where: ZoneInfo) -> datetime:
    """The last second of ``day`` in ``where``, in UTC (a day of 23 or 25 hours alike)."""
    return start_of_day(day + timedelta(days=1), where) - timedelta(seconds=1)


def utc_text(when: datetime) -> str:
    """``2025-06-28T06:59:59Z``: a UTC timestamp as the engine writes them.

    A timestamp without an offset is UTC: SQLite gives back the records' moments so.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
