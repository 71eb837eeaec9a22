"""The ERP's demo master data: vendors, purchase orders with receipts, a posting history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from legacy.demo_tables import read_table
from legacy.erp.models import (
    GOODS_RECEIPT_RANGE,
    INVOICE_RANGE,
    PAYMENT_RANGE,
    GoodsReceipt,
    InvoiceDocument,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    Supplier,
)
from legacy.storage import ensure_number_range

DATA = Path(__file__).parent / "data"
FIRST_INVOICE_NUMBER = 5105600101
FIRST_MATERIAL_DOCUMENT = 5000000101
FIRST_PAYMENT_PROPOSAL = 1
TAX_RATE = Decimal("0.19")


def seed_master(session: Session) -> None:
    """Add whatever of the demo master data is missing."""
    _suppliers(session)
    _purchase_orders(session)
    _history(session)
    ensure_number_range(session, INVOICE_RANGE, FIRST_INVOICE_NUMBER)
    ensure_number_range(session, GOODS_RECEIPT_RANGE, FIRST_MATERIAL_DOCUMENT)
    ensure_number_range(session, PAYMENT_RANGE, FIRST_PAYMENT_PROPOSAL)


def _suppliers(session: Session) -> None:
    for row in read_table(DATA / "suppliers.csv"):
        if session.get(Supplier, row["supplier_id"]) is None:
            session.add(Supplier(**{**row, "payment_block": row["payment_block"] == "yes"}))
    session.flush()


def _purchase_orders(session: Session) -> None:
    ordered_on: dict[str, date] = {}
    for row in read_table(DATA / "purchase_orders.csv"):
        po_number = row["po_number"]
        ordered_on[po_number] = date.fromisoformat(row["order_date"])
        if session.get(PurchaseOrder, po_number) is None:
            supplier = session.get(Supplier, row["supplier_id"])
            session.add(
                PurchaseOrder(
                    po_number=po_number,
                    supplier_id=row["supplier_id"],
                    company="ACME-DE",
                    order_date=ordered_on[po_number],
                    currency=supplier.currency if supplier else "EUR",
                    buyer=row["buyer"],
                    status="Released",
                )
            )
    session.flush()
    # Receipts carry fixed material documents below the number range, so they are
    # recognised (and not added twice) when seeding again.
    for index, row in enumerate(read_table(DATA / "po_lines.csv"), start=1):
        po_number, line_no = row["po_number"], int(row["line_no"])
        material_document = str(5000000000 + index)
        if (
            session.scalars(select(PoLine).filter_by(po_number=po_number, line_no=line_no)).first()
            is None
        ):
            session.add(
                PoLine(
                    po_number=po_number,
                    line_no=line_no,
                    item=row["item"],
                    description=row["description"],
                    qty=Decimal(row["qty"]),
                    uom=row["uom"],
                    unit_price=Decimal(row["unit_price"]),
                )
            )
        received = Decimal(row["received_qty"])
        receipt = select(GoodsReceipt).filter_by(material_document=material_document)
        if received > 0 and session.scalars(receipt).first() is None:
            session.add(
                GoodsReceipt(
                    material_document=material_document,
                    po_number=po_number,
                    line_no=line_no,
                    received_qty=received,
                    posted_on=ordered_on[po_number],
                    posted_by="WHS-BER",
                )
            )
    session.flush()


def _history(session: Session) -> None:
    # Documents posted before the demo starts, all from SUP-00087 on PO-2025-01235 line 1.
    for row in read_table(DATA / "posted_invoices.csv"):
        doc_number, reference = row["doc_number"], row["supplier_invoice_no"]
        if session.get(InvoiceDocument, doc_number) is not None:
            continue
        net_amount = Decimal(row["net_amount"])
        tax = (net_amount * TAX_RATE).quantize(Decimal("0.01"))
        posted = date.fromisoformat(row["invoice_date"])
        session.add(
            InvoiceDocument(
                doc_number=doc_number,
                doc_type="INVOICE",
                company="ACME-DE",
                supplier_id="SUP-00087",
                supplier_invoice_no=reference,
                invoice_date=posted,
                posting_date=posted,
                currency="EUR",
                net_amount=net_amount,
                tax_amount=tax,
                gross_amount=net_amount + tax,
                po_number="PO-2025-01235",
                attachment=f"s3://ap-inbox/2025/{reference}.pdf",
                text=None,
                status="POSTED",
                reversal_doc=None,
                reverses_doc=None,
                reversal_reason=None,
                entered_by="APCLERK1",
                entered_at=datetime.combine(posted, datetime.min.time()),
            )
        )
        session.flush()
        session.add(
            InvoiceLine(
                doc_number=doc_number,
                line_no=1,
                po_line=1,
                item="TONER-XL",
                qty=Decimal(1),
                uom="LS",
                unit_price=net_amount,
                amount=net_amount,
                tax_code="DE19",
            )
        )
