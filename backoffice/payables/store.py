"""The invoices the engine has seen, and the duplicate checks that read them.

Exact duplicate: the same supplier and supplier invoice number in the same fiscal year,
cancelled ones excepted. Suspected duplicate: the same company, supplier, currency, gross
amount and invoice date with a reference that matches once spaces, dashes, slashes and
leading zeros are taken out. Credit memos are not checked, and a reversed invoice does
not count.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, col, select

Verdict = Literal["none", "duplicate", "suspect"]
NOT_COUNTED = ("cancelled", "reversed")


class InvoiceRecord(SQLModel, table=True):
    __tablename__ = "supplier_invoice"

    invoice_id: str = Field(primary_key=True)
    company: str = Field(index=True)
    supplier_id: str = Field(index=True)
    supplier_invoice_no: str
    reference_key: str = Field(index=True)  # normalised for the fuzzy check
    fiscal_year: int
    currency: str
    gross_amount: float
    invoice_date: date
    kind: str = "invoice"  # invoice or credit_memo
    status: str = "received"  # received, posted, cancelled, reversed
    document_number: str | None = None
    reason_code: str | None = None  # why it ended as it did: DUPLICATE, NOT_PROCESSED...
    registered_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def reference_key(reference: str) -> str:
    """``AOS-0088/231`` and ``AOS 88231`` alike: no spaces, dashes, slashes, leading zeros."""
    # Leading zeros go per number before the separators do: 2025/000123 and 2025-123
    # are the same reference, as are RE-2025-0042 and RE 2025 42.
    unpadded = re.sub(r"(?<![0-9])0+(?=[0-9])", "", reference.upper())
    return re.sub(r"[\s\-/]", "", unpadded)


def duplicate_of(
    engine: Engine, record: InvoiceRecord, before: datetime | None = None
) -> tuple[Verdict, str | None]:
    """Whether an invoice registered earlier (before ``before``) stands for this one."""
    if record.kind == "credit_memo":
        return "none", None
    with Session(engine) as session:
        others = select(InvoiceRecord).where(
            InvoiceRecord.invoice_id != record.invoice_id,
            InvoiceRecord.supplier_id == record.supplier_id,
            InvoiceRecord.kind == "invoice",
            col(InvoiceRecord.status).not_in(NOT_COUNTED),
        )
        if before is not None:
            others = others.where(InvoiceRecord.registered_at < before)
        for other in session.exec(
            others.where(
                InvoiceRecord.supplier_invoice_no == record.supplier_invoice_no,
                InvoiceRecord.fiscal_year == record.fiscal_year,
            )
        ):
            return "duplicate", other.invoice_id
        for other in session.exec(
            others.where(
                InvoiceRecord.company == record.company,
                InvoiceRecord.currency == record.currency,
                InvoiceRecord.invoice_date == record.invoice_date,
                InvoiceRecord.reference_key == record.reference_key,
            )
        ):
            if abs(other.gross_amount - record.gross_amount) < 0.005:
                return "suspect", other.invoice_id
    return "none", None


def register(engine: Engine, record: InvoiceRecord) -> tuple[Verdict, str | None]:
    """Check for duplicates, then keep the invoice once: a retried check compares with the
    invoices registered before it, as the first check did."""
    with Session(engine, expire_on_commit=False) as session:
        kept = session.get(InvoiceRecord, record.invoice_id)
        before = kept.registered_at if kept is not None else None
        if kept is None:
            session.add(record)
            session.commit()
    return duplicate_of(engine, record, before or record.registered_at)


def set_status(
    engine: Engine,
    invoice_id: str,
    status: str,
    document_number: str | None = None,
    reason_code: str | None = None,
) -> InvoiceRecord:
    """Record where an invoice stands; a posting keeps its document number."""
    with Session(engine, expire_on_commit=False) as session:
        kept = session.get(InvoiceRecord, invoice_id)
        if kept is None:
            raise LookupError(f"invoice {invoice_id} was never registered by invoice.check")
        kept.status = status
        kept.document_number = document_number or kept.document_number
        kept.reason_code = reason_code
        session.add(kept)
        session.commit()
        return kept
