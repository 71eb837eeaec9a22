"""Money is exact: rounded half up to each currency's minor unit, read from screens whole."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import BaseModel

from backoffice import packs
from backoffice.money import (
    CENT,
    Amount,
    MoneyError,
    exact,
    format_money,
    minor_unit,
    parse_amount,
    round_money,
)


@pytest.mark.parametrize(
    ("currency", "unit"),
    [("EUR", "0.01"), ("USD", "0.01"), ("JPY", "1"), ("KWD", "0.001"), ("BHD", "0.001")],
)
def test_each_currency_has_its_iso_minor_unit(currency: str, unit: str) -> None:
    assert minor_unit(currency) == Decimal(unit)


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.345", "EUR", "2.35"),  # half up, as invoices round: not half even (2.34)
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # halves away from zero, a credit note as an invoice
        ("1234.5", "JPY", "1235"),
        ("1234.49", "JPY", "1234"),
        ("1.2345", "KWD", "1.235"),
        ("0.0005", "BHD", "0.001"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str, rounded: str) -> None:
    result = round_money(Decimal(amount), currency)
    assert result == Decimal(rounded)
    assert result.as_tuple().exponent == minor_unit(currency).as_tuple().exponent


def test_an_unknown_currency_is_refused_with_what_to_write() -> None:
    with pytest.raises(MoneyError, match=r"'EUX' is not an ISO 4217 currency code.*EUR"):
        round_money(Decimal("1"), "EUX")


def test_amounts_are_formatted_for_people_with_their_currency() -> None:
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("1234567.4"), "JPY") == "1,234,567 JPY"
    assert format_money(Decimal("-12"), "KWD") == "-12.000 KWD"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("-12.00", "-12.00"),
        ("12.00-", "-12.00"),
        ("(12.00)", "-12.00"),
        ("1 234,50", "1234.50"),
        ("1.234.567", "1234567"),
        ("12,450.00 USD", "12450.00"),
        ("EUR 0.125", "0.125"),
        ("40", "40"),
    ],
)
def test_screen_amounts_are_read_exactly(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


def test_one_mark_before_three_digits_is_read_only_when_the_screen_says_which() -> None:
    with pytest.raises(MoneyError, match=r"could be 1234 or 1\.234"):
        parse_amount("1.234")
    assert parse_amount("1.234", decimal_mark=",") == Decimal("1234")
    assert parse_amount("10.000", decimal_mark=".") == Decimal("10.000")


@pytest.mark.parametrize("text", ["", "abc", "1,2,3.4.5", "--1"])
def test_text_that_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


def test_a_mark_the_screen_does_not_use_for_decimals_is_refused() -> None:
    with pytest.raises(MoneyError, match="its decimals hold a ','"):
        parse_amount("1.234,50", decimal_mark=".")


def test_a_float_from_an_expression_is_the_number_it_was_written_as() -> None:
    assert exact(0.1) == Decimal("0.1")
    assert exact(14815.5) + exact(0.01) == Decimal("14815.51")
    with pytest.raises(MoneyError):
        exact(float("nan"))
    with pytest.raises(MoneyError):
        exact(True)


class _Posting(BaseModel):
    gross_amount: Amount
    qty: Amount = Decimal(0)


def test_amounts_cross_the_workflow_as_json_numbers_and_come_back_exact() -> None:
    wire = _Posting(gross_amount=Decimal("928.20"), qty=Decimal("10")).model_dump_json()
    assert json.loads(wire) == {"gross_amount": 928.2, "qty": 10}
    assert _Posting.model_validate_json(wire).gross_amount == Decimal("928.20")


def test_an_amount_a_double_cannot_hold_travels_as_exact_text() -> None:
    huge = Decimal("1234567890123456.78")
    wire = json.loads(_Posting(gross_amount=huge).model_dump_json())
    assert wire["gross_amount"] == "1234567890123456.78"
    assert _Posting.model_validate(wire).gross_amount == huge


def test_packs_reach_money_through_the_pack_surface() -> None:
    assert packs.CENT is CENT == Decimal("0.01")
    assert packs.round_money is round_money
    assert packs.Amount is Amount


def test_a_bot_reads_a_screen_amount_as_the_screen_writes_it() -> None:
    from bots.kit.sandbox_screens import amount

    assert amount("1.234,50", decimal_mark=",") == Decimal("1234.50")
    assert amount("12,450.00 USD") == Decimal("12450.00")  # the sandbox screens' way
    assert amount("") == Decimal(0)  # a quantity not yet received
