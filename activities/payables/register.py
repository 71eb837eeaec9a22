"""The invoices the engine has seen, and the duplicate checks that read them.

Exact duplicate: the same company, supplier and supplier invoice number (its case and
spacing aside) in the same fiscal year, cancelled and reversed ones excepted. The
register's unique index says so, not a look-up before the insert: of two such invoices
registered at the same moment on two workers, exactly one is counted. Suspected duplicate:
the same company, supplier, currency, gross amount and invoice date with a reference that
matches once spaces, dashes, slashes and leading zeros are taken out. Credit memos are not
checked.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Engine, Index, Numeric, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

Verdict = Literal["none", "duplicate", "suspect"]
NOT_COUNTED = ("cancelled", "reversed")
COUNTED_INDEX = "ux_supplier_invoice_counted"
# Invoices that count for the exact check; the same words in the index and the queries.
COUNTED = text("kind = 'invoice' AND status NOT IN ('cancelled', 'reversed')")
# Tries at keeping an invoice while others with its number come and go at the same moment.
KEEP_ATTEMPTS = 5


class InvoiceRecord(SQLModel, table=True):
    __tablename__ = "supplier_invoice"
    __table_args__ = (
        Index(
            COUNTED_INDEX,
            "company",
            "supplier_id",
            "number_key",
            "fiscal_year",
            unique=True,
            sqlite_where=COUNTED,
            postgresql_where=COUNTED,
        ),
    )

    invoice_id: str = Field(primary_key=True)
    company: str = Field(index=True)
    supplier_id: str = Field(index=True)
    supplier_invoice_no: str
    # The number as the exact check compares it (number_key); set by register.
    number_key: str | None = None
    reference_key: str = Field(index=True)  # normalised for the fuzzy check
    fiscal_year: int
    currency: str
    # Any currency's amount: 14 digits before the point, 4 after (ISO 4217 has at most 3).
    gross_amount: Decimal = Field(sa_type=Numeric(18, 4))
    invoice_date: date
    kind: str = "invoice"  # invoice or credit_memo
    status: str = "received"  # received, posted, cancelled, reversed
    document_number: str | None = None
    reason_code: str | None = None  # why it ended as it did: DUPLICATE, NOT_PROCESSED...
    duplicate_of: str | None = None  # the invoice counted with its number when it came
    registered_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class CountedTwice(Exception):
    """An invoice would count while another with its number does (a duplicate posted)."""


def number_key(number: str) -> str:
    """``inv 42`` and `` INV  42`` alike: the supplier's number, its case and spacing aside.

    Dashes, slashes and zeros stay: ``AOS/088231`` may be another document than
    ``AOS-88231``, which is for a clerk to tell (the suspected duplicate).
    """
    return " ".join(number.split()).upper()


def reference_key(reference: str) -> str:
    """``AOS-0088/231`` and ``AOS 88231`` alike: no spaces, dashes, slashes, leading zeros."""
    # Leading zeros go per number before the separators do: 2025/000123 and 2025-123
    # are the same reference, as are RE-2025-0042 and RE 2025 42.
    unpadded = re.sub(r"(?<![0-9])0+(?=[0-9])", "", reference.upper())
    return re.sub(r"[\s\-/]", "", unpadded)


def register(engine: Engine, record: InvoiceRecord) -> tuple[Verdict, str | None]:
    """Keep the invoice once and say whether it was seen before.

    An invoice whose number is counted already is kept as that one's duplicate (cancelled,
    reason DUPLICATE). A retried check finds the invoice as its first check kept it, and
    compares with the invoices registered before it, as the first check did.
    """
    kept = _keep(engine, _row(record, number_key=number_key(record.supplier_invoice_no)))
    if kept.duplicate_of is not None:
        return "duplicate", kept.duplicate_of
    if kept.kind == "credit_memo":
        return "none", None
    return _suspect_of(engine, kept)


def _row(record: InvoiceRecord, **changes: Any) -> InvoiceRecord:
    # A fresh row each try: a row a failed commit has seen belongs to no session again.
    return InvoiceRecord(**{**record.model_dump(), **changes})


def _keep(engine: Engine, record: InvoiceRecord) -> InvoiceRecord:
    for _ in range(KEEP_ATTEMPTS):
        with Session(engine, expire_on_commit=False) as session:
            kept = session.get(InvoiceRecord, record.invoice_id)
            if kept is not None:
                return kept
            holder = _holder(session, record)
            row = (
                _row(record)
                if holder is None
                else _row(record, status="cancelled", reason_code="DUPLICATE", duplicate_of=holder)
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                # Its number was counted, or this invoice kept, by another at the same
                # moment: the next try sees which.
                session.rollback()
                continue
            return row
    raise RuntimeError(
        f"invoice {record.invoice_id}: could not be kept in {KEEP_ATTEMPTS} tries while "
        "invoices with its number kept changing"
    )


def _holder(session: Session, record: InvoiceRecord) -> str | None:
    """The invoice counted with this one's number, if any."""
    statement = select(InvoiceRecord.invoice_id).where(
        InvoiceRecord.company == record.company,
        InvoiceRecord.supplier_id == record.supplier_id,
        InvoiceRecord.number_key == record.number_key,
        InvoiceRecord.fiscal_year == record.fiscal_year,
        InvoiceRecord.kind == "invoice",
        col(InvoiceRecord.status).not_in(NOT_COUNTED),
    )
    return session.exec(statement).first() if record.kind == "invoice" else None


def _suspect_of(engine: Engine, record: InvoiceRecord) -> tuple[Verdict, str | None]:
    """An invoice registered before this one that looks like it, written differently."""
    with Session(engine) as session:
        others = select(InvoiceRecord).where(
            InvoiceRecord.invoice_id != record.invoice_id,
            InvoiceRecord.company == record.company,
            InvoiceRecord.supplier_id == record.supplier_id,
            InvoiceRecord.currency == record.currency,
            InvoiceRecord.invoice_date == record.invoice_date,
            InvoiceRecord.reference_key == record.reference_key,
            InvoiceRecord.kind == "invoice",
            col(InvoiceRecord.status).not_in(NOT_COUNTED),
            InvoiceRecord.registered_at < record.registered_at,
        )
        for other in session.exec(others):
            if other.gross_amount == record.gross_amount:  # to the cent, both Decimal
                return "suspect", other.invoice_id
    return "none", None


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
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise CountedTwice(
                f"invoice {invoice_id} cannot be {status}: invoice "
                f"{_holder(session, kept)} with the same number is counted already"
            ) from None
        return kept
