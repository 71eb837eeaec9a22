"""Bringing a supplier invoice register an earlier version kept up to the unique index.

Earlier versions checked for a duplicate after keeping the invoice, so a duplicate was
kept counted until its run marked it cancelled a step later, and two copies arriving at
once could both pass. Before the index is made, every invoice gets its number key, and
a number counted twice is settled where the earlier version's own check had settled it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, inspect, update
from sqlalchemy import select as select_columns

from activities.payables.register import COUNTED, COUNTED_INDEX, InvoiceRecord, number_key
from backoffice.packs import RecordsDatabaseError

_TABLE: Any = InvoiceRecord.__table__  # type: ignore[attr-defined]
_KEY = (_TABLE.c.company, _TABLE.c.supplier_id, _TABLE.c.number_key, _TABLE.c.fiscal_year)


def fill_number_keys(connection: Connection) -> None:
    """Give the invoices an earlier version registered their number key."""
    missing = connection.execute(
        select_columns(_TABLE.c.invoice_id, _TABLE.c.supplier_invoice_no).where(
            _TABLE.c.number_key.is_(None)
        )
    ).all()
    if missing:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.invoice_id == bindparam("id"))
            .values(number_key=bindparam("key")),
            [{"id": invoice_id, "key": number_key(number)} for invoice_id, number in missing],
        )


def settle_counted_twins(connection: Connection) -> None:
    """Leave one counted invoice per number, or stop naming the ones counted twice.

    A later copy with the very same number, not posted, is one the earlier check answered
    DUPLICATE, which its run was about to record: it is recorded so now. Any other (both
    posted, or numbers that differ in case or spacing, which the earlier check let
    through) is for accounts payable to settle: nothing is changed, and the upgrade stops.
    """
    present = {index["name"] for index in inspect(connection).get_indexes("supplier_invoice")}
    if COUNTED_INDEX in present:
        return  # upgraded before: the index keeps it so
    keys = connection.execute(
        select_columns(*_KEY).where(COUNTED).group_by(*_KEY).having(func.count() > 1)
    ).all()
    unsettled = [rows for key in keys if (rows := _settle(connection, key))]
    if not unsettled:
        return
    first = unsettled[0]
    more = f"; {len(unsettled)} numbers in all" if len(unsettled) > 1 else ""
    raise RecordsDatabaseError(
        "records database: the supplier invoice register counts "
        f"{' and '.join(row.invoice_id for row in first)} as separate invoices with one number "
        f"(company {first[0].company}, supplier {first[0].supplier_id}, number "
        f"{first[0].number_key}, {first[0].fiscal_year}{more}), which this version refuses. "
        "Set the status of all but one to 'cancelled' in the table supplier_invoice, then "
        "start again"
    )


def _settle(connection: Connection, key: Row[Any]) -> list[Row[Any]]:
    """Settle one number's copies; the ones still counted together if they cannot be."""
    rows = connection.execute(
        select_columns(_TABLE)
        .where(COUNTED, *(column == value for column, value in zip(_KEY, key, strict=True)))
        .order_by(_TABLE.c.registered_at)
    ).all()
    first, later = rows[0], rows[1:]
    same = first.supplier_invoice_no
    found = [row for row in later if row.status == "received" and row.supplier_invoice_no == same]
    for row in found:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.invoice_id == row.invoice_id)
            .values(status="cancelled", reason_code="DUPLICATE", duplicate_of=first.invoice_id)
        )
    left = [first, *(row for row in later if row not in found)]
    return left if len(left) > 1 else []
