"""How the values of a task read on the inbox's pages: names in words, numbers, links.

A definition names context fields as its owner wrote them (``price_variance``,
``purchase order``); people read "Price variance". Numbers are right-aligned in tables,
so they need telling apart from text, money as ``money()`` prints it included. Only
http(s) addresses become links: anything else (``s3://``, ``javascript:``) stays text.
"""

from __future__ import annotations

import re
from typing import Any

_WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)
# 928.2, -15, 61,880.00 EUR: a number alone, or an amount with its currency.
_NUMBER_TEXT = re.compile(r"^-?\d[\d,]*(\.\d+)?( [A-Z]{3})?$")


def words(name: Any) -> str:
    """A field's name as people read it: ``price_variance`` -> "Price variance"."""
    text = " ".join(str(name).replace("_", " ").split())
    return text[:1].upper() + text[1:]


def is_web_address(value: Any) -> bool:
    """Whether a value is an http(s) address, the only kind shown as a link."""
    return isinstance(value, str) and bool(_WEB_ADDRESS.match(value.strip()))


def is_number(value: Any) -> bool:
    """Whether a value reads as a number (right-aligned in a table)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_NUMBER_TEXT.match(value.strip()))


def is_records(value: Any) -> bool:
    """Whether a value is a list of records (shown as a table of its own, the card's width)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
