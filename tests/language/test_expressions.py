"""Expressions: the number rewrite, evaluation, helpers, templates, errors and the sandbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backoffice.language.business_days import BusinessCalendar
from backoffice.language.expressions import (
    ExpressionError,
    Scope,
    compile_expression,
    evaluate,
    helpers,
    prepare,
    references,
    render,
    template_expressions,
    template_parts,
)
from backoffice.language.model import Calendar

CHRISTMAS = Calendar.model_validate({"holidays": ["2025-12-25", "2025-12-26"]})

# --- prepare ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "prepared"),
    [
        ("x * 2", "x * 2.0"),
        ("2", "2.0"),
        ("-5", "-5.0"),
        ("size(x) > 0", "count(x) > 0.0"),
        ("lines[0]", "lines[0]"),
        ("lines[ 0 ]", "lines[ 0 ]"),
        ("m[1][0]", "m[1][0]"),
        ("f()[0]", "f()[0]"),
        ("lines[0].qty * 2", "lines[0].qty * 2.0"),
        ("[0, 1]", "[0.0, 1.0]"),
        ("[1][0]", "[1.0][0]"),
        ("x in [1, 2]", "x in [1.0, 2.0]"),
        ("{'a': 1}", "{'a': 1.0}"),
        ("1.5 + 2", "1.5 + 2.0"),
        ("1e3", "1e3"),
        ("2.5e-3", "2.5e-3"),
        ("0x1F", "0x1F"),
        ("3u", "3u"),
        ("x.y2 + 3", "x.y2 + 3.0"),
        ("a2b", "a2b"),
        ("'a 2' + b", "'a 2' + b"),
        ('"2 apples" + "3"', '"2 apples" + "3"'),
        ("'it\\'s 2' + 1", "'it\\'s 2' + 1.0"),
        ("r'\\d2' + 'x'", "r'\\d2' + 'x'"),
        ('"""a 1""" + 2', '"""a 1""" + 2.0'),
    ],
)
def test_prepare_rewrites_whole_numbers_only(source: str, prepared: str) -> None:
    assert prepare(source) == prepared


def test_prepare_is_idempotent() -> None:
    once = prepare("x * 2 + lines[0] - 3")
    assert prepare(once) == once


# --- evaluation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        ("qty * 2.5", {"qty": 10}, 25),
        ("qty / 4", {"qty": 10}, 2.5),
        ("7 / 2", {}, 3.5),
        ("1 + 2.5", {}, 3.5),
        ("x == 1", {"x": 1}, True),
        ("x == 1.0", {"x": 1}, True),
        ("amount > 1000", {"amount": 1000.5}, True),
        ("amount >= 1000", {"amount": 999}, False),
        ("size(lines) == 2", {"lines": ["a", "b"]}, True),
        ("lines[1]", {"lines": ["a", "b"]}, "b"),
        ("int(x) == 3", {"x": 3}, True),
        ("lines[int(i)]", {"lines": ["a", "b"], "i": 1}, "b"),
        ("lines.map(l, l.qty * l.price)", {"lines": [{"qty": 2, "price": 1.5}]}, [3]),
        ("lines.all(l, l.qty > 0)", {"lines": [{"qty": 2}, {"qty": 0}]}, False),
        ('"GOODS" in ["GOODS", "SERVICES"]', {}, True),
        ('has(input.po) ? input.po : "none"', {"input": {}}, "none"),
        ("input.when <= today", {"input": {"when": "2025-01-01"}, "today": "2025-06-12"}, True),
    ],
)
def test_evaluate(source: str, variables: dict[str, Any], expected: Any) -> None:
    assert evaluate(source, variables) == expected


def test_arithmetic_on_a_size() -> None:
    assert evaluate("size(lines) + 1", {"lines": ["a", "b"]}) == 3


def test_whole_results_come_back_as_integers() -> None:
    result = evaluate("2 * 3", {})
    assert result == 6
    assert type(result) is int
    assert type(evaluate("2 * 1.25", {})) is float
    assert evaluate("{'a': 2.0, 'b': [1.0, 1.5]}", {}) == {"a": 2, "b": [1, 1.5]}


def test_dates_and_decimals_become_cel_values() -> None:
    from decimal import Decimal

    variables = {"day": dt.date(2025, 1, 3), "amount": Decimal("10.25")}
    assert evaluate("day", variables) == "2025-01-03"
    assert evaluate("amount * 2", variables) == 20.5


def test_a_scope_evaluates_many_expressions() -> None:
    scope = Scope({"input": {"amount": 10}}, helpers(Calendar()))
    assert scope.evaluate("input.amount + 1") == 11
    assert scope.evaluate("round_money(input.amount / 3)") == 3.33


# --- helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "calendar", "expected"),
    [
        # Friday plus one business day is Monday.
        ("add_business_days('2025-01-03', 1)", Calendar(), "2025-01-06"),
        ("add_business_days('2025-01-06', -1)", Calendar(), "2025-01-03"),
        ("add_business_days('2025-01-03', 0)", Calendar(), "2025-01-03"),
        # 25 and 26 December are holidays, 27 and 28 the weekend.
        ("add_business_days('2025-12-24', 1)", CHRISTMAS, "2025-12-29"),
        ("add_business_days('2025-12-24', 1)", Calendar(), "2025-12-25"),
        ("'2025-12-24'.add_business_days(2)", CHRISTMAS, "2025-12-30"),
        (
            "add_business_days('2025-01-02', 1)",
            Calendar.model_validate({"weekend": ["friday", "saturday"]}),
            "2025-01-05",
        ),
        ("business_days_between('2025-01-03', '2025-01-06')", Calendar(), 1),
        ("business_days_between('2025-01-06', '2025-01-03')", Calendar(), -1),
        ("business_days_between('2025-01-06', '2025-01-06')", Calendar(), 0),
        ("business_days_between('2025-12-24', '2025-12-29')", CHRISTMAS, 1),
        ("business_days_between('2025-12-24', '2025-12-29')", Calendar(), 3),
        ("is_business_day('2025-12-25')", CHRISTMAS, False),
        ("is_business_day('2025-12-24')", CHRISTMAS, True),
        ("next_business_day('2025-12-25')", CHRISTMAS, "2025-12-29"),
        ("next_business_day('2025-12-24')", CHRISTMAS, "2025-12-24"),
        ("weekday('2025-01-04')", Calendar(), "saturday"),
        ("add_days('2025-02-27', 2)", Calendar(), "2025-03-01"),
        ("days_between('2025-01-01', '2025-03-01')", Calendar(), 59),
        ("date('2025-01-02T23:59:00Z')", Calendar(), "2025-01-02"),
    ],
)
def test_date_helpers(source: str, calendar: Calendar, expected: Any) -> None:
    assert evaluate(source, {}, calendar) == expected


def test_date_of_a_timestamp() -> None:
    now = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert evaluate("date(now)", {"now": now}) == "2025-01-02"


def test_bad_date_text_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="is not a date: write YYYY-MM-DD"):
        evaluate("add_days('tomorrow', 1)", {})


def test_business_days_between_refuses_dates_a_century_apart() -> None:
    with pytest.raises(ExpressionError, match="dates more than a century apart"):
        evaluate("business_days_between('2000-01-01', '2200-01-01')", {})


def test_business_days_between_refuses_reversed_dates_a_century_apart() -> None:
    with pytest.raises(ExpressionError, match="dates more than a century apart"):
        evaluate("business_days_between('2200-01-01', '2000-01-01')", {})


def test_business_deadline_keeps_the_local_time_across_a_clock_change() -> None:
    business = BusinessCalendar.from_model(Calendar())
    # Friday 28 March 2025, 16:00 in Berlin (UTC+1); Monday 31 March is summer time (UTC+2).
    start = dt.datetime(2025, 3, 28, 15, 0, tzinfo=dt.UTC)
    deadline = business.deadline(start, 1, "Europe/Berlin")
    assert deadline == dt.datetime(2025, 3, 31, 14, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("round_money(1.005)", 1.01),
        ("round_money(1.005) == 1.01", True),
        ("round_money(2.675)", 2.68),
        ("round_money(-1.005)", -1.01),
        ("round_money(1.004)", 1.0),
        ("round_money(1.23456, 3)", 1.235),
        ("round_money(2.5, 0)", 3),
        ("round_money(10 / 3)", 3.33),
        ("money(61880)", "61,880.00"),
        ("money(928.2)", "928.20"),
        ("money(1.005)", "1.01"),
        ("money(-1234567.891)", "-1,234,567.89"),
        ("percent(200, 15)", 30),
        ("within(1.0, 1.02, 0.05)", True),
        ("within(100, 101, 0.5)", False),
        ("within(100, 99.5, 0.5)", True),
        ("abs(-2.5)", 2.5),
        ("sum([1, 2.5])", 3.5),
        ("min_of([3, 1, 2])", 1),
        ("max_of([3, 1, 2])", 3),
        ("count([1, 2, 3])", 3),
    ],
)
def test_number_helpers(source: str, expected: Any) -> None:
    assert evaluate(source, {}) == expected


def test_percent_of_a_decimal_amount() -> None:
    assert evaluate("percent(19.99, 19)", {}) == pytest.approx(3.7981)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("normalize_ref(' aos-0088/231 ')", "AOS0088231"),
        ('normalize_ref("aos-0088/231") == "AOS0088231"', True),
        ("normalize_ref('000-123')", "123"),
        ("normalize_ref('0000')", "0"),
        ("normalize_ref('inv 12 / 3')", "INV123"),
        ("lower('AbC')", "abc"),
        ("upper('abc')", "ABC"),
        ("trim('  a ')", "a"),
        ("join(['a', 'b'], '-')", "a-b"),
        ("join(['a', 1, 2.5])", "a, 1, 2.5"),
    ],
)
def test_text_helpers(source: str, expected: Any) -> None:
    assert evaluate(source, {}) == expected


def test_normalize_ref_of_a_numeric_reference() -> None:
    assert evaluate("normalize_ref(input.ref)", {"input": {"ref": 42}}) == "42"


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        ("get(m, 'a', 7)", {"m": {}}, 7),
        ("get(m, 'a', 7)", {"m": {"a": "x"}}, "x"),
        ("get(m, 'a')", {"m": {}}, None),
        ("get(input, 'po_number', '')", {"input": {}}, ""),
        ("get(l, 0)", {"l": [1, 2]}, 1),
        ("get(l, -1)", {"l": [1, 2]}, 2),
        ("get(l, 5, 'none')", {"l": [1]}, "none"),
        ("get(l, -3, 'none')", {"l": [1, 2]}, "none"),
    ],
)
def test_get_with_default(source: str, variables: dict[str, Any], expected: Any) -> None:
    assert evaluate(source, variables) == expected


def test_get_on_text_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match=r"get\(\) takes a map or a list"):
        evaluate("get('text', 1)", {})


# --- templates -------------------------------------------------------------------------

SCOPE_DATA = {"input": {"amount": 12.5, "id": "INV-1", "flag": True, "none": None, "n": 3}}


@pytest.fixture
def scope() -> Scope:
    return Scope(SCOPE_DATA, helpers(Calendar()))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${ input.amount }", 12.5),
        ("${input.n}", 3),
        ("  ${ input.flag }  ", True),
        ("${ input.none }", None),
        ("${ [1, 2] }", [1, 2]),
        ("Invoice ${ input.id } for ${ input.amount }", "Invoice INV-1 for 12.5"),
        ("${ input.amount } ${ input.n }", "12.5 3"),
        ("${ input.n } items", "3 items"),
        ("x ${ input.none } y ${ input.flag }", "x  y true"),
        ("${ '}' + input.id }", "}INV-1"),
        ("${ {'a': 1}['a'] }", 1),
        ("no expression here", "no expression here"),
        ("$ { not one }", "$ { not one }"),
    ],
)
def test_render(scope: Scope, template: str, expected: Any) -> None:
    result = render(template, scope)
    assert result == expected
    assert type(result) is type(expected)


def test_render_goes_through_maps_and_lists(scope: Scope) -> None:
    value = {"a": ["${ input.n }", 5, None], "b": {"c": "id ${ input.id }"}, "d": 1.5}
    assert render(value, scope) == {"a": [3, 5, None], "b": {"c": "id INV-1"}, "d": 1.5}


def test_template_parts_and_offsets() -> None:
    parts = template_parts("a ${ x } b ${y}")
    assert [(p.start, p.end, p.offset, p.expression) for p in parts] == [
        (2, 8, 5, "x"),
        (11, 15, 13, "y"),
    ]
    assert template_expressions({"a": ["x ${ input.n }"], "b": "${ y }", "c": 3}) == [
        (("a", 0), 5, "input.n"),
        (("b",), 3, "y"),
    ]


def test_template_never_closed() -> None:
    with pytest.raises(ExpressionError) as caught:
        template_parts("a ${ x")
    assert caught.value.problem == "a '${' is never closed with '}'"
    assert caught.value.column == 3


# --- errors ----------------------------------------------------------------------------


def test_missing_field_mentions_has() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("input.po_number", {"input": {}})
    error = caught.value
    assert error.source == "input.po_number"
    assert "no field 'po_number' here" in error.problem
    assert "has(...)" in error.problem
    assert "get(map, 'field', default)" in error.problem
    assert str(error).startswith("expression `input.po_number`: ")


def test_has_answers_for_a_missing_field() -> None:
    assert evaluate("has(input.po_number)", {"input": {}}) is False
    assert evaluate("has(input.po_number)", {"input": {"po_number": "PO1"}}) is True


@pytest.mark.parametrize(
    ("source", "column", "problem"),
    [
        ("input.n > > 5", 11, "syntax error: extraneous input '>'"),
        ("1 + 2 + 3 +* 4", 12, "syntax error: extraneous input '*'"),
        ("1.0 + 2 + 3 )", 13, "syntax error: extraneous input ')'"),
        ("a.b(", 5, "syntax error: the expression ends too early: something is missing at the end"),
    ],
)
def test_syntax_error_column_is_in_the_original_text(
    source: str, column: int, problem: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert caught.value.column == column
    assert caught.value.problem == problem


def test_syntax_error_column_with_a_decimal_literal_after_the_error() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("1 + 2 + 3 +* 1.0")
    assert caught.value.column == 12


def test_value_that_cannot_be_used() -> None:
    with pytest.raises(ExpressionError, match="a value of type object cannot be used"):
        evaluate("x", {"x": object()})


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "eval('1')",
        "getattr(x, '__class__')",
        "x.__class__",
        "x.__class__.__mro__",
        "x.__dict__",
        "x.__len__()",
        "'abc'.__class__",
        "m.__class__",
        "m['__class__']",
        "m.keys()",
        "l.pop()",
        "get.__globals__",
        "lower.__code__",
        "round_money.__globals__['Decimal']",
        "type(x).__subclasses__()",
        "'{0.__class__}'.format(x)",
    ],
)
def test_no_expression_reaches_python_internals(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source, {"x": 1, "m": {"a": 1}, "l": [1]})


# --- references ------------------------------------------------------------------------


def test_references() -> None:
    refs = references(
        "steps.a.x + input.b + vars.c + sum([1].map(q, q + 1)) > 0 && has(input.po) "
        "&& lower(steps.b.y) == 'input.z'"
    )
    assert refs.roots == {"steps", "input", "vars"}
    assert refs.paths == {
        ("steps", "a"),
        ("input", "b"),
        ("vars", "c"),
        ("input", "po"),
        ("steps", "b"),
    }
    assert {"sum", "lower", "has", "map"} >= refs.functions >= {"sum", "lower"}
    assert refs.bound == {"q"}
