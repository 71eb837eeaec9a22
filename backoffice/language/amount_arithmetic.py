"""Arithmetic on amounts in an expression, which ``backoffice validate`` warns about.

CEL computes with doubles: ``0.1 + 0.2`` is 0.30000000000000004, and a sum of invoice
lines or a conversion at an exchange rate may miss the cent. Expressions are for
comparing amounts (``input.gross_amount > 10000``); sums, conversions and roundings belong
in an activity, which computes in Decimal (backoffice.money). A field is taken for an
amount by its name (``gross_amount``, ``unit_price``, ``exchange_rate``, ``tax``), as the
language has no money type of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.language.cel_syntax import (
    Binary,
    Call,
    Literal,
    Member,
    Name,
    Node,
    Unreadable,
    parse,
    walk,
)

ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
# Words that make a field an amount, and last words that make it something else again
# (net_days counts days, tax_code names a code, price_percent is a tolerance).
MONEY_WORDS = frozenset(
    {
        "amount", "amounts", "price", "prices", "total", "totals", "subtotal", "rate", "tax",
        "net", "gross", "balance", "cost", "fee", "interest", "principal", "discount",
        "payment", "variance", "value",
    }
)  # fmt: skip
NOT_MONEY = frozenset(
    {"days", "day", "count", "code", "codes", "id", "date", "percent", "name", "no", "number"}
)


def is_amount_field(name: str) -> bool:
    """``gross_amount``, ``unitPrice``, ``tax``: a name that says it holds money."""
    words = _words(name)
    return bool(words) and words[-1] not in NOT_MONEY and not MONEY_WORDS.isdisjoint(words)


def _words(name: str) -> list[str]:
    spaced = "".join(f"_{c}" if c.isupper() else c for c in name)
    return [word for word in spaced.lower().split("_") if word]


@dataclass(frozen=True)
class AmountArithmetic:
    """Where an expression computes with an amount."""

    operator: str
    field: str
    offset: int  # of the field's name in the expression's text (0-based)


def amount_arithmetic(source: str) -> AmountArithmetic | None:
    """The first arithmetic on an amount field in ``source``, or None (also when the text
    cannot be read: validation reports that on its own)."""
    try:
        tree = parse(source)
    except Unreadable:
        return None
    for node in walk(tree):
        if isinstance(node, Binary) and node.operator in ARITHMETIC:
            for operand in (node.left, node.right):
                field = _amount_in(operand)
                if field is not None:
                    return AmountArithmetic(node.operator, field, _offset(source, field))
    return None


def _amount_in(operand: Node) -> str | None:
    for node in walk(operand):
        if isinstance(node, Member) and is_amount_field(node.field):
            return node.field
        if isinstance(node, Name) and is_amount_field(node.name):
            return node.name
        # get(input, "exchange_rate", 0) reads a field by its name
        if isinstance(node, Call) and node.function == "get" and len(node.args) >= 2:
            key = node.args[1]
            if isinstance(key, Literal) and key.kind == "string" and is_amount_field(key.value):
                return key.value
    return None


def _offset(source: str, field: str) -> int:
    for written in (f".{field}", f'"{field}"', f"'{field}'"):
        found = source.find(written)
        if found >= 0:
            return found + 1  # past the dot or the quote
    return max(source.find(field), 0)


def advice(step: str | None, source: str, found: AmountArithmetic) -> str:
    """The warning's words: where, what, and what to do instead."""
    where = f"step '{step}'" if step else "this expression"
    written = " ".join(source.split())
    return (
        f"{where} computes with the amount '{found.field}' ('{found.operator}' in "
        f"`{written}`): expressions compute with doubles, which can miss the cent. "
        "Compare amounts here, and do sums, conversions and roundings in an activity, which "
        "computes in Decimal (see 'Amounts' in docs/definitions.md)"
    )
