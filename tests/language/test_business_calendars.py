"""Calendars of the holidays package: the dates a run takes at its start, and how they count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from backoffice.language.business_days import BusinessCalendar, CalendarRangeError, zone
from backoffice.language.durations import MAX_BUSINESS_DAYS
from backoffice.language.expressions import evaluate
from backoffice.language.holiday_calendars import resolve
from backoffice.language.model import Calendar

BAVARIA = Calendar(timezone="Europe/Berlin", country="DE", subdivision="BY")
START = date(2026, 1, 5)


def _bavaria() -> BusinessCalendar:
    return BusinessCalendar.from_model(BAVARIA, resolve(BAVARIA, START))


def test_a_bavarian_calendar_takes_epiphany_as_a_holiday() -> None:
    resolved = resolve(BAVARIA, START)
    assert resolved is not None
    assert resolved.source == "DE-BY"
    assert date(2026, 1, 6) in resolved.dates
    assert not _bavaria().is_business_day(date(2026, 1, 6))


def test_one_business_day_from_monday_5_january_2026_in_bavaria_ends_on_wednesday() -> None:
    start = datetime(2026, 1, 5, 9, 30, tzinfo=zone("Europe/Berlin"))
    deadline = _bavaria().deadline(start, 1, "Europe/Berlin")
    assert deadline == datetime(2026, 1, 7, 9, 30, tzinfo=zone("Europe/Berlin"))


def test_expressions_count_the_resolved_holidays() -> None:
    resolved = resolve(BAVARIA, START)
    assert evaluate("add_business_days('2026-01-05', 1)", {}, BAVARIA, resolved) == "2026-01-07"
    assert evaluate("is_business_day('2026-01-06')", {}, BAVARIA, resolved) is False
    assert evaluate("business_days_between('2026-01-05', '2026-01-07')", {}, BAVARIA, resolved) == 1


def test_elsewhere_in_germany_epiphany_is_a_working_day_and_berlin_has_its_own() -> None:
    berlin = Calendar(country="DE", subdivision="BE")
    calendar = BusinessCalendar.from_model(berlin, resolve(berlin, START))
    assert calendar.is_business_day(date(2026, 1, 6))
    assert not calendar.is_business_day(date(2027, 3, 8))  # Women's Day, Berlin only


def test_the_target2_calendar_closes_for_labour_day_but_not_for_ascension() -> None:
    target2 = Calendar(financial="XECB")
    calendar = BusinessCalendar.from_model(target2, resolve(target2, START))
    assert not calendar.is_business_day(date(2026, 5, 1))
    assert calendar.is_business_day(date(2026, 5, 14))
    assert not _bavaria().is_business_day(date(2026, 5, 14))


def test_holidays_written_in_the_definition_add_to_the_package_ones() -> None:
    own = Calendar(country="DE", subdivision="BY", holidays=[date(2026, 12, 24)])
    calendar = BusinessCalendar.from_model(own, resolve(own, START))
    assert not calendar.is_business_day(date(2026, 12, 24))  # the company's own day off
    assert not calendar.is_business_day(date(2026, 12, 25))  # and the package's


def test_the_snapshot_keeps_only_holidays_that_fall_on_working_days() -> None:
    resolved = resolve(BAVARIA, START)
    assert resolved is not None
    assert date(2026, 11, 1) not in resolved.dates  # All Saints' Day, a Sunday in 2026
    assert all(day.weekday() < 5 for day in resolved.dates)


def test_the_years_cover_the_longest_business_day_duration_begun_on_new_year_s_eve() -> None:
    resolved = resolve(BAVARIA, START)
    assert resolved is not None
    assert resolved.first_year == 2025  # dates before the start: last year's invoices
    calendar = BusinessCalendar.from_model(BAVARIA, resolved)
    end = calendar.add_business_days(date(2026, 12, 31), MAX_BUSINESS_DAYS)
    assert end.year <= resolved.last_year


def test_a_short_working_week_takes_more_years() -> None:
    weekend = ["monday", "tuesday", "wednesday", "saturday", "sunday"]
    short = Calendar(country="DE", weekend=weekend)  # type: ignore[arg-type]
    resolved = resolve(short, START)
    assert resolved is not None
    calendar = BusinessCalendar.from_model(short, resolved)
    end = calendar.add_business_days(date(2026, 12, 31), MAX_BUSINESS_DAYS)
    assert end.year <= resolved.last_year
    assert resolved.last_year - resolved.first_year > 20


def test_a_date_outside_the_resolved_years_is_refused_with_the_years_it_knows() -> None:
    with pytest.raises(CalendarRangeError) as refused:
        _bavaria().is_business_day(date(2020, 6, 1))
    assert str(refused.value) == (
        "2020-06-01 is outside the years 2025-2037 whose holidays (DE-BY) the run took when "
        "it started: business days are counted only within them"
    )


def test_a_package_calendar_without_resolved_dates_counts_nothing_and_says_why() -> None:
    calendar = BusinessCalendar.from_model(BAVARIA)
    with pytest.raises(CalendarRangeError, match="were not resolved when the run started"):
        calendar.add_business_days(START, 1)


def test_a_calendar_without_a_package_one_counts_as_before() -> None:
    assert resolve(Calendar(holidays=[date(2026, 1, 6)]), START) is None
    plain = BusinessCalendar.from_model(Calendar(holidays=[date(2026, 1, 6)]))
    assert plain.add_business_days(START, 1) == date(2026, 1, 7)
    assert plain.is_business_day(date(1990, 1, 2))  # any year: nothing to look up


def test_a_subdivision_needs_its_country() -> None:
    with pytest.raises(ValidationError, match="a subdivision belongs to a country"):
        Calendar(subdivision="BY")


def test_a_package_calendar_starting_near_new_year_counts_into_the_next_year() -> None:
    start = datetime(2026, 12, 23, 12, 0, tzinfo=zone("Europe/Berlin"))
    deadline = _bavaria().deadline(start, 2, "Europe/Berlin")
    # 24 Dec is a working day, 25 and 26 Dec are holidays, 27 Dec is a Sunday.
    assert deadline - start == timedelta(days=5)
