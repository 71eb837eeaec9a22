"""Money, exactly: amounts as ``Decimal``, rounded to their currency's minor unit.

A float cannot hold 0.10; two hundred of them do not add up to the cent. So every amount,
price, quantity and rate an activity, bot or record holds is a ``Decimal``, read from
what a person or a screen wrote (:func:`parse_amount`), rounded the way back offices round
(half up, to the currency's minor unit: :func:`round_money`) and shown the way people read
it (:func:`format_money`).

The minor units come from the Unicode CLDR through Babel, which follows ISO 4217: two
decimals for EUR and USD, none for JPY, three for KWD and BHD.

Amounts cross the workflow as JSON numbers (see :data:`Amount`), so that the definition's
expressions compare them as numbers, and so that what the engine records looks as it
always has.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Annotated

from babel.numbers import get_currency_precision, list_currencies
from pydantic import PlainSerializer

from backoffice.errors import BackofficeError

__all__ = [
    "CENT",
    "Amount",
    "MoneyError",
    "exact",
    "format_money",
    "minor_unit",
    "parse_amount",
    "round_money",
]

CENT = Decimal("0.01")  # the minor unit of EUR, USD and most currencies; a tolerance of one


class MoneyError(BackofficeError, ValueError):
    """A text that is not an amount, or a code that is not a currency; says which and why."""


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _places(currency: str) -> int:
    code = currency.strip().upper()
    if code not in _currencies():
        raise MoneyError(
            f"'{currency}' is not an ISO 4217 currency code: write three letters such as "
            "EUR, USD or JPY"
        )
    return int(get_currency_precision(code))


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-_places(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` to ``currency``'s minor unit, halves away from zero (2.345 EUR: 2.35).

    Half up is how invoices, tax and cash discounts are rounded in accounts payable (not
    the banker's half-even of Python's default context).
    """
    return exact(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """An amount as people read it: ``1,234.50 EUR``, ``1,235 JPY``, ``-12.000 KWD``."""
    rounded = round_money(amount, currency)
    return f"{rounded:,.{_places(currency)}f} {currency.strip().upper()}"


def exact(value: Decimal | int | float | str) -> Decimal:
    """A number a program gave as a ``Decimal``; a float as the shortest text that reads
    back as it.

    Floats still arrive where the engine's expressions computed a value (CEL numbers are
    doubles): ``0.1`` then means 0.1, not the 0.1000000000000000055... the double holds.
    """
    if isinstance(value, bool):
        raise MoneyError(f"{value} is a yes/no value, not an amount")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise MoneyError(f"{value} is not an amount")
        number = Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        try:  # as a program wrote it (1234.567): a screen's text is for parse_amount
            number = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"'{value}' is not a number such as 1234.50") from None
    if not number.is_finite():
        raise MoneyError(f"{value} is not an amount")
    return number


_CURRENCY_MARK = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[€$£¥]")
_GROUPING = str.maketrans("", "", " \u00a0\u202f'\u2019")  # spaces, Swiss apostrophes
_DIGITS = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(text: str, decimal_mark: str | None = None) -> Decimal:
    """An amount as a screen or a document shows it, exactly.

    Reads ``1,234.50``, ``1.234,50``, ``1 234,50``, ``-12.00``, ``12.00-`` (a negative as
    SAP shows it), ``(12.00)``, ``12,450.00 USD`` and ``€12``. ``decimal_mark`` (``.`` or
    ``,``) is the mark the screen puts before the decimals; without it, the last of two
    different marks is the decimal one, and one mark before exactly three digits
    (``1.234``) is refused as ambiguous rather than guessed.
    """
    if decimal_mark not in (None, ".", ","):
        raise MoneyError(f"the decimal mark is '.' or ',', not '{decimal_mark}'")
    cleaned = _CURRENCY_MARK.sub("", text.strip()).strip().translate(_GROUPING)
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned[:1] in ("-", "\u2212"):  # hyphen, or the minus sign
        negative, cleaned = not negative, cleaned[1:]
    elif cleaned.endswith("-"):
        negative, cleaned = not negative, cleaned[:-1]
    elif cleaned.startswith("+"):
        cleaned = cleaned[1:]
    mark = decimal_mark or _decimal_mark(text, cleaned)
    grouping = "," if mark == "." else "."
    if mark in cleaned and grouping in cleaned[cleaned.index(mark) :]:
        raise MoneyError(f"'{text}' is not an amount: its decimals hold a '{grouping}'")
    number = cleaned.replace(grouping, "").replace(mark, ".")
    if not _DIGITS.match(number):
        raise MoneyError(f"'{text}' is not an amount: write it as 1,234.50 or 1.234,50")
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise MoneyError(f"'{text}' is not an amount") from None
    return -value if negative else value


def _decimal_mark(text: str, cleaned: str) -> str:
    """The decimal mark of ``cleaned`` when the screen did not say (see parse_amount)."""
    dot, comma = cleaned.rfind("."), cleaned.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    if dot < 0 and comma < 0:
        return "."
    mark = "." if dot >= 0 else ","
    if cleaned.count(mark) > 1:
        return "," if mark == "." else "."  # 1.234.567: the mark groups thousands
    decimals = len(cleaned) - cleaned.rfind(mark) - 1
    if decimals == 3 and cleaned.rfind(mark) > 0 and cleaned.lstrip("0")[:1] != mark:
        whole = cleaned.replace(mark, "")
        raise MoneyError(
            f"'{text}' could be {whole} or {whole[:-3]}.{whole[-3:]}: say which mark the "
            "screen puts before the decimals ('.' or ',')"
        )
    return mark


def _json_number(value: Decimal) -> int | float | str:
    # A workflow sees an activity's result as plain JSON, and its expressions compare
    # amounts as numbers (CEL's doubles): "928.20" as text would make `amount > 10000`
    # an error. So an amount travels as a JSON number whenever a double holds it exactly
    # (any amount of up to 15 significant digits: 999,999,999,999.99), and as exact text
    # otherwise, which the next activity reads back whole and an expression refuses to
    # compare, rather than decide on a number that is not the amount.
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    number = float(value)
    if math.isfinite(number) and Decimal(repr(number)) == value:
        return number
    return str(value)


# An amount, price, quantity or rate in an activity's or bot's model: a Decimal in Python,
# a JSON number on the wire (see _json_number).
Amount = Annotated[
    Decimal, PlainSerializer(_json_number, return_type=int | float | str, when_used="json")
]
