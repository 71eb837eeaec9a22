"""A realistic morning's batch of supplier invoices for ``backoffice demo``.

Each batch gets its own purchase orders (added to the sandbox ERP first, as purchasing
would have) and its own invoice numbers, so a demo can run again without its invoices
being duplicates of the last one's. Between them the invoices take every path of
``definitions/invoice_approval.yaml``: touchless, within tolerance, price variance to the
buyer, a quantity exception, goods not yet received, non-PO invoices through one, two and
three approvers, a fraud hold, an exact duplicate and a suspected one.

The invoices themselves are data, in ``demo/invoices.yaml`` beside this module: a process
owner changes a price, a supplier or a path's invoice there, with comments saying why,
without reading code, and a new pack's demo copies a file rather than a function. YAML
rather than JSON for those comments. This module only fills in what changes from batch to
batch: the batch name in ids, references and order numbers, dates relative to today, and
the amounts, computed from quantity and price with exact decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from activities.payables.demo_data import (
    DATA_FILE,
    BatchFile,
    Capture,
    InvoiceLine,
    InvoiceSpec,
    OrderSpec,
    read_batch_file,
)
from backoffice.packs import round_money

# A batch name goes into invoice references, which the ERP keeps to 16 characters.
BATCH_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Order:
    """A purchase order for the sandbox ERP's admin endpoint."""

    po_number: str
    supplier_id: str
    lines: list[dict[str, Any]]
    placed_days_before: int = 14  # before the day the batch runs

    def payload(self, today: date) -> dict[str, Any]:
        return {
            "po_number": self.po_number,
            "supplier_id": self.supplier_id,
            "order_date": (today - timedelta(days=self.placed_days_before)).isoformat(),
            "lines": self.lines,
        }


@dataclass(frozen=True)
class DemoInvoice:
    path: str  # which path of the process it takes
    expect: str  # what the watcher should see happen
    data: dict[str, Any]
    after: str | None = None  # start once this invoice's checks are done (duplicates)
    orders: list[Order] = field(default_factory=list)


def batch_name(now: datetime) -> str:
    """D and the seconds since 2020 in base 36: short, and new every second."""
    seconds = int((now - EPOCH).total_seconds())
    text = ""
    while seconds:
        seconds, digit = divmod(seconds, 36)
        text = DIGITS[digit] + text
    return "D" + (text or "0")


def batch(batch: str, today: date, scans: str | None = None) -> list[DemoInvoice]:
    """The invoices of one demo batch, with the orders they need.

    With ``scans`` (the address under which the sandbox ERP's archive keeps invoice
    scans) each invoice's ``document_url`` is its scan there, which approvers open from
    their task; without, it is the address capture would have given it.
    """
    invoices = _filled_in(_batch_file(), batch, today)
    if scans is None:
        return invoices
    return [
        replace(i, data={**i.data, "document_url": f"{scans}/{i.data['invoice_id']}.pdf"})
        for i in invoices
    ]


@cache
def _batch_file() -> BatchFile:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return read_batch_file(yaml.safe_load(text))


def _filled_in(spec: BatchFile, batch: str, today: date) -> list[DemoInvoice]:
    orders = {
        number: _order(order, f"PO-{batch}-{number}", spec.orders.order_date_days_ago)
        for number, order in spec.orders.by_number.items()
    }
    made: dict[int, DemoInvoice] = {}
    for invoice in spec.invoices:
        if invoice.repeats is None:
            order = orders[invoice.order] if invoice.order is not None else None
            data = _invoice(spec.capture, invoice, batch, today, order)
            made[invoice.number] = DemoInvoice(
                invoice.path, invoice.expect, data, orders=[order] if order else []
            )
        else:
            made[invoice.number] = _repeat(invoice, made[invoice.repeats], batch)
    return list(made.values())


def _order(spec: OrderSpec, po_number: str, days_before: int) -> Order:
    lines = [
        {
            "line_no": index,
            "item": line.item,
            "qty": _as_captured(line.qty),
            "uom": line.uom,
            "unit_price": _as_captured(line.unit_price),
            "received_qty": _as_captured(line.received_qty),
        }
        for index, line in enumerate(spec.lines, start=1)
    ]
    return Order(po_number, spec.supplier_id, lines, days_before)


def _invoice(
    capture: Capture, spec: InvoiceSpec, batch: str, today: date, order: Order | None
) -> dict[str, Any]:
    """The invoice as capture hands it over, its header adding up from its lines."""
    assert spec.supplier_id is not None  # read_batch_file refuses an invoice without one
    rows = [_line(capture, index, line) for index, line in enumerate(spec.lines, start=1)]
    net = sum(
        (round_money(line.qty * line.unit_price, capture.currency) for line in spec.lines),
        Decimal(0),
    )
    tax = round_money(net * capture.tax_rate, capture.currency)
    key = f"{spec.supplier_id}-{batch}-{spec.number:02d}"
    received = today - timedelta(days=capture.received_days_ago)
    data: dict[str, Any] = {
        "invoice_id": f"INV-IN-{batch}-{spec.number:02d}",
        "company": capture.company,
        "supplier_id": spec.supplier_id,
        "supplier_invoice_no": f"{spec.supplier_id[-3:]}-{batch}-{spec.number:02d}",
        "invoice_date": (today - timedelta(days=capture.invoice_date_days_ago)).isoformat(),
        "received_at": f"{received.isoformat()}T{capture.received_at_time}",
        "currency": capture.currency,
        "net_amount": _as_captured(net),
        "tax_amount": _as_captured(tax),
        "gross_amount": _as_captured(net + tax),
        "payment_terms": spec.payment_terms,
        "cost_center": capture.cost_center,
        "category": spec.category,
        "entered_by": capture.entered_by,
        "lines": rows,
        "bank": {"iban": spec.iban},
        "document_url": f"s3://ap-inbox/{today:%Y/%m}/{key}.pdf",
    }
    if spec.requester is not None:
        data["requester"] = spec.requester
    if order is not None:
        data["po_number"] = order.po_number
    return data


def _line(capture: Capture, index: int, line: InvoiceLine) -> dict[str, Any]:
    row: dict[str, Any] = {
        "line": index,
        "item": line.item,
        "qty": _as_captured(line.qty),
        "uom": line.uom,
        "unit_price": _as_captured(line.unit_price),
        "amount": _as_captured(round_money(line.qty * line.unit_price, capture.currency)),
        "tax_code": capture.tax_code,
    }
    if line.po_line is not None:
        row["po_line"] = line.po_line
    return row


def _repeat(spec: InvoiceSpec, first: DemoInvoice, batch: str) -> DemoInvoice:
    """An earlier invoice sent again, as is or keyed in again by a clerk."""
    data = {**first.data, "invoice_id": f"INV-IN-{batch}-{spec.number:02d}"}
    if spec.rekeyed:
        data["supplier_invoice_no"] = _suspect(first.data["supplier_invoice_no"])
    expect = spec.expect.format(reference=data["supplier_invoice_no"])
    return DemoInvoice(spec.path, expect, data, after=first.data["invoice_id"])


def _as_captured(value: Decimal) -> int | str:
    """A number as capture hands it over: a count as a whole number, an amount or a price
    as decimal text, which JSON carries exactly ("1245.00", as the file writes it)."""
    if value.as_tuple().exponent == 0:
        return int(value)
    return str(value)


def _suspect(reference: str) -> str:
    """The same reference as a clerk might key it in again: slashes for dashes."""
    return reference.replace("-", "/")
