"""The ``holidays`` package's calendars: checking the codes a definition names, and the
dates a run takes with it when it starts.

Only validation and the start of a run ask the package; the workflow reads the dates from
its snapshot (``business_days.ResolvedHolidays``), so an upgrade of the package, which
may add or move a holiday, never changes a run in flight or a replay.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import holidays
from holidays import registry

from backoffice.language.business_days import WEEKDAYS, ResolvedHolidays
from backoffice.language.durations import MAX_BUSINESS_DAYS
from backoffice.language.model import Calendar

# A run counts business days from dates before its start too (an invoice dated in
# December, approved in January): the year before the start is resolved as well.
YEARS_BEFORE_START = 1
# However few working days a week has, a run resolves no more than this many years.
MAX_YEARS = 100

COUNTRY_EXAMPLES = "DE (Germany), FR (France), GB (United Kingdom) or US (United States)"
FINANCIAL_EXAMPLES = (
    "XECB (TARGET2, the European Central Bank's), XNYS (New York Stock Exchange) or XLON"
)


class CalendarProblem(ValueError):
    """A calendar code the package does not know; ``field`` names the key at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- checking ------------------------------------------------------------------------


def problems(calendar: Calendar) -> Iterator[CalendarProblem]:
    """What is wrong with the package calendars ``calendar`` names (nothing when none)."""
    countries = holidays.list_supported_countries()
    if calendar.country is not None:
        if calendar.country not in countries:
            yield CalendarProblem(
                "country",
                f"unknown country '{calendar.country}': write its ISO 3166 code, such as "
                f"{COUNTRY_EXAMPLES}.{_close_country(calendar.country)}",
            )
        elif calendar.subdivision is not None:
            known = _subdivisions(calendar.country)
            if calendar.subdivision not in countries[calendar.country]:
                message = f"country {calendar.country} has no subdivision '{calendar.subdivision}'"
                if known:
                    message += f": use one of {', '.join(known)}."
                else:
                    message += ": its holidays are the same everywhere; leave subdivision out."
                message += _close_subdivision(calendar.country, calendar.subdivision, known)
                yield CalendarProblem("subdivision", message)
    if calendar.financial is not None and calendar.financial not in _financial_codes():
        codes = ", ".join(sorted({primary for primary, _ in _financial_codes().values()}))
        yield CalendarProblem(
            "financial",
            f"unknown financial calendar '{calendar.financial}': use the code of a market "
            f"or settlement system, such as {FINANCIAL_EXAMPLES} (all: {codes})."
            + _close_financial(calendar.financial),
        )


def _subdivisions(country: str) -> list[str]:
    codes = holidays.list_supported_countries()[country]
    # Spelled-out aliases (Bayern for BY) are accepted by the package but clutter a hint.
    return [code for code in codes if re.fullmatch(r"[A-Z0-9]{1,4}", code)] or list(codes)


def _financial_codes() -> dict[str, tuple[str, str]]:
    """Every code the package accepts (XECB, and its aliases ECB, TAR) -> (XECB, its name)."""
    codes: dict[str, tuple[str, str]] = {}
    for entry in registry.FINANCIAL.values():
        name, primary, *aliases = entry
        for code in (primary, *aliases):
            codes[code] = (primary, _words(name))
    return codes


def _words(class_name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


def _close_financial(word: str) -> str:
    codes = _financial_codes()
    found = _closest(word, codes)
    if found is None:
        return ""
    primary, name = codes[found]
    return f" Did you mean '{primary}' ({name})?"


def _close_subdivision(country: str, subdivision: str, known: list[str]) -> str:
    # The package also knows subdivisions by their local names (Bayern for BY).
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {})
    by_name = {str(alias).lower(): str(code) for alias, code in dict(aliases).items()}
    if subdivision.lower() in by_name:
        return f" Did you mean '{by_name[subdivision.lower()]}'?"
    return _close(subdivision, known)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    options = list(choices)
    by_case = [option for option in options if option.upper() == word.upper()]
    found = by_case or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


def _close(word: str, choices: Iterable[str]) -> str:
    found = _closest(word, choices)
    return f" Did you mean '{found}'?" if found else ""


def _close_country(word: str) -> str:
    # Owners write a country's name as often as its code: Germany, germany, United States.
    names = {entry[0].lower(): entry[1] for entry in registry.COUNTRIES.values()}
    spaced = {_words(entry[0]): entry[1] for entry in registry.COUNTRIES.values()}
    key = re.sub(r"[\s_-]", "", word).lower()
    if key in names:
        return f" Did you mean '{names[key]}'?"
    hint = _close(word, holidays.list_supported_countries())
    if hint:
        return hint
    found = difflib.get_close_matches(word, list(spaced), n=1, cutoff=0.7)
    return f" Did you mean '{spaced[found[0]]}' ({found[0]})?" if found else ""


# --- resolving at start --------------------------------------------------------------


def resolve(calendar: Calendar, start: date) -> ResolvedHolidays | None:
    """The package holidays a run that starts on ``start`` takes in its snapshot.

    None when the calendar names no package calendar. The years run from the one before
    the start to the one in which the longest business-day duration the language allows
    (``MAX_BUSINESS_DAYS``), begun on the last day of the start year, ends: any wait,
    due date or escalation of one step then falls inside them however many holidays the
    years hold. A run that outlives them (a duration begun after years of waiting) is told
    so by ``BusinessCalendar`` rather than counting without holidays.
    """
    source = calendar.package_source()
    if source is None:
        return None
    weekend = {WEEKDAYS.index(day) for day in calendar.weekend}
    written = set(calendar.holidays)
    first = start.year - YEARS_BEFORE_START
    dates: list[date] = []
    for year in range(first, start.year + 1):
        dates.extend(_working(year, calendar, weekend))
    year, counted = start.year, 0
    while counted < MAX_BUSINESS_DAYS and year - first < MAX_YEARS and len(weekend) < 7:
        year += 1
        found = _working(year, calendar, weekend)
        dates.extend(found)
        counted += _working_days(year, weekend) - len(set(found) | _in_year(written, year, weekend))
    return ResolvedHolidays(source=source, first_year=first, last_year=year, dates=sorted(dates))


def _working(year: int, calendar: Calendar, weekend: set[int]) -> list[date]:
    days = set(_package_days(calendar.country, calendar.subdivision, calendar.financial, year))
    return sorted(day for day in days if day.weekday() not in weekend)


def _in_year(days: set[date], year: int, weekend: set[int]) -> set[date]:
    return {day for day in days if day.year == year and day.weekday() not in weekend}


def _working_days(year: int, weekend: set[int]) -> int:
    day, end, count = date(year, 1, 1), date(year + 1, 1, 1), 0
    while day < end:
        count += day.weekday() not in weekend
        day += timedelta(days=1)
    return count


def _package_days(
    country: str | None, subdivision: str | None, financial: str | None, year: int
) -> tuple[date, ...]:
    days: set[date] = set()
    if country is not None:
        days |= set(holidays.country_holidays(country, subdiv=subdivision, years=year))
    if financial is not None:
        days |= set(holidays.financial_holidays(financial, years=year))
    return tuple(sorted(days))
