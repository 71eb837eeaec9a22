"""Every evaluation is bounded before it runs and measured after; divisions never give infinity.

The bound is an upper bound from the expression's shape and the data's sizes, so these
tests state which shapes real processes use (and get) and which ones are refused before
the evaluator starts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.language.budget import EXPRESSION_BUDGET, VALUE_LIMIT, value_units
from backoffice.language.business_days import BusinessCalendar
from backoffice.language.expressions import (
    ExpressionError,
    ExpressionOverBudget,
    Scope,
    evaluate,
    helpers,
    prepare,
)
from backoffice.language.model import Calendar

SIX_NESTED_MAPS = (
    "input.items.map(a, input.items.map(b, input.items.map(c, "
    "input.items.map(d, input.items.map(e, input.items.map(f, a + b + c + d + e + f))))))"
)


def invoice_lines(count: int) -> list[dict[str, Any]]:
    return [
        {"number": n, "qty": n % 7 + 1, "unit_price": 3.15 + n, "item": f"PART-{n:03d}",
         "description": f"Part number {n} as ordered, delivered in full"}
        for n in range(1, count + 1)
    ]  # fmt: skip


def test_six_nested_maps_over_ten_items_are_refused_before_they_run() -> None:
    with pytest.raises(ExpressionOverBudget) as refused:
        evaluate(SIX_NESTED_MAPS, {"input": {"items": list(range(10))}})
    error = refused.value
    assert error.type == "ExpressionOverBudget"
    assert isinstance(error, ExpressionError)  # caught wherever expression errors are
    message = str(error)
    assert message.startswith(f"expression `{SIX_NESTED_MAPS}`: it would take up to ")
    assert f"more than the {EXPRESSION_BUDGET:,} one expression may take" in message


def test_the_same_shape_over_a_short_list_runs() -> None:
    result = evaluate(SIX_NESTED_MAPS, {"input": {"items": [1, 2]}})
    assert result[1][1][1][1][1][1] == 12


@pytest.mark.parametrize(
    "source",
    [
        "input.lines.map(l, l.qty * l.unit_price)",
        "sum(input.lines.map(l, l.qty * l.unit_price)) > 0",
        "input.lines.all(l, l.unit_price > 0 && l.item.startsWith('PART'))",
        "input.lines.filter(l, l.qty > 3).size() > 0",
        "input.lines.all(a, input.lines.exists_one(b, b.number == a.number))",
        "join(input.lines.map(l, upper(l.description)), '; ') != ''",
    ],
)
def test_what_an_invoice_of_200_lines_needs_is_within_the_budget(source: str) -> None:
    assert evaluate(source, {"input": {"lines": invoice_lines(200)}}) not in (None, False)


def test_a_month_end_close_over_40_entities_checks_each_against_the_others() -> None:
    entities = [
        {"code": f"E{n:02d}", "closed": True, "parent": f"E{n // 5:02d}"} for n in range(40)
    ]
    source = "input.entities.all(a, input.entities.all(b, input.entities.all(c, c.closed)))"
    assert evaluate(source, {"input": {"entities": entities}}) is True


def test_comparing_every_line_with_every_other_is_refused_for_a_thousand_lines() -> None:
    with pytest.raises(ExpressionOverBudget):
        evaluate(
            "input.lines.all(a, input.lines.exists_one(b, b.number == a.number))",
            {"input": {"lines": invoice_lines(1000)}},
        )


def doubled_until_refused(name: str, start: Any) -> tuple[Any, int, ExpressionOverBudget]:
    """Double ``vars.<name>`` round after round (at most 64) until an evaluation is refused."""
    functions = helpers(Calendar())
    value = start
    for rounds in range(64):  # bounded: 2**64 characters would never fit anywhere
        try:
            value = Scope({"vars": {name: value}}, functions).evaluate(f"vars.{name} + vars.{name}")
        except ExpressionOverBudget as refused:
            return value, rounds, refused
    pytest.fail("64 doublings were never refused")


def test_a_value_doubled_again_and_again_stops_at_the_size_limit() -> None:
    text, rounds, refused = doubled_until_refused("text", "x" * 1000)
    assert value_units(text) <= VALUE_LIMIT
    assert rounds < 20
    assert "one expression may" in str(refused)


def test_a_list_doubled_again_and_again_stops_too() -> None:
    items, _, _ = doubled_until_refused("items", [1])
    assert len(items) <= VALUE_LIMIT


def test_text_built_by_a_template_is_limited_too() -> None:
    from backoffice.language.expressions import render

    scope = Scope({"vars": {"text": "y" * (VALUE_LIMIT // 2)}}, helpers(Calendar()))
    with pytest.raises(ExpressionOverBudget, match="characters"):
        render("${ vars.text }-${ vars.text }-${ vars.text }", scope)


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "10 / input.zero",
        "10 / input.zero > 5",
        "input.amount / (input.zero * 3)",
        "1 / -input.zero",
    ],
)
def test_division_by_zero_from_the_data_is_an_error(source: str) -> None:
    with pytest.raises(ExpressionError) as failed:
        evaluate(source, {"input": {"zero": 0, "amount": 12}})
    assert failed.value.type == "ExpressionError"
    assert "division by zero: a divisor is 0 here" in str(failed.value)


def test_division_by_data_that_is_not_zero_works_as_before() -> None:
    data = {"input": {"amount": 12, "parts": [3, 4], "rate": 0.5}}
    assert evaluate("input.amount / input.parts[0] / 2", data) == 2
    assert evaluate("input.amount / size(input.parts)", data) == 6
    assert evaluate("input.amount / input.rate * 2", data) == 48
    assert evaluate("'a/b' + 'c'", data) == "a/bc"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("input.amount * 1e308 * 10", "it gives an infinite number"),
        ("double('nan') + 1", "it gives not-a-number"),
        ("[1, double('inf')]", "it gives an infinite number"),
    ],
)
def test_infinite_or_not_a_number_results_are_errors(source: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=problem):
        evaluate(source, {"input": {"amount": 10}})


def test_numbers_out_of_range_in_helpers_are_expression_errors() -> None:
    with pytest.raises(ExpressionError):
        evaluate("add_days('2025-01-01', 1e12)", {})


@pytest.mark.parametrize(
    ("source", "prepared"),
    [
        ("a / b", "a /_nonzero( b)"),
        ("a / b.c[0] * 2", "a /_nonzero( b.c[0]) * 2.0"),
        ("a / (b / c)", "a /_nonzero( (b /_nonzero( c)))"),
        ("x / size(l) / 2", "x /_nonzero( count(l)) /_nonzero( 2.0)"),
        ("a / -b + 1", "a /_nonzero( -b) + 1.0"),
        ('"a/b" + x // why\n/ 2', '"a/b" + x // why\n/_nonzero( 2.0)'),
    ],
)
def test_every_divisor_is_checked_for_zero(source: str, prepared: str) -> None:
    assert prepare(source) == prepared


def test_syntax_errors_after_a_division_still_point_into_the_source() -> None:
    with pytest.raises(ExpressionError) as failed:
        evaluate("input.a / input.b +* 2", {"input": {"a": 1, "b": 2}})
    # '+*': the '*' is the 20th character of what was written.
    assert failed.value.column == 20


# --- business days, counted without walking every day ------------------------------------


def _walked(calendar: BusinessCalendar, day: date, count: int) -> date:
    step = 1 if count >= 0 else -1
    for _ in range(abs(count)):
        day += timedelta(days=step)
        while not calendar.is_business_day(day):
            day += timedelta(days=step)
    return day


weekends = st.frozensets(st.integers(min_value=0, max_value=6), max_size=3)
holidays = st.frozensets(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2034, 12, 31)), max_size=30
)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=300, deadline=None, database=None)
@given(weekend=weekends, free=holidays, day=days, count=st.integers(-2000, 2000))
def test_adding_business_days_lands_where_walking_day_by_day_does(
    weekend: frozenset[int], free: frozenset[date], day: date, count: int
) -> None:
    calendar = BusinessCalendar(weekend, free)
    assert calendar.add_business_days(day, count) == _walked(calendar, day, count)


@settings(max_examples=300, deadline=None, database=None)
@given(weekend=weekends, free=holidays, start=days, span=st.integers(-3000, 3000))
def test_business_days_between_count_what_walking_counts(
    weekend: frozenset[int], free: frozenset[date], start: date, span: int
) -> None:
    calendar = BusinessCalendar(weekend, free)
    end = start + timedelta(days=span)
    low, high = min(start, end), max(start, end)
    walked = sum(
        1
        for offset in range(1, (high - low).days + 1)
        if calendar.is_business_day(low + timedelta(days=offset))
    )
    assert calendar.business_days_between(start, end) == (walked if end >= start else -walked)


def test_a_field_named_like_any_item_is_bounded_by_what_holds_it() -> None:
    # `input["*"]` must not read as "the largest item of input", which is its keys here.
    with pytest.raises(ExpressionOverBudget):
        evaluate(
            'input["*"].all(a, input["*"].all(b, input["*"].all(c, c > 0)))',
            {"input": {"*": list(range(1, 200))}},
        )
