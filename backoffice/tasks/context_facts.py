"""What the inbox list filters and sorts by, read from a task's context when it opens.

A definition gives each task a context of its own choosing (``supplier``, ``gross``,
``amount`` ...). The list needs two of its facts for every open task of a person: who the
counterparty is and how much is at stake. They are read once here, when the task opens,
and kept in the task table's columns, so that filtering and sorting thousands of open
tasks stays one indexed query instead of parsing every context on every page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backoffice.money import MoneyError, exact, parse_amount

# The context keys that name the counterparty, and those that hold the amount, in the
# order they are looked for (the shipped invoice process says "supplier" and "gross").
SUPPLIER_KEYS = ("supplier", "vendor", "customer")
AMOUNT_KEYS = ("amount", "gross", "gross amount", "gross_amount", "total")
TEXT_LENGTH = 120  # what a list cell shows; the task's page has the whole value

# "61,880.00 EUR", "928.2", "-15.00": an amount as money() prints it, with its currency.
_AMOUNT_TEXT = re.compile(r"^\s*(?P<number>-?\d[\d,]*(?:\.\d+)?)\s*(?P<currency>[A-Z]{3})?\s*$")


@dataclass(frozen=True)
class ContextFacts:
    """The facts of a context the list uses; None where the context does not say."""

    supplier: str | None = None
    amount: Decimal | None = None  # a sort key only: the process keeps the money itself
    amount_text: str | None = None  # as the context shows it, currency included


def facts_of(context: dict[str, Any]) -> ContextFacts:
    """The supplier and amount of a task's context (keys compared without case)."""
    by_key = {str(key).strip().lower(): value for key, value in context.items()}
    supplier = next((by_key[k] for k in SUPPLIER_KEYS if _is_text(by_key.get(k))), None)
    for key in AMOUNT_KEYS:
        amount = _amount(by_key.get(key))
        if amount is not None:
            return ContextFacts(_short(supplier), amount[0], _short(amount[1]))
    return ContextFacts(supplier=_short(supplier))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= TEXT_LENGTH else text[: TEXT_LENGTH - 1] + "…"


def _amount(value: Any) -> tuple[Decimal, str] | None:
    """(sort key, text) of an amount given as a number or as money text; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float | Decimal):
            number = exact(value)
            return number, f"{number:,.2f}"
        if not isinstance(value, str):
            return None
        found = _AMOUNT_TEXT.match(value)
        if found is None:
            return None
        return parse_amount(found.group("number"), "."), " ".join(value.split())
    except MoneyError:
        return None
