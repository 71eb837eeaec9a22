"""What the sandbox ERP holds, read from its database file rather than through its screens,
so that a test of a bot does not trust the screens the bot reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from legacy.erp.models import InvoiceDocument, InvoiceLine


@dataclass(frozen=True)
class HeldLine:
    line_no: int
    po_line: int | None
    item: str
    qty: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class HeldInvoice:
    doc_number: str
    status: str
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    lines: list[HeldLine]

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def held_invoices(data_dir: Path, reference: str) -> list[HeldInvoice]:
    """Every invoice document the ERP in ``data_dir`` holds for a supplier invoice number."""
    engine = create_engine(f"sqlite:///{data_dir / 'erp.db'}")
    try:
        with Session(engine) as session:
            documents = session.scalars(
                select(InvoiceDocument)
                .where(
                    InvoiceDocument.doc_type == "INVOICE",
                    InvoiceDocument.supplier_invoice_no == reference,
                )
                .order_by(InvoiceDocument.doc_number)
            ).all()
            found = []
            for document in documents:
                lines = session.scalars(
                    select(InvoiceLine)
                    .where(InvoiceLine.doc_number == document.doc_number)
                    .order_by(InvoiceLine.line_no)
                ).all()
                found.append(
                    HeldInvoice(
                        doc_number=document.doc_number,
                        status=document.status,
                        net_amount=document.net_amount,
                        tax_amount=document.tax_amount,
                        gross_amount=document.gross_amount,
                        lines=[
                            HeldLine(
                                line.line_no,
                                line.po_line,
                                line.item,
                                line.qty,
                                line.unit_price,
                                line.amount,
                            )
                            for line in lines
                        ],
                    )
                )
            return found
    finally:
        engine.dispose()
