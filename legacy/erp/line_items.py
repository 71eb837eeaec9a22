"""The line items of the ERP's invoice entry screen: rows that grow on demand, and parsing.

The screen opens with a few empty rows, as the old ERPs' entry screens do; a clerk with a
longer invoice types how many lines to add and presses **Add lines**, and the same form
comes back with what was typed and the new empty rows (nothing is posted). A document
holds at most ``MAX_LINE_ITEMS`` lines, the limit of ERPs whose line-item number has three
digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from legacy.screens import FormError, parse_amount, required

FIRST_ROWS = 5  # rows of a new entry screen
ADD_DEFAULT = 10  # what "Lines to add" proposes
ADD_AT_MOST = 50  # rows one press of "Add lines" may add
MAX_LINE_ITEMS = 999
# The ERP keeps amounts to two decimals whatever the currency, and a line within one such
# step of quantity x price, as it would have been rounded.
AMOUNT_STEP = Decimal("0.01")
ROW_COLUMNS = ("po_line", "item", "qty", "uom", "price", "amount", "tax")
# The fields of row n are named line<n>_<column>; row numbers start at 1.
ROW_FIELD = re.compile(rf"line([1-9][0-9]*)_({'|'.join(ROW_COLUMNS)})")
# What a form of the longest document carries: every row's fields, the header's, buttons.
MAX_FORM_FIELDS = MAX_LINE_ITEMS * len(ROW_COLUMNS) + 100


@dataclass
class LineEntry:
    line_no: int
    po_line: int | None
    item: str
    qty: Decimal
    uom: str
    unit_price: Decimal
    amount: Decimal
    tax_code: str


def _row_numbers(fields: dict[str, str]) -> list[int]:
    """The numbers of the rows the form carried, in order."""
    found = {int(match.group(1)) for key in fields if (match := ROW_FIELD.fullmatch(key))}
    return sorted(found)


def shown_rows(fields: dict[str, str]) -> int:
    """How many rows the form shows: as many as it showed before, and every row it carried."""
    try:
        before = int(fields.get("rows", ""))
    except ValueError:
        before = FIRST_ROWS
    carried = _row_numbers(fields)
    rows = max(FIRST_ROWS, before, carried[-1] if carried else 0)
    return min(rows, MAX_LINE_ITEMS)


def grown_rows(fields: dict[str, str]) -> int:
    """The rows after **Add lines**; FormError when the count is not one the screen takes."""
    rows = shown_rows(fields)
    text = fields.get("add_count", "") or str(ADD_DEFAULT)
    if not text.isdigit() or not 1 <= int(text) <= ADD_AT_MOST:
        raise FormError(f"Lines to add: enter a number from 1 to {ADD_AT_MOST}")
    if rows >= MAX_LINE_ITEMS:
        raise FormError(f"A document has at most {MAX_LINE_ITEMS} line items")
    return min(rows + int(text), MAX_LINE_ITEMS)


def _line(fields: dict[str, str], n: int) -> LineEntry | None:
    def get(name: str) -> str:
        return fields.get(f"line{n}_{name}", "")

    if not any(get(name) for name in ("item", "qty", "price", "amount")):
        return None  # an empty row
    label = f"Line {n}"
    qty = parse_amount(required(fields, f"line{n}_qty", f"{label} quantity"), f"{label} quantity")
    price = parse_amount(
        required(fields, f"line{n}_price", f"{label} unit price"), f"{label} unit price"
    )
    computed = (qty * price).quantize(AMOUNT_STEP)
    amount = parse_amount(get("amount"), f"{label} amount") if get("amount") else computed
    if abs(amount - computed) > AMOUNT_STEP:
        raise FormError(f"{label}: amount {amount:,.2f} is not quantity x unit price")
    po_line = get("po_line")
    if po_line and not po_line.isdigit():
        raise FormError(f"{label}: PO line must be a line number such as 1")
    return LineEntry(
        line_no=n,
        po_line=int(po_line) if po_line else None,
        item=required(fields, f"line{n}_item", f"{label} item"),
        qty=qty,
        uom=get("uom") or "EA",
        unit_price=price,
        amount=amount,
        tax_code=get("tax") or "DE19",
    )


def parse_lines(fields: dict[str, str]) -> list[LineEntry]:
    """The filled rows as line items (empty rows are skipped), checked one by one."""
    numbers = _row_numbers(fields)
    if numbers and numbers[-1] > MAX_LINE_ITEMS:
        raise FormError(f"A document has at most {MAX_LINE_ITEMS} line items")
    return [line for n in numbers if (line := _line(fields, n))]
