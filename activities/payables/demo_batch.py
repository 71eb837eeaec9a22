"""A realistic morning's batch of supplier invoices for ``backoffice demo``.

Each batch gets its own purchase orders (added to the sandbox ERP first, as purchasing
would have) and its own invoice numbers, so a demo can run again without its invoices
being duplicates of the last one's. Between them the invoices take every path of
``definitions/invoice_approval.yaml``: touchless, within tolerance, price variance to the
buyer, a quantity exception, goods not yet received, non-PO invoices through one, two and
three approvers, a fraud hold, an exact duplicate and a suspected one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from backoffice.packs import round_money

TAX_RATE = Decimal("0.19")
# A batch name goes into invoice references, which the ERP keeps to 16 characters.
BATCH_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
ENTERED_BY = "bob"  # the AP clerk who released the invoices from capture
COST_CENTER = "CC-4100"


@dataclass(frozen=True)
class Order:
    """A purchase order for the sandbox ERP's admin endpoint."""

    po_number: str
    supplier_id: str
    lines: list[dict[str, Any]]

    def payload(self, today: date) -> dict[str, Any]:
        return {
            "po_number": self.po_number,
            "supplier_id": self.supplier_id,
            "order_date": (today - timedelta(days=14)).isoformat(),
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


def _invoice(
    batch: str,
    number: int,
    today: date,
    supplier: str,
    lines: list[tuple[int | None, str, int, str, str]],
    *,
    category: str,
    po_number: str | None = None,
    iban: str,
    terms: str,
    reference: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An invoice as capture hands it over; lines are (po_line, item, qty, uom, price).

    Amounts are decimal text, as capture reads them off the document (and as JSON carries
    them exactly), computed in Decimal.
    """
    rows = []
    net = Decimal(0)
    for index, (po_line, item, qty, uom, price) in enumerate(lines, start=1):
        amount = round_money(Decimal(qty) * Decimal(price), "EUR")
        net += amount
        row: dict[str, Any] = {
            "line": index,
            "item": item,
            "qty": qty,
            "uom": uom,
            "unit_price": price,
            "amount": str(amount),
            "tax_code": "DE19",
        }
        if po_line is not None:
            row["po_line"] = po_line
        rows.append(row)
    tax = round_money(net * TAX_RATE, "EUR")
    data: dict[str, Any] = {
        "invoice_id": f"INV-IN-{batch}-{number:02d}",
        "company": "ACME-DE",
        "supplier_id": supplier,
        "supplier_invoice_no": reference or f"{supplier[-3:]}-{batch}-{number:02d}",
        "invoice_date": (today - timedelta(days=3)).isoformat(),
        "received_at": f"{(today - timedelta(days=2)).isoformat()}T09:14:00Z",
        "currency": "EUR",
        "net_amount": str(net),
        "tax_amount": str(tax),
        "gross_amount": str(net + tax),
        "payment_terms": terms,
        "cost_center": COST_CENTER,
        "category": category,
        "entered_by": ENTERED_BY,
        "lines": rows,
        "bank": {"iban": iban},
        "document_url": f"s3://ap-inbox/{today:%Y/%m}/{supplier}-{batch}-{number:02d}.pdf",
        **extra,
    }
    if po_number is not None:
        data["po_number"] = po_number
    return data


ACME_IBAN = "DE89370400440532013000"  # SUP-00087's account in the vendor master


def batch(batch: str, today: date, scans: str | None = None) -> list[DemoInvoice]:
    """The invoices of one demo batch, with the orders they need.

    With ``scans`` (the address under which the sandbox ERP's archive keeps invoice
    scans) each invoice's ``document_url`` is its scan there, which approvers open from
    their task; without, it is the address capture would have given it.
    """
    invoices = _batch(batch, today)
    if scans is None:
        return invoices
    return [
        replace(i, data={**i.data, "document_url": f"{scans}/{i.data['invoice_id']}.pdf"})
        for i in invoices
    ]


def _batch(batch: str, today: date) -> list[DemoInvoice]:
    po = [f"PO-{batch}-{n}" for n in range(1, 8)]

    def order(n: int, supplier: str, *lines: tuple[str, int, str, str, int]) -> Order:
        return Order(
            po[n - 1],
            supplier,
            [
                {
                    "line_no": i,
                    "item": item,
                    "qty": qty,
                    "uom": uom,
                    "unit_price": price,
                    "received_qty": received,
                }
                for i, (item, qty, uom, price, received) in enumerate(lines, start=1)
            ],
        )

    laptops = order(1, "SUP-00087", ("LAPTOP-14", 10, "EA", "1245.00", 10))
    toner = order(2, "SUP-00087", ("TONER-XL", 40, "EA", "89.90", 40))
    more_laptops = order(3, "SUP-00087", ("LAPTOP-14", 10, "EA", "1245.00", 10))
    facility = order(4, "SUP-00278", ("SVC-FM", 1, "LS", "6300.00", 1))
    monitors = order(5, "SUP-00012", ("MONITOR-27", 10, "EA", "329.00", 0))
    desks = order(6, "SUP-00417", ("DESK-160", 8, "EA", "560.00", 5))
    fm_iban, nw_iban, it_iban = (
        "DE70700202700015820454",
        "NL91ABNA0417164300",
        "IT60X0542811101000000123456",
    )
    first = _invoice(
        batch,
        1,
        today,
        "SUP-00087",
        [(1, "LAPTOP-14", 10, "EA", "1245.00")],
        category="GOODS",
        po_number=laptops.po_number,
        iban=ACME_IBAN,
        terms="2/10 NET 30",
    )
    toner_invoice = _invoice(
        batch,
        2,
        today,
        "SUP-00087",
        [(1, "TONER-XL", 40, "EA", "91.00")],
        category="GOODS",
        po_number=toner.po_number,
        iban=ACME_IBAN,
        terms="2/10 NET 30",
    )
    return [
        DemoInvoice(
            "touchless three-way match",
            "posted by the ERP bot without anyone's approval; paid on day 10 with 2% discount",
            first,
            orders=[laptops],
        ),
        DemoInvoice(
            "price within tolerance",
            "+1.2% on the toner, within 2%: posted touchless, variance 44.00 noted",
            toner_invoice,
            orders=[toner],
        ),
        DemoInvoice(
            "price variance",
            "+3% on the laptops: waits for the buyer (erin), then alice, then carol",
            _invoice(
                batch,
                3,
                today,
                "SUP-00087",
                [(1, "LAPTOP-14", 10, "EA", "1282.35")],
                category="GOODS",
                po_number=more_laptops.po_number,
                iban=ACME_IBAN,
                terms="2/10 NET 30",
            ),
            orders=[more_laptops],
        ),
        DemoInvoice(
            "two-way match (services)",
            "facility management against its order: posted touchless",
            _invoice(
                batch,
                4,
                today,
                "SUP-00278",
                [(1, "SVC-FM", 1, "LS", "6300.00")],
                category="SERVICES",
                po_number=facility.po_number,
                iban=fm_iban,
                terms="NET 14",
            ),
            orders=[facility],
        ),
        DemoInvoice(
            "goods not received",
            "waits for the goods receipt: post it in the ERP and the invoice moves on at once",
            _invoice(
                batch,
                5,
                today,
                "SUP-00012",
                [(1, "MONITOR-27", 10, "EA", "329.00")],
                category="GOODS",
                po_number=monitors.po_number,
                iban=nw_iban,
                terms="NET 30",
                requester="erin",
            ),
            orders=[monitors],
        ),
        DemoInvoice(
            "quantity exception",
            "8 desks billed, 5 received: waits for an AP clerk (alice) to accept or reject",
            _invoice(
                batch,
                6,
                today,
                "SUP-00417",
                [(1, "DESK-160", 8, "EA", "560.00")],
                category="GOODS",
                po_number=desks.po_number,
                iban=it_iban,
                terms="NET 60",
            ),
            orders=[desks],
        ),
        DemoInvoice(
            "non-PO, one approver",
            "office cleaning 928.20: waits for the cost-center owner (alice)",
            _invoice(
                batch,
                7,
                today,
                "SUP-00231",
                [(None, "SVC-CLEAN", 1, "LS", "780.00")],
                category="NON_PO",
                iban="FR1420041010050500013M02606",
                terms="NET 30",
            ),
        ),
        DemoInvoice(
            "non-PO, two approvers",
            "consulting 24,990.00: alice, then the department head (carol)",
            _invoice(
                batch,
                8,
                today,
                "SUP-00231",
                [(None, "SVC-CONSULT", 30, "D", "700.00")],
                category="NON_PO",
                iban="FR1420041010050500013M02606",
                terms="NET 30",
            ),
        ),
        DemoInvoice(
            "non-PO, three approvers",
            "office move 61,880.00: alice, then carol, then the CFO (frank)",
            _invoice(
                batch,
                9,
                today,
                "SUP-00278",
                [(None, "SVC-MOVE", 1, "LS", "52000.00")],
                category="NON_PO",
                iban=fm_iban,
                terms="NET 14",
            ),
        ),
        DemoInvoice(
            "fraud hold",
            "bank account unlike the vendor master's: waits for an AP manager (dave) to call back",
            _invoice(
                batch,
                10,
                today,
                "SUP-00087",
                [(None, "SVC-REPAIR", 1, "LS", "2400.00")],
                category="NON_PO",
                iban="GB29NWBK60161331926819",
                terms="2/10 NET 30",
            ),
        ),
        DemoInvoice(
            "exact duplicate",
            "the laptop invoice sent again: rejected as DUPLICATE, nothing posted",
            {**first, "invoice_id": f"INV-IN-{batch}-11"},
            after=first["invoice_id"],
        ),
        DemoInvoice(
            "suspected duplicate",
            "the toner invoice keyed in as "
            f"{_suspect(toner_invoice['supplier_invoice_no'])}: waits for an AP clerk (alice)",
            {
                **toner_invoice,
                "invoice_id": f"INV-IN-{batch}-12",
                "supplier_invoice_no": _suspect(toner_invoice["supplier_invoice_no"]),
            },
            after=toner_invoice["invoice_id"],
        ),
    ]


def _suspect(reference: str) -> str:
    """The same reference as a clerk might key it in again: slashes for dashes."""
    return reference.replace("-", "/")
