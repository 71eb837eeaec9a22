"""Business days: which days count, from the definition's calendar and the run's holidays.

Pure, and imported inside the workflow sandbox. A calendar that names a country or a
financial calendar gets its holidays from the ``holidays`` package, but never here: they
are resolved once when the run starts (``backoffice.language.holiday_calendars``) and
travel in the run's snapshot as :class:`ResolvedHolidays`, so a replay counts the same
days whatever version of the package is installed then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from backoffice.errors import BackofficeError
from backoffice.language.model import Calendar

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ResolvedHolidays(BaseModel):
    """A package calendar's holidays for the years around a run's start, as it started."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str  # what the definition named, for messages: "DE-BY", "XECB", "DE-BY + XECB"
    first_year: int
    last_year: int
    # Only those on working weekdays: a holiday on a weekend changes no count, and every
    # date is written to the run's history.
    dates: list[date]


class CalendarRangeError(BackofficeError, ValueError):
    """A date outside the years whose holidays the run resolved when it started."""


_zones: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (cached; created here, outside the workflow sandbox's proxies)."""
    if name not in _zones:
        _zones[name] = ZoneInfo(name)
    return _zones[name]


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days from the definition's calendar and the holidays resolved for the run."""

    weekend: frozenset[int]
    holidays: frozenset[date]
    # The years the package's holidays are known for; None when the calendar names no
    # package calendar (its holidays are then all written in the definition).
    years: tuple[int, int] | None = None
    source: str = ""

    @classmethod
    def from_model(
        cls, calendar: Calendar, resolved: ResolvedHolidays | None = None
    ) -> BusinessCalendar:
        weekend = frozenset(WEEKDAYS.index(day) for day in calendar.weekend)
        holidays = frozenset(calendar.holidays)
        source = calendar.package_source()
        if source is None:
            return cls(weekend, holidays)
        if resolved is None:
            # A snapshot made without resolving (not by `backoffice start`): no year is
            # known, so any count says so instead of silently skipping no holidays.
            return cls(weekend, holidays, (1, 0), source)
        return cls(
            weekend,
            holidays | frozenset(resolved.dates),
            (resolved.first_year, resolved.last_year),
            resolved.source,
        )

    def _known(self, *days: date) -> None:
        if self.years is None:
            return
        first, last = self.years
        for day in days:
            if not first <= day.year <= last:
                if first > last:
                    raise CalendarRangeError(
                        f"the holidays of calendar {self.source} were not resolved when the "
                        "run started: start runs with `backoffice start`"
                    )
                raise CalendarRangeError(
                    f"{day.isoformat()} is outside the years {first}-{last} whose holidays "
                    f"({self.source}) the run took when it started: business days are "
                    "counted only within them"
                )

    def is_business_day(self, day: date) -> bool:
        self._known(day)
        return day.weekday() not in self.weekend and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        for _ in range(366):
            if self.is_business_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("the calendar has no business day within a year")

    def add_business_days(self, day: date, count: int) -> date:
        self._known(day)
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        if remaining > 10_000:
            raise ValueError("at most 10000 business days")
        per_week = 7 - len(self.weekend)
        if remaining and not per_week:
            raise ValueError("the calendar has no business days")
        # Whole weeks at once (an expression's work is bounded before it runs, so a helper
        # must not walk thousands of days); the holidays they held are then owed.
        while remaining > 2 * per_week:
            weeks = remaining // per_week - 1
            start, day = day, day + timedelta(days=7 * weeks * step)
            remaining -= weeks * per_week - self._holidays_passed(start, day)
        while remaining:
            day += timedelta(days=step)
            if day.weekday() not in self.weekend and day not in self.holidays:
                remaining -= 1
        self._known(day)
        return day

    def _holidays_passed(self, start: date, end: date) -> int:
        """Holidays on working weekdays after ``start`` up to ``end`` (either direction)."""
        low, high = (start, end) if start <= end else (end, start)
        return sum(
            1
            for holiday in self.holidays
            if holiday.weekday() not in self.weekend
            and (low < holiday <= high if start <= end else low <= holiday < high)
        )

    def deadline(self, start: datetime, business_days: int, timezone: str) -> datetime:
        """``start`` plus business days, at the same local time of day in ``timezone``."""
        local_zone = zone(timezone)
        local = start.astimezone(local_zone)
        day = self.add_business_days(local.date(), business_days)
        moment = datetime.combine(day, local.timetz().replace(tzinfo=None), local_zone)
        return moment.astimezone(start.tzinfo)

    def business_days_between(self, start: date, end: date) -> int:
        if abs((end - start).days) > 40_000:
            raise ValueError("dates more than a century apart")
        self._known(start, end)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        weeks, rest = divmod((end - start).days, 7)
        count = weeks * (7 - len(self.weekend))
        last_week = start + timedelta(days=7 * weeks)
        count += sum(
            1
            for offset in range(1, rest + 1)
            if (last_week + timedelta(days=offset)).weekday() not in self.weekend
        )
        return sign * (count - self._holidays_passed(start, end))
